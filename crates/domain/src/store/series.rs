//! The `result_series` table read back: a result's series in order, and the values of one.
//! Numeric values are stored as raw doubles, 8 bytes each (see [`encode_values`]); the
//! others come as the JSON text they were sent as. The rows are written with their result,
//! in [`super::results`].

use std::collections::{HashMap, HashSet};

use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use sqlx::{PgConnection, PgPool};

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
    series_on(&mut *super::acquire(pool).await?, id, with_values).await
}

/// [`series`] on a given connection (a [`super::Cancellable`] one, say).
pub async fn series_on(
    conn: &mut PgConnection,
    id: i64,
    with_values: bool,
) -> Result<Vec<Series>, StoreError> {
    series_from(conn, id, with_values, 0, i64::MAX).await
}

/// One page of a result's series: at most `count` of them from `first` (a position) on, with
/// the JSON text of the non-numeric ones but no numbers.
pub async fn page(
    conn: &mut PgConnection,
    id: i64,
    first: i32,
    count: i64,
) -> Result<Vec<Series>, StoreError> {
    series_from(conn, id, false, first, count).await
}

/// How many series the result has, and the positions and names of its first `numeric_limit`
/// numeric series (what the page offers as an x axis).
pub async fn outline(
    conn: &mut PgConnection,
    id: i64,
    numeric_limit: i64,
) -> Result<(i64, Vec<(i32, String)>), StoreError> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM result_series WHERE result_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .query("result_series.count")?;
    let numeric = sqlx::query_as(
        "SELECT position, name FROM result_series WHERE result_id = $1 AND numeric
         ORDER BY position LIMIT $2",
    )
    .bind(id)
    .bind(numeric_limit)
    .fetch_all(&mut *conn)
    .await
    .query("result_series.numeric_names")?;
    Ok((total, numeric))
}

/// At most `count` series from position `first` on. The texts of the non-numeric ones come
/// from one read of the stored `dataObj`, parsed once: picking each out in SQL
/// (`data::json -> name`) parsed the whole payload once per series, so 20,000 text series
/// took over a minute.
async fn series_from(
    conn: &mut PgConnection,
    id: i64,
    with_values: bool,
    first: i32,
    count: i64,
) -> Result<Vec<Series>, StoreError> {
    /// A row as stored: the values still as bytes.
    #[derive(sqlx::FromRow)]
    struct Row {
        position: i32,
        name: String,
        numeric: bool,
        len: i32,
        values: Option<Vec<u8>>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT position, name, numeric, len, CASE WHEN $2 THEN \"values\" END AS values
         FROM result_series
         WHERE result_id = $1 AND position >= $3 ORDER BY position LIMIT $4",
    )
    .bind(id)
    .bind(with_values)
    .bind(first)
    .bind(count)
    .fetch_all(&mut *conn)
    .await
    .query("result_series.list")?;
    let wanted: HashSet<&str> = rows
        .iter()
        .filter(|r| !r.numeric)
        .map(|r| r.name.as_str())
        .collect();
    let mut texts = if wanted.is_empty() {
        HashMap::new()
    } else {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM results WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .query("results.data_text")?;
        let data = data.unwrap_or_default();
        texts_of(&data, &wanted).unwrap_or_else(|e| {
            // Stored before the depth limit, or damaged: the page still shows the rest.
            tracing::warn!(result = id, error = %e, "the texts of a result's series are unreadable");
            HashMap::new()
        })
    };
    rows.into_iter()
        .map(|r| {
            Ok(Series {
                values: r.values.as_deref().map(decode_values).transpose()?,
                raw: if r.numeric {
                    None
                } else {
                    texts.remove(r.name.as_str())
                },
                position: r.position,
                name: r.name,
                numeric: r.numeric,
                len: r.len,
            })
        })
        .collect()
}

/// The JSON text of each `wanted` member of the object `data`, as received. A name given
/// twice counts with its last value, as PostgreSQL's `json -> name` and the ingest read it.
fn texts_of(
    data: &str,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, String>, serde_json::Error> {
    struct Members<'w>(&'w HashSet<&'w str>);
    impl<'de> Visitor<'de> for Members<'_> {
        type Value = HashMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = HashMap::new();
            while let Some(name) = map.next_key::<String>()? {
                if self.0.contains(name.as_str()) {
                    let raw: &RawValue = map.next_value()?;
                    out.insert(name, raw.get().to_owned());
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(data);
    let texts = de.deserialize_map(Members(wanted))?;
    de.end()?;
    Ok(texts)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_read_as_received_and_the_last_of_a_repeated_name_counts() {
        let data =
            r#"{"a": [1, 2], "b": ["x", 1],  "c\"q": [true , "é"], "b": ["y"], "n": {"k": [1]}}"#;
        let wanted: HashSet<&str> = ["b", "c\"q", "n", "absent"].into_iter().collect();
        let texts = texts_of(data, &wanted).expect("texts");
        assert_eq!(texts.len(), 3);
        assert_eq!(texts["b"], r#"["y"]"#);
        assert_eq!(texts["c\"q"], r#"[true , "é"]"#);
        assert_eq!(texts["n"], r#"{"k": [1]}"#);
    }

    #[test]
    fn damaged_data_is_an_error() {
        let wanted: HashSet<&str> = ["a"].into_iter().collect();
        assert!(texts_of("[1, 2]", &wanted).is_err());
        assert!(texts_of(r#"{"a": [1}"#, &wanted).is_err());
    }

    #[test]
    fn a_deeply_nested_series_is_read_whole_without_recursion() {
        // Stored before the depth limit: its text is still shown, not an error or a crash.
        let levels = 200_000;
        let deep = format!(r#"{{"a": {}{}}}"#, "[".repeat(levels), "]".repeat(levels));
        let wanted: HashSet<&str> = ["a"].into_iter().collect();
        assert_eq!(
            texts_of(&deep, &wanted).expect("texts")["a"].len(),
            2 * levels
        );
    }
}
