//! A run can be stopped: an operator cancels a run whose stand never answers (who and when
//! are recorded), a new test starts at once, and a result the stand sends after the cancel is
//! still stored with the cancelled run and marked as late.

mod common;

use common::{App, Team};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_stuck_run_is_cancelled_a_new_one_starts_and_a_late_result_is_kept_and_marked() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let Team { olga, vic, .. } = app.team().await;
    let start = json!({"parameters": {"fs": 10}, "commands": ["start"]});
    let (status, run) = olga.post_call("/api/stands/rig1/runs", &start).await;
    assert_eq!(status, StatusCode::CREATED);
    let stuck = run["id"].as_i64().expect("id");
    // The stand never answers: a second start is refused while the first waits.
    let (status, _) = olga.post_call("/api/stands/rig1/runs", &start).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let cancel = format!("/api/runs/{stuck}/cancel");
    let (status, _) = vic.post_call(&cancel, &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer may not cancel");
    let (status, _) = olga.post_call("/api/runs/999999/cancel", &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, cancelled) = olga.post_call(&cancel, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["cancelled_by"], "olga");
    assert!(cancelled["cancelled_at"].is_string() && cancelled["finished_at"].is_string());
    let (status, again) = olga.post_call(&cancel, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "an ended run: {again}");
    assert!(
        again["error"]
            .as_str()
            .expect("error")
            .contains("cancelled")
    );

    // The stand answers after all: the result is stored with the cancelled run, marked late.
    let payload = common::data_message("rig1", json!({"fs": 10}), r#"{"x": [1, 2]}"#);
    let late = common::ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let run = vic.json(&format!("/api/runs/{stuck}")).await;
    assert_eq!(
        run["state"], "cancelled",
        "the late result does not revive the run"
    );
    assert_eq!(run["result"], late);
    let result = vic.json(&format!("/api/results/{late}")).await;
    assert_eq!(result["run"], stuck);
    assert_eq!(result["late"], true);
    let page = vic.text(&format!("/results/{late}")).await;
    assert!(
        page.contains("cancelled by olga") && page.contains("arrived after the cancel"),
        "{page}"
    );
    // A second data message belongs to no run (one result per run).
    let unsolicited = common::ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let result = vic.json(&format!("/api/results/{unsolicited}")).await;
    assert_eq!(result["run"], Value::Null);
    assert_eq!(result["late"], false);

    // A new test starts at once, and a result now completes it, not the cancelled run.
    let (status, fresh) = olga.post_call("/api/stands/rig1/runs", &start).await;
    assert_eq!(status, StatusCode::CREATED, "{fresh}");
    let fresh = fresh["id"].as_i64().expect("id");
    let done = common::ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let run = vic.json(&format!("/api/runs/{fresh}")).await;
    assert_eq!(
        (run["state"].clone(), run["result"].clone()),
        (json!("completed"), json!(done))
    );
}
