//! Pruning: old status history (never a stand's newest entry), old quarantine entries, old
//! job run records, and QoS 2 receipts of exchanges that never completed.

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use crate::config::Limits;
use domain::store::jobs;

/// Prunes all four as of `now`, all or nothing; returns the rows deleted.
#[tracing::instrument(skip_all)]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<u64, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let history = jobs::prune_status_history(&mut tx, now, limits.status_history).await?;
    let quarantine = jobs::prune_quarantine(&mut tx, now, limits.quarantine).await?;
    let job_runs = jobs::prune_job_runs(&mut tx, now, limits.job_runs).await?;
    let receipts = jobs::prune_receipts(&mut tx, now).await?;
    tx.commit().await?;
    tracing::debug!(history, quarantine, job_runs, receipts, "pruned");
    Ok(history + quarantine + job_runs + receipts)
}
