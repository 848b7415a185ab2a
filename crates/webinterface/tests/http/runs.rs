//! Starting tests: from the API and the stand page's form, the command reaching a subscribed
//! MQTT client; refusals when the stand is not ready or the body is bad; the broker down.

use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{App, error_of, json_of, location, next_message, subscriber};

#[tokio::test]
async fn a_test_started_from_the_api_reaches_the_stand_as_a_valid_command() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand_with("old7", "ready", true).await;
    let olga = app.api("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/Outbound"]).await;
    let body = json!({"parameters": {"fs": 1000, "wave": "sine"}, "commands": ["start", "log"], "keep": true});
    let r = olga.post("/api/stands/rig1/runs", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let started = json_of(r).await;
    assert_eq!(started["state"], "sent");
    let run_id = started["id"].as_i64().expect("id");

    let (topic, payload) = next_message(&mut inbox).await;
    assert_eq!(topic, "rig1/outbound");
    let message: Value = serde_json::from_str(&payload).expect("json");
    domain::ProtocolValidator::bundled()
        .expect("schema")
        .check(&message)
        .expect("the command is schema-valid");
    assert_eq!(message["msgType"], "command");
    assert_eq!(message["sentBy"], "olga");
    assert_eq!(message["commandList"], json!(["start", "log"]));
    assert_eq!(message["parameterObj"], json!({"fs": 1000, "wave": "sine"}));

    let run = olga.json(&format!("/api/runs/{run_id}")).await;
    assert_eq!(run["state"], "sent");
    assert_eq!(run["stand"], "rig1");
    assert_eq!(run["requested_by"], "olga");
    assert!(run["requested_at"].as_str().expect("time").ends_with('Z'));
    assert!(run["result"].is_null());
    // The stand now shows the run and is busy.
    let stand = olga.json("/api/stands/rig1").await;
    assert_eq!(
        (stand["state"].as_str(), stand["run"].as_i64()),
        (Some("busy"), Some(run_id))
    );
    let confirmed: bool = sqlx::query_scalar(
        "SELECT confirmed_at IS NOT NULL FROM outbound_commands WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("outbound row");
    assert!(confirmed);

    // A legacy stand is answered on its legacy topic.
    let r = olga.post("/api/stands/old7/runs", &json!({})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (topic, _) = next_message(&mut inbox).await;
    assert_eq!(topic, "Testdevice/old7/Outbound");
}

#[tokio::test]
async fn starting_on_a_stand_that_is_not_ready_is_refused_and_publishes_nothing() {
    let app = App::start().await;
    let not_ready = [
        ("b1", "busy"),
        ("o1", "off"),
        ("x1", "offline"),
        ("e1", "error"),
        ("u1", "unknown"),
    ];
    for (id, state) in not_ready.iter().chain([&("r1", "ready")]) {
        app.stand(id, state).await;
    }
    let olga = app.api("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/Outbound"]).await;
    for (id, state) in not_ready {
        let r = olga
            .post(
                &format!("/api/stands/{id}/runs"),
                &json!({"parameters": {"a": 1}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{id}");
        let msg = error_of(r).await;
        assert!(
            msg.contains(state) && msg.contains("nothing was sent"),
            "{msg}"
        );
    }
    // A second start while the first run is in progress is refused too.
    let first = olga.post("/api/stands/r1/runs", &json!({})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = olga.post("/api/stands/r1/runs", &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // The only message the broker carried is the accepted one: the refusals came first.
    let (topic, _) = next_message(&mut inbox).await;
    assert_eq!(topic, "r1/outbound");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(runs, 1);
    // Bad bodies are 400s with a reason (checked before the stand's state: the stand is busy
    // with the run above, which would be a 409). Commands are strings.
    for body in [
        r#"{"parameters": []}"#,
        r#"{"commands": {}}"#,
        r#"{"commands": [1]}"#,
        r#"{"commands": [{"name": "start"}]}"#,
        "not json",
        r#"{"bogus": 1}"#,
    ] {
        let r = olga
            .client
            .post(olga.url("/api/stands/r1/runs"))
            .bearer_auth(&olga.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(
            matches!(r.status().as_u16(), 400 | 422),
            "{body}: {}",
            r.status()
        );
        assert!(json_of(r).await["error"].is_string());
    }
}

#[tokio::test]
async fn a_broker_that_cannot_be_reached_gives_503_and_a_failed_run() {
    let mut app = App::start().await;
    app.stand("rig1", "ready").await;
    let olga = app.api("olga", Role::Operator).await;
    assert_eq!(olga.get("/readyz").await.status(), StatusCode::OK);
    app.broker.kill();
    let r = olga
        .post("/api/stands/rig1/runs", &json!({"commands": ["go"]}))
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let msg = error_of(r).await;
    assert!(
        msg.contains("cannot be reached") && msg.contains("marked failed"),
        "{msg}"
    );
    let (state, error): (String, Option<String>) =
        sqlx::query_as("SELECT state::text, error FROM runs")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert_eq!(state, "failed");
    assert!(error.is_some());
    // The stand is free again, and readiness says what is missing.
    let stand = olga.json("/api/stands/rig1").await;
    assert_eq!(stand["state"], "ready");
    let r = olga.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(r).await["broker"], "unreachable");
    app.shutdown().await;
}

#[tokio::test]
async fn the_start_form_sends_a_command_and_refuses_clearly() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand("busy1", "busy").await;
    let olga = app.session("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    let r = olga
        .post_form(
            "/stands/busy1/runs",
            &[("param_name", "fs"), ("param_value", "10")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.expect("html");
    assert!(html.contains("A test cannot start now"), "{html}");
    let r = olga
        .post_form(
            "/stands/rig1/runs",
            &[
                ("param_name", "fs"),
                ("param_value", "100"),
                ("param_name", "label"),
                ("param_value", "first try"),
                ("param_name", ""),
                ("param_value", ""),
                ("commands", "start\nmeasure\n"),
                ("keep", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with("/stands/rig1?started="), "{to}");
    let (_, payload) = next_message(&mut inbox).await;
    let message: Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(
        message["parameterObj"],
        json!({"fs": 100, "label": "first try"})
    );
    assert_eq!(message["commandList"], json!(["start", "measure"]));
    let keep: bool = sqlx::query_scalar("SELECT keep FROM runs WHERE stand_id = 'rig1'")
        .fetch_one(&app.db.pool)
        .await
        .expect("run");
    assert!(keep);
    assert!(olga.page(&to).await.contains("was sent to the stand"));
}
