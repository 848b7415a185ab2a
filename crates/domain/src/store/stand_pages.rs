//! Read-only queries behind the web pages: a stand's recent runs and results, the quarantine
//! list, and the figures for `/metrics`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A run as the stand page lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RunSummary {
    /// Its id.
    pub id: i64,
    /// Its state.
    pub state: String,
    /// Who started it.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// Started on confirmation, the stand's state being unknown or quiet.
    pub confirmed_unheard: bool,
}

/// A stand's latest runs, newest first.
pub async fn recent_runs(
    pool: &PgPool,
    stand: &str,
    limit: i64,
) -> Result<Vec<RunSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, state::text AS state, requested_by, requested_at, finished_at, error,
             confirmed_unheard
         FROM runs WHERE stand_id = $1 ORDER BY requested_at DESC, id DESC LIMIT $2",
    )
    .bind(stand)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A result as the stand page lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ResultSummary {
    /// Its id.
    pub id: i64,
    /// The run it completed.
    pub run_id: Option<i64>,
    /// The stand's `sentBy`.
    pub sent_by: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Number of values over all series.
    pub point_count: i64,
    /// Kept forever.
    pub keep: bool,
}

/// A stand's latest results, newest first.
pub async fn recent_results(
    pool: &PgPool,
    stand: &str,
    limit: i64,
) -> Result<Vec<ResultSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, run_id, sent_by, received_at, point_count, keep
         FROM results WHERE stand_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2",
    )
    .bind(stand)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A rejected message as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Rejected {
    /// Its id.
    pub id: i64,
    /// The topic it came on.
    pub topic: String,
    /// Why it was rejected.
    pub reason: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its bytes, unless it was too large to keep.
    pub payload: Option<Vec<u8>>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// One page of the quarantine, newest first, and the total count.
pub async fn rejected_page(
    pool: &PgPool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Rejected>, i64), sqlx::Error> {
    let items = sqlx::query_as(
        "SELECT id, topic, reason, size, payload, received_at FROM quarantine
         ORDER BY received_at DESC, id DESC OFFSET $1 LIMIT $2",
    )
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM quarantine")
        .fetch_one(pool)
        .await?;
    Ok((items, total))
}

/// Figures for `/metrics`, read from the database so they cover every process.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StoreFigures {
    /// Stands known.
    pub stands: i64,
    /// Status messages stored (estimate from the planner's statistics above 10,000 rows).
    pub status_messages: i64,
    /// Results stored.
    pub results: i64,
    /// Messages in the quarantine.
    pub rejected: i64,
    /// Runs in progress.
    pub runs_in_progress: i64,
    /// Seconds since the newest stored inbound message (the handler's lag when stands talk).
    pub seconds_since_last_message: Option<f64>,
}

/// Reads the figures in one round trip.
pub async fn figures(pool: &PgPool) -> Result<StoreFigures, sqlx::Error> {
    sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM stands) AS stands,
           (SELECT CASE WHEN c.reltuples > 10000 THEN c.reltuples::bigint
                        ELSE (SELECT count(*) FROM status_history) END
              FROM pg_class c WHERE c.oid = 'status_history'::regclass) AS status_messages,
           (SELECT count(*) FROM results) AS results,
           (SELECT count(*) FROM quarantine) AS rejected,
           (SELECT count(*) FROM runs WHERE state IN ('sent', 'running')) AS runs_in_progress,
           (SELECT extract(epoch FROM now() - max(last_seen))::float8 FROM stands)
              AS seconds_since_last_message",
    )
    .fetch_one(pool)
    .await
}
