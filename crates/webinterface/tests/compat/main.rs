//! Compatibility with the stack we replace, driven the way its clients did: a stand with a
//! Danish id on the module guide's lowercase topics, end to end through the broker, the real
//! message handler, the pages, the API and the exports; and a paho-mqtt (Python) stand written
//! like the module guide's example.

#[path = "../common/mod.rs"]
mod common;

mod guide;
mod old_stack;
mod paho;

use std::time::Duration;

use common::{Api, App};
use domain::protocol::KEY_ORDER;
use serde_json::Value;
use test_support::messages::keys;

/// Starts a run on `stand` through the API (answered 201) and returns its id.
async fn start_run(app: &App, token: &str, stand: &str, body: Value) -> i64 {
    let (status, run) = Api::new(app, token)
        .post_call(&format!("/api/stands/{stand}/runs"), &body)
        .await;
    assert_eq!(status, 201, "{run}");
    run["id"].as_i64().expect("run id")
}

/// Asks `url` (with `token`) until `done` accepts the JSON answer; the handler stores
/// asynchronously, so the API is the event to wait for.
async fn api_until(app: &App, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let api = Api::new(app, token);
    let mut last = Value::Null;
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let r = api.get(path).await;
            if r.status() == 200 {
                last = r.json().await.expect("json");
                if done(&last) {
                    return last.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("{path} never matched; last answer: {last}"))
}

/// The `Location` of a redirect.
fn location_of(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII")
        .to_owned()
}
