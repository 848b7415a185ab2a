//! Login attempt pruning: deletes login attempts older than `LOGIN_ATTEMPTS_DAYS`. The rate
//! limit looks back 15 minutes only; older attempts are kept this long for the record.

use chrono::{DateTime, Duration, Utc};
use domain::store::StoreError;
use sqlx::PgConnection;

/// Deletes the attempts made before `now - keep`; returns how many.
#[tracing::instrument(skip_all, fields(keep_days = keep.num_days()))]
pub async fn run(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, StoreError> {
    domain::store::login_attempts::prune(conn, now - keep).await
}
