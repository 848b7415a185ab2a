//! Test templates over real HTTP, a real broker and PostgreSQL: the API (bad templates and bad
//! values refused naming the place or field), starts through a template sending typed values
//! in its order and its commands, runs and results naming the version they used after the
//! template is edited, the admin editor and its refusals, and an export imported onto a stand
//! of a fresh database rendering the same form and sending the same command.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod editor;

use common::App;
use serde_json::{Value, json};

fn accelerometer() -> Value {
    json!({
        "name": "Sweep",
        "description": "A frequency sweep of the accelerometer",
        "commands": ["calibrate", "measure"],
        "parameters": [
            {"name": "sensor", "label": "Sensor", "type": "choice", "required": true,
             "choices": [{"value": "x", "label": "X axis"}, {"value": "y", "label": "Y axis"}]},
            {"name": "duration", "type": "number", "unit": "s", "min": 1, "max": 60, "step": 0.5,
             "default": 10},
            {"name": "frequency", "type": "choice", "default": 100,
             "choices": [{"value": 10, "label": "10 Hz"}, {"value": 100, "label": "100 Hz"},
                         {"value": 1000, "label": "1 kHz"}, {"value": 10000, "label": "10 kHz"}]},
            {"name": "operator_note", "type": "text", "pattern": "[A-Z]{2}-[0-9]+"},
            {"name": "dry_run", "type": "boolean", "default": false}
        ]
    })
}

/// JSON read as a template (`1` and `1.0`, a `false` left out and written are the same).
fn template(v: &Value) -> domain::template::Template {
    serde_json::from_value(v.clone()).expect("a template")
}

/// Ends the stand's run in progress, so the next test may start.
async fn end_runs(app: &App) {
    sqlx::query("UPDATE runs SET state = 'failed', finished_at = now() WHERE finished_at IS NULL")
        .execute(&app.db.pool)
        .await
        .expect("end runs");
}
