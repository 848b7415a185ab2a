//! Parameters keep the order the operator or the stand gave them, end to end — the command
//! sent, the run, the result page, the API, the classic CSV and the xlsx — with keys whose
//! sorted order differs (PostgreSQL's `jsonb` sorted them).

mod common;

use std::time::Duration;

use calamine::Reader;
use common::{Api, App, subscriber};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

/// The keys of the first JSON object after `"key":` in `text`, in the order written.
fn keys_after(text: &str, key: &str) -> Vec<String> {
    let at = text
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {text}"));
    let rest = text[at..].split_once(':').expect("value").1;
    let mut de = serde_json::Deserializer::from_str(rest);
    let object: serde_json::Map<String, Value> =
        serde::Deserialize::deserialize(&mut de).expect("an object");
    object.keys().cloned().collect()
}

const ORDER: [&str; 4] = ["zeta", "alpha", "mid", "Beta"];

async fn text(app: &App, token: &str, path: &str) -> String {
    app.get_ok_text(path, token).await
}

#[tokio::test]
async fn parameters_keep_their_order_from_the_start_form_to_every_export() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["rig1/outbound"]).await;

    // Started through the API: the body's order.
    let body = r#"{"parameters": {"zeta": 1, "alpha": "two", "mid": 3.5, "Beta": true}, "commands": ["start"]}"#;
    let r = app
        .client()
        .post(app.url("/api/stands/rig1/runs"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::CREATED);
    let run: Value = r.json().await.expect("json");
    let run_id = run["id"].as_i64().expect("id");
    let (_, command) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the command arrives")
        .expect("subscriber");
    let command = String::from_utf8(command).expect("utf-8");
    assert_eq!(
        keys_after(&command, "parameterObj"),
        ORDER,
        "the command sent"
    );
    let stored = text(&app, &token, &format!("/api/runs/{run_id}")).await;
    assert_eq!(keys_after(&stored, "parameters"), ORDER, "the run");
    let recorded: String =
        sqlx::query_scalar("SELECT payload::text FROM outbound_commands WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&app.db.pool)
            .await
            .expect("recorded");
    assert_eq!(
        keys_after(&recorded, "parameterObj"),
        ORDER,
        "the recorded command"
    );

    // The stand's result, with the parameters in its order.
    let payload = test_support::messages::data_text(
        "rig1",
        &["start"],
        &serde_json::from_str::<Value>(r#"{"zeta": 1, "alpha": "two", "mid": 3.5, "Beta": true}"#)
            .expect("json"),
        r#"{"x": [1, 2]}"#,
    );
    let id = common::ingest(&app.db.pool, "rig1", payload.as_bytes())
        .await
        .expect("stored");
    let api = text(&app, &token, &format!("/api/results/{id}")).await;
    assert_eq!(keys_after(&api, "parameters"), ORDER, "the result's API");

    let page = text(&app, &token, &format!("/results/{id}")).await;
    let table = &page[page.find("id=\"parameters\"").expect("table")..];
    let shown: Vec<&str> = table
        .split("<code>")
        .skip(1)
        .map(|s| s.split("</code>").next().expect("name"))
        .take(ORDER.len())
        .collect();
    assert_eq!(shown, ORDER, "the result page");

    let csv = text(&app, &token, &format!("/results/{id}.csv?layout=classic")).await;
    let names = csv.lines().nth(2).expect("the parameter names' row");
    assert_eq!(
        names.split(',').collect::<Vec<_>>(),
        ORDER,
        "the classic CSV"
    );

    let xlsx = Api::new(&app, &token)
        .download(&format!("/results/{id}.xlsx"), "")
        .await;
    let mut wb = xlsx.workbook();
    let params = wb.worksheet_range("Parameters").expect("Parameters");
    let names: Vec<String> = params.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(names, ORDER, "the xlsx");
}
