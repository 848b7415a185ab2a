//! Login sessions in the `sessions` table. The key is a hash of the cookie's token, so a copy
//! of the table cannot be replayed as cookies; `data` is the session's JSON. Each session names
//! its user (a password change or deactivation deletes them all: [`delete_for_user`]) and
//! when it started (the absolute lifetime).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::steps::rows_changed;
use super::{QueryContext, StoreError};

/// A stored session as [`load`] returns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    /// The session's JSON.
    pub data: Vec<u8>,
    /// When it ends unless extended.
    pub expiry_date: DateTime<Utc>,
    /// When it started.
    pub created_at: DateTime<Utc>,
}

/// Stores a new session of `user_id`.
pub async fn create(
    pool: &PgPool,
    key: &str,
    user_id: i64,
    data: &[u8],
    expiry: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (id, user_id, data, expiry_date) VALUES ($1, $2, $3, $4)")
        .bind(key)
        .bind(user_id)
        .bind(data)
        .bind(expiry)
        .execute(pool)
        .await
        .query("sessions.create")?;
    Ok(())
}

/// A session, if it exists, has not expired and started after `started_after`.
pub async fn load(
    pool: &PgPool,
    key: &str,
    started_after: DateTime<Utc>,
) -> Result<Option<Stored>, StoreError> {
    sqlx::query_as(
        "SELECT data, expiry_date, created_at FROM sessions
         WHERE id = $1 AND expiry_date > now() AND created_at > $2",
    )
    .bind(key)
    .bind(started_after)
    .fetch_optional(pool)
    .await
    .query("sessions.load")
}

/// Moves a session's expiry (sliding expiry).
pub async fn extend(pool: &PgPool, key: &str, expiry: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET expiry_date = $2 WHERE id = $1")
        .bind(key)
        .bind(expiry)
        .execute(pool)
        .await
        .query("sessions.extend")?;
    Ok(())
}

/// Ends a session.
pub async fn delete(pool: &PgPool, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(key)
        .execute(pool)
        .await
        .query("sessions.delete")?;
    Ok(())
}

/// Ends every session of a user; returns how many.
pub async fn delete_for_user(conn: impl PgExecutor<'_>, user_id: i64) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id);
    rows_changed(conn, query, "sessions.delete_for_user").await
}

/// Ends every session of a user but `keep` (the one in use); returns how many.
pub async fn delete_others_of_user(
    conn: impl PgExecutor<'_>,
    user_id: i64,
    keep: &str,
) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep);
    rows_changed(conn, query, "sessions.delete_others_of_user").await
}

/// Removes the sessions expired as of `now` (the absolute lifetime caps `expiry_date`, so
/// this removes those too); returns how many.
pub async fn delete_expired(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM sessions WHERE expiry_date <= $1").bind(now);
    rows_changed(conn, query, "sessions.delete_expired").await
}
