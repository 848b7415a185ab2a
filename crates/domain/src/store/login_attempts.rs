//! Login attempts, for rate limiting: failures are counted per user name and per address.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{QueryContext, StoreError};

/// Records an attempt.
pub async fn record(
    pool: &PgPool,
    username: &str,
    remote: &str,
    succeeded: bool,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_attempts (username, remote, succeeded) VALUES ($1, $2, $3)")
        .bind(username)
        .bind(remote)
        .bind(succeeded)
        .execute(pool)
        .await
        .query("login_attempts.record")?;
    Ok(())
}

/// Failed attempts since `since` for a user name (case-insensitive) and from an address.
pub async fn failures_since(
    pool: &PgPool,
    username: &str,
    remote: &str,
    since: DateTime<Utc>,
) -> Result<(i64, i64), StoreError> {
    sqlx::query_as(
        "SELECT
           count(*) FILTER (WHERE lower(username) = lower($1)),
           count(*) FILTER (WHERE remote = $2)
         FROM login_attempts WHERE NOT succeeded AND attempted_at > $3",
    )
    .bind(username)
    .bind(remote)
    .bind(since)
    .fetch_one(pool)
    .await
    .query("login_attempts.failures_since")
}

/// Removes attempts older than `before`; returns how many.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE attempted_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .query("login_attempts.prune")?;
    Ok(done.rows_affected())
}
