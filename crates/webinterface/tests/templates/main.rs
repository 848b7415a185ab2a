//! Test templates over real HTTP, a real broker and PostgreSQL: the API (bad templates and bad
//! values refused naming the place or field), starts through a template sending typed values
//! in its order and its commands, runs and results naming the version they used after the
//! template is edited, the admin editor and its refusals, and an export imported onto a stand
//! of a fresh database rendering the same form and sending the same command.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod editor;

use common::{App, accelerometer};
use serde_json::Value;

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
