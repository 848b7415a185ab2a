//! Retention: deletes results older than `RETENTION_DAYS` that are not kept.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

/// Deletes unkept results received before `now - retention`; returns how many.
#[tracing::instrument(skip_all, fields(retention_days = retention.num_days()))]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64, sqlx::Error> {
    domain::store::jobs::delete_expired_results(conn, now, retention).await
}
