//! The `quarantine` table: the place where messages the handler could not accept are kept,
//! each with its rejection (the reason). Written by inbound batches, listed and downloaded by
//! the web interface, pruned by the scheduler.
//!
//! What it keeps is bounded ([`QuarantineLimits`]), so a stand sending garbage cannot fill the
//! disk: of each message at most a prefix (its size and SHA-256 describe the whole), and per
//! topic (a stand may publish only on its own inbound topic) at most a total of payload bytes,
//! the oldest payloads dropped first. Over all topics (anyone allowed to publish may spray
//! many topics or many tiny bad messages) at most a number of rows, the oldest deleted first,
//! and a total of payload bytes, the oldest payloads dropped first ([`QuarantineLimits`]'s
//! `max_rows` and `total_bytes`). The rows (topic, reason, size, hash, time) stay until
//! the scheduler prunes them by age. Lists read only a prefix of each payload
//! ([`LIST_PREFIX_BYTES`]); the whole kept bytes only come through [`payload`].

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::inbound::Incoming;
use super::steps::{page_and_total, rows_changed};
use super::{QueryContext, StoreError};
use crate::protocol::Rejection;

/// Bytes of each payload a list reads (`substring` in SQL): 50–500 entries of up to 16 MiB
/// each must not be read whole to show a page.
pub const LIST_PREFIX_BYTES: i32 = 1024;

/// How much the quarantine keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarantineLimits {
    /// `QUARANTINE_MESSAGE_BYTES`: of a larger message only this prefix is kept.
    pub message_bytes: usize,
    /// `QUARANTINE_TOPIC_BYTES`: payload bytes kept per topic; above it the oldest payloads
    /// are dropped (their rows stay).
    pub topic_bytes: i64,
    /// `QUARANTINE_TOTAL_BYTES`: payload bytes kept over all topics; above it the oldest
    /// payloads are dropped (their rows stay). Checked every [`check_every`](Self::check_every)
    /// quarantined messages.
    pub total_bytes: i64,
    /// `QUARANTINE_MAX_ROWS`: entries kept over all topics; above it the oldest entries are
    /// deleted. Checked every [`check_every`](Self::check_every) quarantined messages.
    pub max_rows: i64,
}

/// The default `QUARANTINE_MESSAGE_BYTES` (1 MiB).
pub const DEFAULT_MESSAGE_BYTES: usize = 1024 * 1024;
/// The default `QUARANTINE_TOPIC_BYTES` (64 MiB).
pub const DEFAULT_TOPIC_BYTES: i64 = 64 * 1024 * 1024;
/// The default `QUARANTINE_TOTAL_BYTES` (256 MiB).
pub const DEFAULT_TOTAL_BYTES: i64 = 256 * 1024 * 1024;
/// The default `QUARANTINE_MAX_ROWS`.
pub const DEFAULT_MAX_ROWS: i64 = 100_000;

impl Default for QuarantineLimits {
    fn default() -> Self {
        Self {
            message_bytes: DEFAULT_MESSAGE_BYTES,
            topic_bytes: DEFAULT_TOPIC_BYTES,
            total_bytes: DEFAULT_TOTAL_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

impl QuarantineLimits {
    /// How many quarantined messages may arrive between two checks of the global bounds
    /// (`max_rows`, `total_bytes`): a batch checks them when one of its new rows' ids is a
    /// multiple of this.
    ///
    /// Why a cadence: the global bounds cannot be checked cheaply. Counting the rows and
    /// summing the kept bytes reads every entry (the sum reads each row's stored length, not
    /// its bytes, but still each row); it is the same read that finds the oldest entries
    /// beyond the bounds, so a separate "is it needed" count would cost as much as enforcing.
    /// Running it on every quarantining batch would make a trickle of bad messages cost a
    /// walk of up to `max_rows` entries each. The ids come from one identity sequence, so
    /// "an id that is a multiple of N" needs no state, holds across restarts and handlers,
    /// and fires once every N quarantined messages (a batch of N or more always checks).
    ///
    /// N is small enough that what arrives between two checks overshoots a bound by little:
    /// at most 1/1024 of `max_rows` in rows, and at most 1/16 of `total_bytes` in payload
    /// (N messages of at most `message_bytes` each). With the defaults N is 16; with small
    /// bounds it is 1 (every batch). A batch whose ids skip the multiple (another writer's
    /// rolled-back insert took it) defers the check to the next multiple.
    pub fn check_every(&self) -> i64 {
        let message = i64::try_from(self.message_bytes).unwrap_or(i64::MAX).max(1);
        let by_rows = self.max_rows / 1024;
        let by_bytes = self.total_bytes / message.saturating_mul(16);
        by_rows.min(by_bytes).max(1)
    }

    /// Whether a batch whose new rows got `ids` checks the global bounds.
    fn checks_global(&self, ids: &[i64]) -> bool {
        let every = self.check_every();
        ids.iter().any(|id| id % every == 0)
    }
}

/// A message in the quarantine, as listed: the start of its payload, not the whole.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantineEntry {
    /// Its id.
    pub id: i64,
    /// The topic it came on.
    pub topic: String,
    /// Why it was rejected.
    pub reason: String,
    /// Its size in bytes as received.
    pub size: i64,
    /// The first [`LIST_PREFIX_BYTES`] of the kept payload; `None` when nothing was kept.
    pub prefix: Option<Vec<u8>>,
    /// How many bytes of the payload are kept (`None`: none); less than `size` when only a
    /// prefix was kept.
    pub kept: Option<i64>,
    /// The payload was dropped to keep its topic under its quota, or the whole quarantine
    /// under `QUARANTINE_TOTAL_BYTES`.
    pub dropped: bool,
    /// SHA-256 of the whole payload as received (`None` for entries older than the hash).
    pub sha256: Option<Vec<u8>>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

impl QuarantineEntry {
    /// The whole payload is kept and fits in [`prefix`](Self::prefix).
    pub fn is_whole(&self) -> bool {
        self.kept == Some(self.size) && self.size <= i64::from(LIST_PREFIX_BYTES)
    }
}

/// One page of the quarantine, newest first, and the total count.
pub async fn page(
    pool: &PgPool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<QuarantineEntry>, i64), StoreError> {
    let items = sqlx::query_as(
        "SELECT id, topic, reason, size, substring(payload from 1 for $3) AS prefix,
                octet_length(payload)::int8 AS kept, payload_dropped AS dropped,
                payload_sha256 AS sha256, received_at
         FROM quarantine ORDER BY received_at DESC, id DESC OFFSET $1 LIMIT $2",
    )
    .bind(offset)
    .bind(limit)
    .bind(LIST_PREFIX_BYTES);
    let total = sqlx::query_scalar("SELECT count(*) FROM quarantine");
    page_and_total(pool, items, total, ["quarantine.page", "quarantine.count"]).await
}

/// A quarantined message's kept bytes and topic: `Some((topic, None))` when nothing was
/// kept, `None` when there is no such entry.
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
    limits: QuarantineLimits,
    topic: Vec<String>,
    reason: Vec<String>,
    kind: Vec<&'static str>,
    size: Vec<i64>,
    payload: Vec<Option<Vec<u8>>>,
    sha256: Vec<Vec<u8>>,
    at: Vec<DateTime<Utc>>,
}

impl QuarantineRows {
    /// No rows yet; they are kept within `limits`.
    pub(crate) fn new(limits: QuarantineLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Adds a message; of its bytes (when `keep_bytes`) at most the limit's prefix is kept.
    pub(crate) fn push(&mut self, item: &Incoming, reason: &Rejection, keep_bytes: bool) {
        let cap = self.limits.message_bytes;
        self.topic.push(item.topic.clone());
        self.reason.push(reason.to_string());
        self.kind.push(reason.kind());
        self.size
            .push(i64::try_from(item.payload.len()).unwrap_or(i64::MAX));
        self.payload
            .push(keep_bytes.then(|| item.payload[..item.payload.len().min(cap)].to_vec()));
        // Computed here rather than taken from `item.payload_hash`, which the writer may
        // leave unset: rejected messages are few, and the hash is what identifies a message
        // whose bytes were cut or dropped.
        self.sha256.push(Sha256::digest(&item.payload).to_vec());
        self.at.push(item.received_at);
    }

    /// How many rows there are.
    pub(crate) fn len(&self) -> usize {
        self.topic.len()
    }

    /// Inserts the rows, then drops the oldest payloads of their topics above the topic
    /// quota, and (every [`QuarantineLimits::check_every`] messages) deletes the oldest
    /// entries beyond `max_rows` and drops the oldest payloads beyond `total_bytes`; returns
    /// the rows' ids (an id may already be deleted again when the batch alone is above
    /// `max_rows`).
    pub(crate) async fn insert(&self, conn: &mut PgConnection) -> Result<Vec<i64>, StoreError> {
        if self.topic.is_empty() {
            return Ok(Vec::new());
        }
        let ids = sqlx::query_scalar(
            "INSERT INTO quarantine (topic, reason, size, payload, payload_sha256, received_at, kind)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::bytea[],
                                  $6::timestamptz[], $7::text[])
             RETURNING id",
        )
        .bind(&self.topic)
        .bind(&self.reason)
        .bind(&self.size)
        .bind(&self.payload)
        .bind(&self.sha256)
        .bind(&self.at)
        .bind(&self.kind)
        .fetch_all(&mut *conn)
        .await
        .query("quarantine.insert")?;
        let mut topics = self.topic.clone();
        topics.sort_unstable();
        topics.dedup();
        enforce_topic_quota(conn, &topics, self.limits.topic_bytes).await?;
        if self.limits.checks_global(&ids) {
            enforce_max_rows(conn, self.limits.max_rows).await?;
            enforce_total_bytes(conn, self.limits.total_bytes).await?;
        }
        Ok(ids)
    }
}

/// Deletes the oldest entries (of all topics) beyond the newest `max_rows`; returns how many
/// were deleted. Walks `quarantine_newest` (received time, id; newest first).
async fn enforce_max_rows(conn: &mut PgConnection, max_rows: i64) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "DELETE FROM quarantine WHERE id IN (
             SELECT id FROM quarantine ORDER BY received_at DESC, id DESC OFFSET $1)",
    )
    .bind(max_rows);
    rows_changed(conn, query, "quarantine.max_rows").await
}

/// Drops the oldest kept payloads (of all topics) beyond `quota` bytes, newest kept first, as
/// [`enforce_topic_quota`] does per topic; returns how many payloads were dropped.
async fn enforce_total_bytes(conn: &mut PgConnection, quota: i64) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "UPDATE quarantine q SET payload = NULL, payload_dropped = true
         FROM (SELECT id, sum(octet_length(payload)) OVER (
                   ORDER BY received_at DESC, id DESC) AS upto
               FROM quarantine WHERE payload IS NOT NULL) kept
         WHERE q.id = kept.id AND kept.upto > $1",
    )
    .bind(quota);
    rows_changed(conn, query, "quarantine.total_bytes").await
}

/// Drops the oldest kept payloads of each of `topics` beyond `quota` bytes (newest kept
/// first); returns how many payloads were dropped. `octet_length` of a stored `bytea` reads
/// its length, not its bytes.
async fn enforce_topic_quota(
    conn: &mut PgConnection,
    topics: &[String],
    quota: i64,
) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "UPDATE quarantine q SET payload = NULL, payload_dropped = true
         FROM (SELECT id, sum(octet_length(payload)) OVER (
                   PARTITION BY topic ORDER BY received_at DESC, id DESC) AS upto
               FROM quarantine WHERE payload IS NOT NULL AND topic = ANY($1)) kept
         WHERE q.id = kept.id AND kept.upto > $2",
    )
    .bind(topics)
    .bind(quota);
    rows_changed(conn, query, "quarantine.topic_quota").await
}

/// Deletes quarantine entries received before `now - keep`.
pub async fn prune(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM quarantine WHERE received_at < $1").bind(now - keep);
    rows_changed(conn, query, "quarantine.prune").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_global_bounds_are_checked_often_enough_to_overshoot_by_little() {
        let defaults = QuarantineLimits::default();
        // 256 MiB / (16 × 1 MiB): at most 1/16 of the total between two checks.
        assert_eq!(defaults.check_every(), 16);
        let rows = QuarantineLimits {
            max_rows: 10 * 1024,
            total_bytes: i64::MAX,
            ..defaults
        };
        assert_eq!(rows.check_every(), 10);
        let small = QuarantineLimits {
            max_rows: 50,
            ..defaults
        };
        assert_eq!(small.check_every(), 1, "small bounds: every batch");
        let tiny_total = QuarantineLimits {
            total_bytes: 1,
            ..defaults
        };
        assert_eq!(tiny_total.check_every(), 1);
        let no_prefix = QuarantineLimits {
            message_bytes: 0,
            ..defaults
        };
        assert!(no_prefix.check_every() >= 1);

        assert!(!defaults.checks_global(&[1, 2, 3]));
        assert!(defaults.checks_global(&[15, 16, 17]));
        assert!(defaults.checks_global(&(1..=16).collect::<Vec<_>>()));
        assert!(small.checks_global(&[7]));
    }
}
