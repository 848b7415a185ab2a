//! The `result_series` table read back: a result's series in order, and the values of one.
//! Numeric values are stored as raw doubles, 8 bytes each (see [`encode_values`]); the
//! others come as the JSON text they were sent as. The rows are written with their result,
//! in [`super::results`].

use sqlx::PgPool;

use super::{QueryContext, StoreError};

/// One series of a result.
#[derive(Debug, Clone, PartialEq)]
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
pub async fn series(pool: &PgPool, id: i64, with_values: bool) -> Result<Vec<Series>, StoreError> {
    /// A row as stored: the values still as bytes.
    #[derive(sqlx::FromRow)]
    struct Row {
        position: i32,
        name: String,
        numeric: bool,
        len: i32,
        values: Option<Vec<u8>>,
        raw: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.position, s.name, s.numeric, s.len,
                CASE WHEN $2 THEN s.\"values\" END AS values,
                CASE WHEN NOT s.numeric THEN (r.data::json -> s.name)::text END AS raw
         FROM result_series s JOIN results r ON r.id = s.result_id
         WHERE s.result_id = $1 ORDER BY s.position",
    )
    .bind(id)
    .bind(with_values)
    .fetch_all(pool)
    .await
    .query("result_series.list")?;
    rows.into_iter()
        .map(|r| {
            Ok(Series {
                values: r.values.as_deref().map(decode_values).transpose()?,
                position: r.position,
                name: r.name,
                numeric: r.numeric,
                len: r.len,
                raw: r.raw,
            })
        })
        .collect()
}

/// The values of one numeric series (`None` when there is no such numeric series).
pub async fn series_values(
    pool: &PgPool,
    id: i64,
    position: i32,
) -> Result<Option<Vec<f64>>, StoreError> {
    let row: Option<Option<Vec<u8>>> = sqlx::query_scalar(
        "SELECT \"values\" FROM result_series WHERE result_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(position)
    .fetch_optional(pool)
    .await
    .query("result_series.values")?;
    row.flatten().as_deref().map(decode_values).transpose()
}

/// Appends `values` as `result_series.values` stores them: each double's 8 IEEE 754 bytes,
/// big-endian (PostgreSQL's `float8send` order), so they stay exact and bind as one copy.
pub(crate) fn encode_values(values: &[f64], out: &mut Vec<u8>) {
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// The doubles of a stored `result_series.values` (see [`encode_values`]).
pub fn decode_values(bytes: &[u8]) -> Result<Vec<f64>, StoreError> {
    let chunks = bytes.chunks_exact(8);
    if !chunks.remainder().is_empty() {
        return Err(StoreError::Query {
            query: "result_series.values",
            cause: sqlx::Error::Decode(
                format!("{} bytes are not a whole number of doubles", bytes.len()).into(),
            ),
        });
    }
    Ok(chunks
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            f64::from_be_bytes(b)
        })
        .collect())
}
