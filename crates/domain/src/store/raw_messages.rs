//! The `raw_messages` table: the messages admins send to a stand's outbound topic with the web
//! interface's raw message tool, recorded before they are published (who, where, exactly what,
//! when), then marked sent (confirmed by the broker) or failed.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{QueryContext, StoreError};
use crate::StandId;

/// A message about to be published.
pub struct NewRawMessage<'a> {
    /// The admin's user id.
    pub user_id: i64,
    /// The admin's user name.
    pub username: &'a str,
    /// The stand whose outbound topic it is.
    pub stand: &'a StandId,
    /// The topic.
    pub topic: &'a str,
    /// The payload, JSON text exactly as published.
    pub payload: &'a str,
}

/// One recorded message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RawMessage {
    /// Its id.
    pub id: i64,
    /// Who sent it (null once the account was deleted).
    pub user_id: Option<i64>,
    /// Their user name when they sent it.
    pub username: String,
    /// The stand.
    pub stand_id: String,
    /// The topic.
    pub topic: String,
    /// The payload as stored (JSON text, keys in the order sent).
    pub payload: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// `pending`, `sent` (the broker confirmed it) or `failed`.
    pub outcome: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records a message about to be published (outcome `pending`); returns its id and time.
pub async fn record(
    pool: &PgPool,
    m: NewRawMessage<'_>,
) -> Result<(i64, DateTime<Utc>), StoreError> {
    sqlx::query_as(
        "INSERT INTO raw_messages (user_id, username, stand_id, topic, payload)
         VALUES ($1, $2, $3, $4, $5::json) RETURNING id, sent_at",
    )
    .bind(m.user_id)
    .bind(m.username)
    .bind(m.stand.as_str())
    .bind(m.topic)
    .bind(m.payload)
    .fetch_one(pool)
    .await
    .query("raw_messages.record")
}

/// Records how the publish ended: `Ok` when the broker confirmed it, else the error.
pub async fn finish(pool: &PgPool, id: i64, outcome: Result<(), &str>) -> Result<(), StoreError> {
    let (outcome, error) = match outcome {
        Ok(()) => ("sent", None),
        Err(e) => ("failed", Some(e)),
    };
    sqlx::query("UPDATE raw_messages SET outcome = $2, error = $3 WHERE id = $1")
        .bind(id)
        .bind(outcome)
        .bind(error)
        .execute(pool)
        .await
        .query("raw_messages.finish")?;
    Ok(())
}

/// The latest `limit` messages, newest first.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<RawMessage>, StoreError> {
    sqlx::query_as(
        "SELECT id, user_id, username, stand_id, topic, payload::text AS payload, sent_at,
                outcome, error
         FROM raw_messages ORDER BY sent_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    .query("raw_messages.recent")
}
