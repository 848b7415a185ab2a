//! Login attempts, for rate limiting: failures are counted per user name and per address.
//!
//! [`reserve`] counts and records an attempt in one transaction under one advisory lock, so
//! parallel guesses cannot all pass the check before any of them is recorded: an attempt is
//! recorded as failed before its password is checked, and [`succeeded`] marks it afterwards.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{QueryContext, StoreError};

/// The transaction-scoped advisory lock that serialises reservations ("STLOGINS").
pub const RESERVE_LOCK_KEY: i64 = 0x5354_4c4f_4749_4e53;

/// The count of recent failures per user name (case-insensitive, `$1`) and per address
/// (`$2`) since `$3`; each count is served by its partial index (see the migration
/// `20261201000200_auth_sessions_tokens`).
pub const FAILURES_SQL: &str = "SELECT
   (SELECT count(*) FROM login_attempts
     WHERE NOT succeeded AND lower(username) = lower($1) AND attempted_at > $3),
   (SELECT count(*) FROM login_attempts
     WHERE NOT succeeded AND remote = $2 AND attempted_at > $3)";

/// Records a finished attempt.
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
    sqlx::query_as(FAILURES_SQL)
        .bind(username)
        .bind(remote)
        .bind(since)
        .fetch_one(pool)
        .await
        .query("login_attempts.failures_since")
}

/// The limits an attempt is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures counted since this time.
    pub since: DateTime<Utc>,
    /// At most this many failures per user name.
    pub per_user: i64,
    /// At most this many failures per address.
    pub per_address: i64,
}

/// The outcome of [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Recorded as failed (until [`succeeded`]); its id.
    Granted(i64),
    /// A limit was reached; nothing recorded.
    Refused {
        /// Failures for the user name.
        by_user: i64,
        /// Failures from the address.
        by_address: i64,
    },
}

/// Checks the limits and, when under them, records the attempt as failed, atomically: of any
/// number of parallel attempts at most the limit are granted.
pub async fn reserve(
    pool: &PgPool,
    username: &str,
    remote: &str,
    limits: Limits,
) -> Result<Reservation, StoreError> {
    let mut tx = pool.begin().await.query("login_attempts.reserve begin")?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(RESERVE_LOCK_KEY)
        .execute(&mut *tx)
        .await
        .query("login_attempts.reserve lock")?;
    let (by_user, by_address): (i64, i64) = sqlx::query_as(FAILURES_SQL)
        .bind(username)
        .bind(remote)
        .bind(limits.since)
        .fetch_one(&mut *tx)
        .await
        .query("login_attempts.reserve count")?;
    if by_user >= limits.per_user || by_address >= limits.per_address {
        return Ok(Reservation::Refused {
            by_user,
            by_address,
        });
    }
    let id = sqlx::query_scalar(
        "INSERT INTO login_attempts (username, remote, succeeded) VALUES ($1, $2, false)
         RETURNING id",
    )
    .bind(username)
    .bind(remote)
    .fetch_one(&mut *tx)
    .await
    .query("login_attempts.reserve insert")?;
    tx.commit().await.query("login_attempts.reserve commit")?;
    Ok(Reservation::Granted(id))
}

/// Marks a reserved attempt as succeeded.
pub async fn succeeded(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE login_attempts SET succeeded = true WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("login_attempts.succeeded")?;
    Ok(())
}

/// Takes back a reserved attempt whose password was never checked (the server was busy).
pub async fn release(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("login_attempts.release")?;
    Ok(())
}

/// Removes attempts older than `before`; returns how many.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE attempted_at < $1")
        .bind(before)
        .execute(conn)
        .await
        .query("login_attempts.prune")?;
    Ok(done.rows_affected())
}
