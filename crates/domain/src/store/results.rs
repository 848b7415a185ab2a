//! Results: the filtered list, one result with its run, its series (numeric ones as binary
//! `float8[]`, the others as the JSON text they came as), "keep forever" and deletion.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

/// Which results to list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultFilter {
    /// Only this stand.
    pub stand: Option<String>,
    /// Only results sent by, or runs started by, this user (case-insensitive).
    pub user: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// Only kept (`true`) or only not kept (`false`).
    pub kept: Option<bool>,
}

/// A result as the list shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ResultItem {
    /// Its id.
    pub id: i64,
    /// The stand.
    pub stand: String,
    /// The run it completed, if any.
    pub run: Option<i64>,
    /// The stand's `sentBy`.
    pub sent_by: String,
    /// Who started the run, if it came from one.
    pub requested_by: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Numeric points over all series.
    pub point_count: i64,
    /// Kept forever.
    pub keep: bool,
}

// The filter shared by the list and its count: each condition is off when its parameter is
// NULL, so one static statement serves every combination.
macro_rules! filtered {
    ($select:literal, $tail:literal) => {
        concat!(
            $select,
            " FROM results r LEFT JOIN runs ru ON ru.id = r.run_id
             WHERE ($1::text IS NULL OR r.stand_id = $1)
               AND ($2::text IS NULL OR lower(r.sent_by) = lower($2)
                    OR lower(ru.requested_by) = lower($2))
               AND ($3::timestamptz IS NULL OR r.received_at >= $3)
               AND ($4::timestamptz IS NULL OR r.received_at < $4)
               AND ($5::bool IS NULL OR r.keep = $5) ",
            $tail
        )
    };
}

/// One page of results matching `filter`, newest first, and how many match in all.
pub async fn list(
    pool: &PgPool,
    filter: &ResultFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ResultItem>, i64), sqlx::Error> {
    let items = sqlx::query_as(filtered!(
        "SELECT r.id, r.stand_id AS stand, r.run_id AS run, r.sent_by, ru.requested_by,
                r.received_at, r.point_count, r.keep",
        "ORDER BY r.received_at DESC, r.id DESC OFFSET $6 LIMIT $7"
    ))
    .bind(&filter.stand)
    .bind(&filter.user)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.kept)
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(filtered!("SELECT count(*)", ""))
        .bind(&filter.stand)
        .bind(&filter.user)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.kept)
        .fetch_one(pool)
        .await?;
    Ok((items, total))
}

/// One result with its stand and run, without its series.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ResultDetail {
    /// Its id.
    pub id: i64,
    /// The stand's id.
    pub stand: String,
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
}

/// A result by id.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<ResultDetail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.stand_id AS stand, s.name AS stand_name, r.run_id AS run, r.sent_by,
                r.protocol_version, r.status_code, r.received_at, r.commands, r.parameters,
                r.keep, r.point_count, ru.requested_by, ru.requested_at
         FROM results r JOIN stands s ON s.id = r.stand_id LEFT JOIN runs ru ON ru.id = r.run_id
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The result's `dataObj` exactly as received (its JSON text).
pub async fn data_text(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT data::text FROM results WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// One series of a result.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Series {
    /// Its place in `dataObj`, from 0.
    pub position: i32,
    /// Its name.
    pub name: String,
    /// Whether every value is a number.
    pub numeric: bool,
    /// Number of values.
    pub len: i32,
    /// The values of a numeric series (when asked for).
    pub values: Option<Vec<f64>>,
    /// The JSON text of a non-numeric series, as received.
    pub raw: Option<String>,
}

/// The series of a result in their order, with the values (`with_values`) or only the
/// names and lengths. Non-numeric series always come with their JSON text.
pub async fn series(pool: &PgPool, id: i64, with_values: bool) -> Result<Vec<Series>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.position, s.name, s.numeric, s.len,
                CASE WHEN $2 THEN s.\"values\" END AS values,
                CASE WHEN NOT s.numeric THEN (r.data -> s.name)::text END AS raw
         FROM result_series s JOIN results r ON r.id = s.result_id
         WHERE s.result_id = $1 ORDER BY s.position",
    )
    .bind(id)
    .bind(with_values)
    .fetch_all(pool)
    .await
}

/// The values of one numeric series (`None` when there is no such numeric series).
pub async fn series_values(
    pool: &PgPool,
    id: i64,
    position: i32,
) -> Result<Option<Vec<f64>>, sqlx::Error> {
    let row: Option<Option<Vec<f64>>> = sqlx::query_scalar(
        "SELECT \"values\" FROM result_series WHERE result_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(position)
    .fetch_optional(pool)
    .await?;
    Ok(row.flatten())
}

/// Sets "keep forever"; returns whether the result exists.
pub async fn set_keep(pool: &PgPool, id: i64, keep: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE results SET keep = $2 WHERE id = $1")
        .bind(id)
        .bind(keep)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a result and its series; returns whether it existed.
pub async fn delete(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM results WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A rejected message's raw bytes and topic: `Some((topic, None))` when it was too large to
/// keep, `None` when there is no such entry.
pub async fn rejected_payload(
    pool: &PgPool,
    id: i64,
) -> Result<Option<(String, Option<Vec<u8>>)>, sqlx::Error> {
    sqlx::query_as("SELECT topic, payload FROM quarantine WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}
