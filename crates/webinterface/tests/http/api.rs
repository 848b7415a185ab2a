//! The JSON API's shapes and checks, the metrics, and the scheduler's job runs for admins.

use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::App;

#[tokio::test]
async fn api_shapes_and_metrics() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let api = app.api("adm", Role::Admin).await;
    let list = api.json("/api/stands").await;
    let one = &list[0];
    for key in [
        "id",
        "name",
        "state",
        "status_code",
        "power_code",
        "last_seen",
        "run",
    ] {
        assert!(one.get(key).is_some(), "missing {key} in {one}");
    }
    assert_eq!(one["state"], "ready");
    let detail = api.json("/api/stands/rig1").await;
    for key in ["description", "camera_url", "max_test_seconds"] {
        assert!(detail.get(key).is_some(), "missing {key}");
    }
    let history = api.json("/api/stands/rig1/status?limit=1").await;
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    assert_eq!(history[0]["code"], 200);
    assert!(history[0]["meaning"].is_string() && history[0]["received_at"].is_string());
    let quarantined = api.json("/api/quarantine?page=1").await;
    assert_eq!(quarantined, json!({"items": [], "total": 0}));
    // Admin edits with checks.
    let bad_camera = api
        .patch("/api/stands/rig1", &json!({"camera_url": "ftp://x"}))
        .await;
    assert_eq!(bad_camera.status(), StatusCode::BAD_REQUEST);
    let again = api.post("/api/stands", &json!({"id": "rig1"})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    for user in [
        json!({"username": "new", "role": "overlord", "password": "long enough"}),
        json!({"username": "new", "role": "viewer", "password": "short"}),
    ] {
        let r = api.post("/api/users", &user).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{user}");
    }
    // A new stand's message refused at the registration cap, as the handler stores it.
    sqlx::query(
        "INSERT INTO quarantine (topic, reason, size, payload_sha256, kind)
         VALUES ('fake/inbound', 'over the cap', 2, '\\x00', 'registration_limit')",
    )
    .execute(&app.db.pool)
    .await
    .expect("quarantined");
    let text = api.text("/metrics").await;
    for name in [
        "standhub_http_request_duration_seconds",
        "standhub_messages_stored",
        "standhub_stands 1",
        "standhub_stand_registrations_refused 1",
    ] {
        assert!(text.contains(name), "missing {name} in\n{text}");
    }
}

#[tokio::test]
async fn admins_see_the_scheduler_job_runs_with_their_errors_escaped() {
    use domain::store::job_runs as jobs;
    let app = App::start().await;
    let mut conn = app.db.pool.acquire().await.expect("connection");
    let ok = jobs::start(&mut conn, "retention", "sched-a")
        .await
        .expect("start");
    jobs::finish(&mut conn, ok, Ok(7)).await.expect("finish");
    let bad = jobs::start(&mut conn, "prune", "sched-a")
        .await
        .expect("start");
    jobs::finish(&mut conn, bad, Err("<b>disk full</b>"))
        .await
        .expect("finish");
    drop(conn);
    let admin = app.api("admin1", Role::Admin).await;

    let api = admin.json("/api/jobs").await;
    let items = api["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["job"], "prune", "newest first");
    assert_eq!(items[0]["outcome"], "failed");
    assert_eq!(items[0]["error"], "<b>disk full</b>");
    assert_eq!(items[1]["outcome"], "ok");
    assert_eq!(items[1]["rows_touched"], 7);

    let html = admin.text("/admin/jobs").await;
    assert!(html.contains("retention") && html.contains("prune"));
    assert!(html.contains("disk full"), "the error is shown");
    assert!(!html.contains("<b>disk full</b>"), "errors are escaped");
}
