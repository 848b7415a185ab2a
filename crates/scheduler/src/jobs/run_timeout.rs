//! Run time-out: runs in progress longer than their stand's `max_test_seconds` become
//! `timed_out`, which frees the stand for a new run.

use chrono::{DateTime, Utc};
use domain::store::{self, StoreError};
use sqlx::PgConnection;

/// Times out overdue runs as of `now` and notifies their runs and stands; returns how many.
#[tracing::instrument(skip_all)]
pub async fn run(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    // Its two statements (lock the stands, update their runs) belong together; inside the
    // scheduler's job transaction this is a savepoint.
    let mut tx = store::begin(conn).await?;
    let n = store::runs::time_out(&mut tx, now).await?;
    store::commit(tx).await?;
    Ok(n)
}
