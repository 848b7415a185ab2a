//! Offline detection: stands silent for `OFFLINE_AFTER_SECONDS` are marked offline, with a
//! `NOTIFY` so open pages update without waiting for their next refresh.

use chrono::{DateTime, Duration, Utc};
use domain::store::StoreError;
use sqlx::PgConnection;

/// Marks offline the stands last seen before `now - offline_after`; returns how many.
#[tracing::instrument(skip_all, fields(offline_after_seconds = offline_after.num_seconds()))]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    offline_after: Duration,
) -> Result<u64, StoreError> {
    domain::store::stands::mark_offline(conn, now, offline_after).await
}
