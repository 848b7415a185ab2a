//! Reading the old (Django) database: rows of its tables, and its timestamp formats.

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgPool;

/// The old stack's timestamps: `%d/%m/%Y-%H:%M:%S` from the start form, and `%x-%I:%M:%S`
/// (`%m/%d/%y`, a 12-hour clock without AM/PM, read as written) from its failed-validation
/// path; local times of a container on UTC.
pub fn parse_old_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    ["%d/%m/%Y-%H:%M:%S", "%m/%d/%y-%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw.trim(), format).ok())
        .map(|t| t.and_utc())
}

/// Reads rows of the old database, bound to the old package `package` when given; `table`
/// names what was read in the error.
pub(super) async fn read_old<T>(
    old: &PgPool,
    sql: &'static str,
    package: Option<i64>,
    table: &str,
) -> anyhow::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut query = sqlx::query_as(sql);
    if let Some(id) = package {
        query = query.bind(id);
    }
    query
        .fetch_all(old)
        .await
        .with_context(|| format!("reading {table}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_timestamps_are_read_in_both_formats() {
        let t = parse_old_timestamp("18/04/2020-11:55:03").expect("form format");
        assert_eq!(t.to_rfc3339(), "2020-04-18T11:55:03+00:00");
        let t = parse_old_timestamp("04/18/20-01:02:03").expect("failed-validation format");
        assert_eq!(t.to_rfc3339(), "2020-04-18T01:02:03+00:00");
        assert_eq!(parse_old_timestamp("yesterday"), None);
    }
}
