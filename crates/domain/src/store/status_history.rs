//! The `status_history` table: every code a stand sent, as listed on its page, written by
//! inbound batches and pruned by the scheduler.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::batch::{Part, bind_fields};
use super::steps::{rows_changed, stand_latest};
use super::{QueryContext, StoreError};
use crate::StandId;
use crate::status::StatusCode;

/// One status code a stand sent, from its status history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEntry {
    /// The code.
    pub code: u16,
    /// Its meaning.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub meaning: &'static str,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

/// A stand's status history, newest first.
pub async fn list(pool: &PgPool, id: &StandId, limit: i64) -> Result<Vec<StatusEntry>, StoreError> {
    let sql = "SELECT code, received_at FROM status_history WHERE stand_id = $1
               ORDER BY received_at DESC, id DESC LIMIT $2";
    let rows: Vec<(i16, DateTime<Utc>)> =
        stand_latest(pool, sql, id, limit, "status_history.list").await?;
    rows.into_iter()
        .map(|(stored, received_at)| {
            let code = StatusCode::from_stored(stored).ok_or_else(|| {
                sqlx::Error::Decode(
                    format!("stored status code {stored} is not a status code").into(),
                )
            });
            code.map(|code| StatusEntry {
                code: code.get(),
                meaning: code.meaning(),
                received_at,
            })
        })
        .collect::<Result<_, _>>()
        .query("status_history.list")
}

/// The status rows of one batch, in arrival order, inserted in one statement.
#[derive(Default)]
pub(crate) struct StatusRows {
    stand: Vec<String>,
    code: Vec<i16>,
    sent_by: Vec<String>,
    at: Vec<DateTime<Utc>>,
}

impl StatusRows {
    pub(crate) fn push(
        &mut self,
        stand: &StandId,
        code: StatusCode,
        sent_by: &str,
        at: DateTime<Utc>,
    ) {
        self.stand.push(stand.as_str().to_owned());
        self.code.push(i16::from(code));
        self.sent_by.push(sent_by.to_owned());
        self.at.push(at);
    }

    /// How many rows there are.
    pub(crate) fn len(&self) -> usize {
        self.stand.len()
    }
}

impl Part for StatusRows {
    const SQL: &'static [(&'static str, usize)] = &[(
        "INSERT INTO status_history (stand_id, code, sent_by, received_at)
         SELECT * FROM unnest($1::text[], $2::int2[], $3::text[], $4::timestamptz[])",
        4,
    )];

    bind_fields! { stand, code, sent_by, at }
}

/// Deletes status history received before `now - keep`, except each stand's newest entry.
pub async fn prune(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "DELETE FROM status_history h
         WHERE h.received_at < $1
           AND EXISTS (SELECT 1 FROM status_history n
                       WHERE n.stand_id = h.stand_id
                         AND (n.received_at, n.id) > (h.received_at, h.id))",
    )
    .bind(now - keep);
    rows_changed(conn, query, "status_history.prune").await
}
