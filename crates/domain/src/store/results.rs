//! The `results` table and the writing of `result_series`: storing a data message's result
//! with its series, the filtered list, a stand's recent results, one result with its run,
//! "keep forever", deletion and retention. Reading series back is [`super::series`].

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::batch::{self, Part, bind_fields};
use super::runs::ActiveRun;
use super::series::encode_values;
use super::steps::{rows_changed, stand_latest};
use super::{QueryContext, StoreError};
use crate::StandId;
use crate::protocol::DataMessage;

pub use super::result_list::{ResultFilter, ResultItem, VerdictFilter, list, verdict_counts};

/// One result with its stand and run, without its series.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ResultDetail {
    /// Its id.
    pub id: i64,
    /// The stand's id.
    pub stand: StandId,
    /// The stand's display name.
    pub stand_name: String,
    /// The run it completed, if any.
    pub run: Option<i64>,
    /// The stand's `sentBy`.
    pub sent_by: String,
    /// `protocolVersion`.
    pub protocol_version: f64,
    /// `statusCode`.
    pub status_code: i16,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// `commandList` as received (null when absent).
    pub commands: Option<Value>,
    /// `parameterObj` as received (null when absent).
    pub parameters: Option<Value>,
    /// Kept forever.
    pub keep: bool,
    /// Numeric points over all series.
    pub point_count: i64,
    /// Who started the run.
    pub requested_by: Option<String>,
    /// When the run was started.
    pub requested_at: Option<DateTime<Utc>>,
    /// Who cancelled the run before this result arrived (a late result), if someone did.
    pub run_cancelled_by: Option<String>,
    /// When the run was cancelled.
    pub run_cancelled_at: Option<DateTime<Utc>>,
}

/// A result by id.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<ResultDetail>, StoreError> {
    sqlx::query_as(
        "SELECT r.id, r.stand_id AS stand, s.name AS stand_name, r.run_id AS run, r.sent_by,
                r.protocol_version, r.status_code, r.received_at, r.commands, r.parameters,
                r.keep, r.point_count, ru.requested_by, ru.requested_at,
                ru.cancelled_by AS run_cancelled_by, ru.cancelled_at AS run_cancelled_at
         FROM results r JOIN stands s ON s.id = r.stand_id LEFT JOIN runs ru ON ru.id = r.run_id
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .query("results.get")
}

/// The result's `dataObj` exactly as received (its JSON text).
pub async fn data_text(pool: &PgPool, id: i64) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT data FROM results WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .query("results.data_text")
}

/// Sets "keep forever"; returns whether the result exists.
pub async fn set_keep(pool: &PgPool, id: i64, keep: bool) -> Result<bool, StoreError> {
    let query = sqlx::query("UPDATE results SET keep = $2 WHERE id = $1")
        .bind(id)
        .bind(keep);
    Ok(rows_changed(pool, query, "results.set_keep").await? == 1)
}

/// Deletes a result and its series; returns whether it existed.
pub async fn delete(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let query = sqlx::query("DELETE FROM results WHERE id = $1").bind(id);
    Ok(rows_changed(pool, query, "results.delete").await? == 1)
}

/// A result as the stand page lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ResultSummary {
    /// Its id.
    pub id: i64,
    /// The run it completed.
    pub run_id: Option<i64>,
    /// The stand's `sentBy`.
    pub sent_by: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Number of values over all series.
    pub point_count: i64,
    /// Kept forever.
    pub keep: bool,
}

/// A stand's latest results, newest first.
pub async fn recent(
    pool: &PgPool,
    stand: &StandId,
    limit: i64,
) -> Result<Vec<ResultSummary>, StoreError> {
    let sql = "SELECT id, run_id, sent_by, received_at, point_count, keep
               FROM results WHERE stand_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2";
    stand_latest(pool, sql, stand, limit, "results.recent").await
}

/// Stores a result and its series as given: the import of the old stack's results
/// ([`super::imports`]) writes through here, with the statement of the ingest path
/// ([`ResultRows`]). Returns its id.
pub(crate) async fn insert_stored(
    conn: &mut PgConnection,
    stand: &StandId,
    data: &DataMessage,
    run_id: Option<i64>,
    keep: bool,
    received_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let Some(id) = reserve_ids(conn, 1).await?.pop() else {
        return Err(fewer_ids());
    };
    let mut rows = ResultRows::default();
    rows.push_row(id, stand, data, run_id, keep, received_at);
    batch::write_alone(conn, &rows, "results.insert").await?;
    Ok(id)
}

/// The error for [`reserve_ids`] giving fewer ids than asked (it never should).
pub(crate) fn fewer_ids() -> StoreError {
    StoreError::Query {
        query: "results.reserve_ids",
        cause: sqlx::Error::Protocol("fewer result ids than results".into()),
    }
}

/// `n` new result ids, ascending, taken from the table's identity sequence (so the results of a
/// batch can be written in one statement and still be named in the batch's notifications).
pub(crate) async fn reserve_ids(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('results', 'id')) FROM generate_series(1, $1)",
    )
    .bind(i32::try_from(n).unwrap_or(i32::MAX))
    .fetch_all(conn)
    .await
    .query("results.reserve_ids")?;
    ids.sort_unstable();
    Ok(ids)
}

/// The results of one inbound batch and their series, written by the batch's one statement
/// ([`Part`]): no round trip per result.
#[derive(Default)]
pub(crate) struct ResultRows<'a> {
    id: Vec<i64>,
    stand: Vec<&'a str>,
    run: Vec<Option<i64>>,
    sent_by: Vec<&'a str>,
    protocol_version: Vec<f64>,
    code: Vec<i16>,
    at: Vec<DateTime<Utc>>,
    commands: Vec<Option<String>>,
    parameters: Vec<Option<String>>,
    data: Vec<&'a str>,
    keep: Vec<bool>,
    points: Vec<i64>,
    // One row per series; numeric values flat (see `encode_values`), sliced per series on
    // the server at `s_offset`, a byte offset into `flat`.
    s_result: Vec<i64>,
    s_position: Vec<i32>,
    s_name: Vec<&'a str>,
    s_numeric: Vec<bool>,
    s_len: Vec<i32>,
    s_offset: Vec<i32>,
    flat: Vec<u8>,
}

impl<'a> ResultRows<'a> {
    /// Adds a result with its id (from [`reserve_ids`]); it completes `run` when one is in
    /// progress (and is kept when the run is).
    pub(crate) fn push(
        &mut self,
        id: i64,
        stand: &'a StandId,
        data: &'a DataMessage,
        run: Option<&ActiveRun>,
        received_at: DateTime<Utc>,
    ) {
        let keep = run.is_some_and(|r| r.keep);
        self.push_row(id, stand, data, run.map(|r| r.id), keep, received_at);
    }

    /// Adds a result with its id, its run and whether it is kept.
    fn push_row(
        &mut self,
        id: i64,
        stand: &'a StandId,
        data: &'a DataMessage,
        run_id: Option<i64>,
        keep: bool,
        received_at: DateTime<Utc>,
    ) {
        self.id.push(id);
        self.stand.push(stand.as_str());
        self.run.push(run_id);
        self.sent_by.push(&data.sent_by);
        self.protocol_version.push(data.protocol_version);
        self.code.push(i16::from(data.code));
        self.at.push(received_at);
        self.commands
            .push(data.commands.as_ref().map(Value::to_string));
        self.parameters
            .push(data.parameters.as_ref().map(Value::to_string));
        self.data.push(&data.data_raw);
        self.keep.push(keep);
        self.points
            .push(i64::try_from(data.point_count()).unwrap_or(i64::MAX));
        for (position, s) in data.series.iter().enumerate() {
            self.s_result.push(id);
            self.s_position
                .push(i32::try_from(position).unwrap_or(i32::MAX));
            self.s_name.push(&s.name);
            self.s_numeric.push(s.values.is_some());
            self.s_len.push(i32::try_from(s.len).unwrap_or(i32::MAX));
            self.s_offset
                .push(i32::try_from(self.flat.len()).unwrap_or(i32::MAX));
            if let Some(v) = &s.values {
                encode_values(v, &mut self.flat);
            }
        }
    }
}

impl Part for ResultRows<'_> {
    const SQL: &'static [(&'static str, usize)] = &[
        (
            "INSERT INTO results (id, stand_id, run_id, sent_by, protocol_version, status_code,
                 received_at, commands, parameters, data, keep, point_count)
             OVERRIDING SYSTEM VALUE
             SELECT id, stand, run, sent_by, pv, code, at, commands::jsonb, parameters::json,
                    data, keep, points
             FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $5::float8[],
                         $6::int2[], $7::timestamptz[], $8::text[], $9::text[], $10::text[],
                         $11::bool[], $12::int8[])
                  AS u(id, stand, run, sent_by, pv, code, at, commands, parameters, data,
                       keep, points)",
            12,
        ),
        // The results are written by the query above in the same statement: the foreign key
        // is checked at its end.
        (
            "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\")
             SELECT u.id, u.pos, u.name, u.numeric, u.len,
                    CASE WHEN u.numeric THEN substring($7::bytea FROM u.off + 1 FOR u.len * 8) END
             FROM unnest($1::int8[], $2::int[], $3::text[], $4::bool[], $5::int[], $6::int[])
                  AS u(id, pos, name, numeric, len, off)",
            7,
        ),
    ];

    bind_fields! {
        id, stand, run, sent_by, protocol_version, code, at, commands, parameters, data,
        keep, points, s_result, s_position, s_name, s_numeric, s_len, s_offset, flat
    }
}

/// Deletes results received before `now - retention` that are not kept (neither the result
/// nor its run is marked keep). Their series go with them.
pub async fn delete_expired(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64, StoreError> {
    let query = sqlx::query(
        "DELETE FROM results r
         WHERE NOT r.keep AND r.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = r.run_id AND runs.keep)",
    )
    .bind(now - retention);
    rows_changed(conn, query, "results.delete_expired").await
}
