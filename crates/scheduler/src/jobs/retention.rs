//! Retention: deletes results older than `RETENTION_DAYS` that are not kept.

use chrono::{DateTime, Duration, Utc};
use domain::store::StoreError;
use sqlx::PgConnection;

/// Deletes unkept results received before `now - retention`; returns how many.
#[tracing::instrument(skip_all, fields(retention_days = retention.num_days()))]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64, StoreError> {
    domain::store::results::delete_expired(conn, now, retention).await
}
