//! The `quarantine` table: the place where messages the handler could not accept are kept,
//! each with its rejection (the reason). Written by inbound batches, listed and downloaded by
//! the web interface, pruned by the scheduler.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::ingest::Incoming;
use super::{QueryContext, StoreError};
use crate::protocol::Rejection;

/// A message in the quarantine, as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantineEntry {
    /// Its id.
    pub id: i64,
    /// The topic it came on.
    pub topic: String,
    /// Why it was rejected.
    pub reason: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its bytes, unless it was too large to keep.
    pub payload: Option<Vec<u8>>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// One page of the quarantine, newest first, and the total count.
pub async fn page(
    pool: &PgPool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<QuarantineEntry>, i64), StoreError> {
    let items = sqlx::query_as(
        "SELECT id, topic, reason, size, payload, received_at FROM quarantine
         ORDER BY received_at DESC, id DESC OFFSET $1 LIMIT $2",
    )
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await
    .query("quarantine.page")?;
    let total = sqlx::query_scalar("SELECT count(*) FROM quarantine")
        .fetch_one(pool)
        .await
        .query("quarantine.count")?;
    Ok((items, total))
}

/// A quarantined message's raw bytes and topic: `Some((topic, None))` when it was too large
/// to keep, `None` when there is no such entry.
pub async fn payload(
    pool: &PgPool,
    id: i64,
) -> Result<Option<(String, Option<Vec<u8>>)>, StoreError> {
    sqlx::query_as("SELECT topic, payload FROM quarantine WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .query("quarantine.payload")
}

/// The quarantine rows of one batch, inserted in one statement.
#[derive(Default)]
pub(crate) struct QuarantineRows {
    topic: Vec<String>,
    reason: Vec<String>,
    size: Vec<i64>,
    payload: Vec<Option<Vec<u8>>>,
    at: Vec<DateTime<Utc>>,
}

impl QuarantineRows {
    pub(crate) fn push(&mut self, item: &Incoming, reason: &Rejection, keep_bytes: bool) {
        self.topic.push(item.topic.clone());
        self.reason.push(reason.to_string());
        self.size
            .push(i64::try_from(item.payload.len()).unwrap_or(i64::MAX));
        self.payload.push(keep_bytes.then(|| item.payload.to_vec()));
        self.at.push(item.received_at);
    }

    /// How many rows there are.
    pub(crate) fn len(&self) -> usize {
        self.topic.len()
    }

    /// Inserts the rows; returns their ids.
    pub(crate) async fn insert(&self, conn: &mut PgConnection) -> Result<Vec<i64>, StoreError> {
        if self.topic.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "INSERT INTO quarantine (topic, reason, size, payload, received_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::timestamptz[])
             RETURNING id",
        )
        .bind(&self.topic)
        .bind(&self.reason)
        .bind(&self.size)
        .bind(&self.payload)
        .bind(&self.at)
        .fetch_all(conn)
        .await
        .query("quarantine.insert")
    }
}

/// Deletes quarantine entries received before `now - keep`.
pub async fn prune(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM quarantine WHERE received_at < $1")
        .bind(now - keep)
        .execute(conn)
        .await
        .query("quarantine.prune")?;
    Ok(done.rows_affected())
}
