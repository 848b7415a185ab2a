//! Runs in the database as the web interface starts them, for tests that need a run (of a test
//! template or free form) without going through the web interface.

use domain::StandId;
use domain::store::runs::{self, NewRun};
use serde_json::Value;

/// Starts a run on `stand` requested by `olga` with these parameters and commands, attached to
/// the test template `template` when given; the run's id.
pub async fn start(
    pool: &sqlx::PgPool,
    stand: &StandId,
    parameters: &Value,
    commands: &Value,
    template: Option<i64>,
) -> i64 {
    let id = runs::create(
        pool,
        NewRun {
            stand,
            requested_by: "olga",
            user_id: None,
            parameters,
            commands,
            keep: false,
        },
    )
    .await
    .expect("run");
    if let Some(t) = template {
        domain::store::templates::attach(pool, id, t)
            .await
            .expect("attach the template");
    }
    id
}
