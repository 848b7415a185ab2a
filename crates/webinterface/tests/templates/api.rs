//! Templates through the API: bad templates and values refused naming the place, starts that
//! type and order values, runs and results keeping the version they used.

use crate::common::{
    App, Team, assert_nothing_more, data_message, ingest, next_message, subscriber,
};
use crate::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn templates_through_the_api_type_and_order_values_and_runs_keep_their_version() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let Team { ada, olga, vic } = app.team().await;
    let mut inbox = subscriber(&app.broker.url(), &["rig1/outbound"]).await;

    // Only admins add templates; bad ones are refused naming the place.
    let (s, _) = olga
        .post_call("/api/stands/rig1/templates", &accelerometer())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (place, field, value, says) in [
        (1, "max", json!(0.5), "parameters[1] (duration).max"),
        (3, "pattern", json!("([a-z"), "(operator_note).pattern"),
        (0, "colour", json!("red"), "colour"),
    ] {
        let mut bad = accelerometer();
        bad["parameters"][place][field] = value;
        let (s, e) = ada.post_call("/api/stands/rig1/templates", &bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let msg = e["error"].as_str().unwrap_or("");
        assert!(msg.contains(says), "{msg}");
    }
    let (s, _) = ada
        .post_call("/api/stands/nowhere/templates", &accelerometer())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, created) = ada
        .post_call("/api/stands/rig1/templates", &accelerometer())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let v1 = created["id"].as_i64().expect("id");
    assert_eq!(
        (created["version"].as_i64(), created["family"].as_i64()),
        (Some(1), Some(v1))
    );
    assert_eq!(created["stand"], "rig1");
    assert_eq!(template(&created["template"]), template(&accelerometer()));
    let (s, list) = vic.get_call("/api/stands/rig1/templates").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");

    // On a stand with templates an operator starts through one.
    let free = json!({"parameters": {"fs": 1}, "commands": ["start"]});
    let (s, e) = olga.post_call("/api/stands/rig1/runs", &free).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        e["error"].as_str().unwrap_or("").contains("test templates"),
        "{e}"
    );

    // Bad values: each refusal names its field; nothing is sent.
    let wrong = json!({"template": v1, "parameters": {
        "sensor": "z", "duration": 61, "frequency": 50, "operator_note": "ab-1", "dry_run": "maybe",
        "colour": "red"}});
    let (s, e) = olga.post_call("/api/stands/rig1/runs", &wrong).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let msg = e["error"].as_str().expect("error");
    for field in [
        "sensor: one of",
        "duration: at most 60 s",
        "frequency: one of",
        "operator_note: must match",
        "dry_run: true or false",
        "colour",
    ] {
        assert!(msg.contains(field), "{field} in {msg}");
    }
    let missing = json!({"template": v1, "parameters": {}});
    let (s, e) = olga.post_call("/api/stands/rig1/runs", &missing).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .unwrap_or("")
            .contains("sensor: required"),
        "{e}"
    );
    let commands = json!({"template": v1, "parameters": {"sensor": "x"}, "commands": ["rm"]});
    let (s, _) = olga.post_call("/api/stands/rig1/runs", &commands).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let broker = app.broker.url();
    assert_nothing_more(&broker, &mut inbox, "rig1/outbound", "nothing was sent").await;

    // Good values, given out of order and as text: typed, in the template's order, defaults
    // filled in, the template's commands.
    let good = json!({"template": v1, "parameters": {
        "dry_run": "true", "duration": "2.5", "sensor": "y", "frequency": "1000"}});
    let (s, started) = olga.post_call("/api/stands/rig1/runs", &good).await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let run = started["id"].as_i64().expect("run id");
    let (topic, command) = next_message(&mut inbox).await;
    assert_eq!(topic, "rig1/outbound");
    assert!(
        command.contains(r#""commandList":["calibrate","measure"]"#)
            && command.contains(
                r#""parameterObj":{"sensor":"y","duration":2.5,"frequency":1000,"dry_run":true}"#
            ),
        "{command}"
    );
    let (_, r) = vic.get_call(&format!("/api/runs/{run}")).await;
    assert_eq!(
        r["template"],
        json!({"id": v1, "name": "Sweep", "version": 1})
    );
    assert_eq!(
        r["parameters"],
        json!({"sensor": "y", "duration": 2.5, "frequency": 1000, "dry_run": true})
    );

    // The stand answers: the result page names the template's version.
    let payload = data_message("rig1", r["parameters"].clone(), r#"{"x": [1, 2]}"#);
    let result = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let page = vic.text(&format!("/results/{result}")).await;
    assert!(
        page.contains(r#"<dd id="result-template">Sweep v1</dd>"#),
        "{page}"
    );

    // Edited: version 2; the run and result keep version 1; the old version may not start.
    let mut edited = accelerometer();
    edited["name"] = json!("Sweep (slow)");
    edited["parameters"][1]["max"] = json!(120);
    let v1_path = format!("/api/templates/{v1}");
    let (s, _) = olga.call(Method::PUT, &v1_path, Some(&edited)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v2) = ada.call(Method::PUT, &v1_path, Some(&edited)).await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    assert_eq!(
        (v2["family"].as_i64(), v2["version"].as_i64()),
        (Some(v1), Some(2))
    );
    let v2 = v2["id"].as_i64().expect("id");
    let (_, r) = vic.get_call(&format!("/api/runs/{run}")).await;
    assert_eq!(r["template"]["version"], 1);
    let page = vic.text(&format!("/results/{result}")).await;
    assert!(page.contains("Sweep v1"), "{page}");
    let (_, one) = vic.get_call(&v1_path).await;
    assert_eq!(template(&one["template"]), template(&accelerometer()));
    end_runs(&app).await;
    let (s, e) = olga.post_call("/api/stands/rig1/runs", &good).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        e["error"].as_str().unwrap_or("").contains("was edited"),
        "{e}"
    );
    let slow = json!({"template": v2, "parameters": {"sensor": "x", "duration": 90}});
    let (s, started) = olga.post_call("/api/stands/rig1/runs", &slow).await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let (_, command) = next_message(&mut inbox).await;
    assert!(
        command.contains(
            r#""parameterObj":{"sensor":"x","duration":90,"frequency":100,"dry_run":false}"#
        ),
        "{command}"
    );
    end_runs(&app).await;

    // An admin may still start free-form on it.
    let (s, _) = ada.post_call("/api/stands/rig1/runs", &free).await;
    assert_eq!(s, StatusCode::CREATED);
    next_message(&mut inbox).await;
    end_runs(&app).await;

    // The export is the template's JSON alone, as a download.
    let export = vic
        .download(&format!("/api/templates/{v2}/export"), "application/json")
        .await;
    let disposition = export.header("content-disposition");
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("v2.json"),
        "{disposition}"
    );
    let exported: Value = serde_json::from_slice(&export.body).expect("json");
    assert_eq!(template(&exported), template(&edited));

    // Deleted: the family is retired; the stand is free-form again, the run keeps its name.
    for (who, path, status) in [
        (&olga, v1_path.as_str(), StatusCode::FORBIDDEN),
        (&ada, v1_path.as_str(), StatusCode::NO_CONTENT),
        (&ada, "/api/templates/999999", StatusCode::NOT_FOUND),
    ] {
        let (s, _) = who.call(Method::DELETE, path, None).await;
        assert_eq!(s, status, "DELETE {path}");
    }
    let (_, list) = vic.get_call("/api/stands/rig1/templates").await;
    assert_eq!(list, json!([]));
    let (s, e) = olga.post_call("/api/stands/rig1/runs", &slow).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e["error"].as_str().unwrap_or("").contains("deleted"), "{e}");
    let (s, _) = olga.post_call("/api/stands/rig1/runs", &free).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, r) = vic.get_call(&format!("/api/runs/{run}")).await;
    assert_eq!(r["template"]["name"], "Sweep");
}
