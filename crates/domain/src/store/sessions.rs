//! Login sessions in the `sessions` table. The key is a hash of the cookie's token, so a copy
//! of the table cannot be replayed as cookies; `data` is the session's JSON.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{QueryContext, StoreError};

/// Stores a new session.
pub async fn create(
    pool: &PgPool,
    key: &str,
    data: &[u8],
    expiry: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)")
        .bind(key)
        .bind(data)
        .bind(expiry)
        .execute(pool)
        .await
        .query("sessions.create")?;
    Ok(())
}

/// A session's data and expiry, if it exists and has not expired.
pub async fn load(
    pool: &PgPool,
    key: &str,
) -> Result<Option<(Vec<u8>, DateTime<Utc>)>, StoreError> {
    sqlx::query_as("SELECT data, expiry_date FROM sessions WHERE id = $1 AND expiry_date > now()")
        .bind(key)
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

/// Removes expired sessions; returns how many.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expiry_date <= now()")
        .execute(pool)
        .await
        .query("sessions.delete_expired")?;
    Ok(done.rows_affected())
}
