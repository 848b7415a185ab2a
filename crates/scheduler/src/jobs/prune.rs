//! Pruning: old status history (never a stand's newest entry), old quarantine entries, old
//! job run records, and QoS 2 receipts of exchanges that never completed.

use chrono::{DateTime, Utc};
use domain::store::{self, StoreError, job_runs, quarantine, receipts, status_history};
use sqlx::PgConnection;

use crate::config::Limits;

/// Prunes all four as of `now`, all or nothing; returns the rows deleted.
#[tracing::instrument(skip_all)]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<u64, StoreError> {
    let mut tx = store::begin(conn).await?;
    let history = status_history::prune(&mut tx, now, limits.status_history).await?;
    let quarantine = quarantine::prune(&mut tx, now, limits.quarantine).await?;
    let job_runs = job_runs::prune(&mut tx, now, limits.job_runs).await?;
    let receipts = receipts::prune(&mut tx, now).await?;
    store::commit(tx).await?;
    tracing::debug!(history, quarantine, job_runs, receipts, "pruned");
    Ok(history + quarantine + job_runs + receipts)
}
