//! The `job_runs` table: the record of every scheduler job execution (a *job run*, not a test
//! run of a stand), as admins see it, and its pruning.
//!
//! The functions take a connection, not a pool: the scheduler runs them on the connection that
//! holds its advisory lock ([`super::scheduler_lock`]).

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::steps::rows_changed;
use super::{QueryContext, StoreError};
use crate::job_run::JobOutcome;

/// One recorded run of a scheduler job (not a test run of a stand).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRun {
    /// Its id.
    pub id: i64,
    /// The job: `retention`, `run_timeout`, `offline` or `prune`.
    pub job: String,
    /// The scheduler instance that ran it.
    pub instance: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended; null while running, or when its scheduler died during the run.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended, or that it still runs.
    pub outcome: JobOutcome,
    /// Rows deleted or changed.
    pub rows_touched: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records that a job run starts (outcome `running`); returns its id. Uses the wall clock, not
/// the transaction's, so the recorded times are when things happened.
pub async fn start(conn: &mut PgConnection, job: &str, instance: &str) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO job_runs (job, instance, started_at, outcome)
         VALUES ($1, $2, clock_timestamp(), $3) RETURNING id",
    )
    .bind(job)
    .bind(instance)
    .bind(JobOutcome::Running.as_str())
    .fetch_one(conn)
    .await
    .query("job_runs.start")
}

/// Records how a job run ended: `Ok(rows touched)` or `Err(error text)`.
pub async fn finish(
    conn: &mut PgConnection,
    id: i64,
    outcome: Result<u64, &str>,
) -> Result<(), StoreError> {
    let (outcome, rows, error) = match outcome {
        Ok(rows) => (
            JobOutcome::Ok,
            i64::try_from(rows).unwrap_or(i64::MAX),
            None,
        ),
        Err(e) => (JobOutcome::Failed, 0, Some(e)),
    };
    sqlx::query(
        "UPDATE job_runs SET finished_at = clock_timestamp(), outcome = $2, rows_touched = $3,
             error = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(outcome.as_str())
    .bind(rows)
    .bind(error)
    .execute(conn)
    .await
    .query("job_runs.finish")?;
    Ok(())
}

/// Marks failed the runs still `running` from a scheduler that lost its lock mid-run. Only the
/// lock holder may call it: jobs run on the lock's connection, so while we hold the lock no
/// other run can still be in progress.
pub async fn abandon_unfinished(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "UPDATE job_runs SET outcome = $1,
             error = 'abandoned: its scheduler lost the database lock before the run ended'
         WHERE outcome = $2",
    )
    .bind(JobOutcome::Failed.as_str())
    .bind(JobOutcome::Running.as_str());
    rows_changed(conn, query, "job_runs.abandon_unfinished").await
}

/// The newest job runs, newest first, for the admin page.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<JobRun>, StoreError> {
    sqlx::query_as(
        "SELECT id, job, instance, started_at, finished_at, outcome, rows_touched, error
         FROM job_runs ORDER BY started_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    .query("job_runs.recent")
}

/// Deletes finished job runs started before `now - keep` (the record would otherwise grow by
/// thousands of rows a day).
pub async fn prune(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM job_runs WHERE started_at < $1 AND outcome <> $2")
        .bind(now - keep)
        .bind(JobOutcome::Running.as_str());
    rows_changed(conn, query, "job_runs.prune").await
}
