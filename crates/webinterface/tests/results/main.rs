//! Results over real HTTP against a real database, seeded through the handler's ingest path:
//! exports that round-trip exactly (CSV and xlsx parsed back, `exports`), unequal and
//! non-numeric series, nested parameters, HTML escaped everywhere, filters and paging,
//! keep/delete per role and CSRF (`pages`). The quarantine's pages are in `tests/quarantine.rs`.

#[path = "../common/mod.rs"]
mod common;

mod exports;
mod pages;

use common::{Api, App, data_message, ingest};
use domain::store::users::Role;
use serde_json::json;

/// Numbers chosen to catch any lossy formatting on the way out.
fn tricky() -> Vec<f64> {
    vec![
        0.1,
        -0.0,
        1e-300,
        5e-324,
        123_456_789.123_456_79,
        -2.5e17,
        std::f64::consts::PI,
        1.0 / 3.0,
        f64::MAX,
        42.0,
    ]
}

fn data_json(a: &[f64], b: &[f64]) -> String {
    format!(
        r#"{{"a": {}, "b short": {}, "labels": ["x", 1, {{"k": "<i>v</i>"}}], "note": "<script>alert(1)</script>"}}"#,
        serde_json::to_string(a).expect("a"),
        serde_json::to_string(b).expect("b"),
    )
}

/// A ready stand with one result of tricky numbers, unequal and non-numeric series and nested
/// parameters, and a viewer's API client.
async fn arrange() -> (App, i64, Api) {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let viewer = app.api("viola", Role::Viewer).await;
    let params = json!({"fs": 100, "nested": {"gain": [1, 2, {"x": null}]}, "mode": "sine"});
    let payload = data_message("rig1-pc", params, &data_json(&tricky(), &[7.0, -1.5]));
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");
    (app, id, viewer)
}
