//! Scripts that download, as the old stack's users wrote them (`curl -L`, urllib): without a
//! login they get a 401 with a JSON error naming the token header — never a login page saved
//! as the CSV — while browsers keep the login bounce, which comes back with the query string.

mod common;

use common::{App, PASSWORD};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_script_gets_401_naming_the_token_header_and_a_browser_comes_back_with_its_query() {
    let app = App::start().await;
    app.user("vera", Role::Viewer).await;
    let payload = common::data_message("rig1", json!({"fs": 10}), r#"{"x": [1, 2]}"#);
    let id = common::ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let download = format!("/results/{id}.csv?layout=classic");

    // `curl -L` / urllib: redirects followed, no HTML asked for.
    let script = reqwest::Client::new();
    for accept in [None, Some("*/*"), Some("text/csv")] {
        let mut req = script.get(app.url(&download));
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let r = req.send().await.expect("get");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "Accept {accept:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: Value = r.json().await.expect("a JSON error");
        let error = body["error"].as_str().expect("error");
        assert!(error.contains("Authorization: Bearer"), "{error}");
    }
    // With a token the script downloads.
    let token = app.token("tess", Role::Viewer).await;
    let r = script
        .get(app.url(&download))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);

    // A browser is sent to log in, and comes back to the classic layout.
    let browser = common::cookie_client();
    let r = browser
        .get(app.url(&download))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = r.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(
        login,
        format!("/login?next=%2Fresults%2F{id}.csv%3Flayout%3Dclassic")
    );
    let next = url::form_urlencoded::parse(login.split_once('?').expect("query").1.as_bytes())
        .find(|(k, _)| k == "next")
        .expect("next")
        .1
        .into_owned();
    let r = common::login_request(
        &browser,
        &app.url("/login"),
        &[
            ("username", "vera"),
            ("password", PASSWORD),
            ("next", &next),
        ],
    )
    .await
    .send()
    .await
    .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], download.as_str());
    let csv = app.text(&browser, &download).await;
    assert!(csv.starts_with("Testdato,"), "the classic layout: {csv}");
}
