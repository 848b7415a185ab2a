//! Counts over several tables for `/metrics`, read from the database so they cover every
//! process.

use sqlx::PgPool;

use super::{QueryContext, StoreError, runs};

/// Figures for `/metrics`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StoreFigures {
    /// Stands known.
    pub stands: i64,
    /// Status messages stored (estimate from the planner's statistics above 10,000 rows).
    pub status_messages: i64,
    /// Results stored.
    pub results: i64,
    /// Messages in the quarantine.
    pub quarantined: i64,
    /// Runs in progress.
    pub runs_in_progress: i64,
    /// Messages of new stands in the quarantine because the registration cap was reached
    /// (`registration_limit`).
    pub registrations_refused: i64,
    /// Seconds since the newest stored inbound message (the handler's lag when stands talk).
    pub seconds_since_last_message: Option<f64>,
}

/// Reads the figures in one round trip.
pub async fn read(pool: &PgPool) -> Result<StoreFigures, StoreError> {
    sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM stands) AS stands,
           (SELECT CASE WHEN c.reltuples > 10000 THEN c.reltuples::bigint
                        ELSE (SELECT count(*) FROM status_history) END
              FROM pg_class c WHERE c.oid = 'status_history'::regclass) AS status_messages,
           (SELECT count(*) FROM results) AS results,
           (SELECT count(*) FROM quarantine) AS quarantined,
           (SELECT count(*) FROM quarantine WHERE kind = $2)
              AS registrations_refused,
           (SELECT count(*) FROM runs WHERE state = ANY($1::run_state[])) AS runs_in_progress,
           (SELECT extract(epoch FROM now() - max(last_seen))::float8 FROM stands)
              AS seconds_since_last_message",
    )
    .bind(runs::in_progress())
    .bind(crate::protocol::Rejection::REGISTRATION_LIMIT)
    .fetch_one(pool)
    .await
    .query("figures.read")
}
