//! Session pruning: deletes the web interface's expired login sessions (idle too long or past
//! their absolute lifetime, which caps their expiry). An expired session is already refused;
//! this keeps the table small.

use chrono::{DateTime, Utc};
use domain::store::StoreError;
use sqlx::PgConnection;

/// Deletes the sessions expired as of `now`; returns how many.
#[tracing::instrument(skip_all)]
pub async fn run(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    domain::store::sessions::delete_expired(conn, now).await
}
