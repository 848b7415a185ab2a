//! Reading the old (Django) database: rows of its tables, and its timestamp formats.

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::{ProtocolValidator, StandId};
use sqlx::{AssertSqlSafe, PgPool, SqlSafeStr};

use super::summary::Summary;

/// What every import step works with: the new database, the old one, the stand everything is
/// filed under, the parser of rebuilt messages and the summary being filled.
pub(super) struct Import<'a> {
    /// The new database.
    pub pool: &'a PgPool,
    /// The old (Django) database.
    pub old: &'a PgPool,
    /// The stand everything is filed under (`--stand`).
    pub stand: &'a StandId,
    /// Parses rebuilt messages as the handler would.
    pub validator: &'a ProtocolValidator,
    /// What the import did so far.
    pub summary: &'a mut Summary,
}

impl Import<'_> {
    /// Every row of an old table (`sql` selects them); `table` names it in the error.
    pub async fn read_all<T>(&self, sql: &'static str, table: &str) -> anyhow::Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        read_old(self.old, sql, None, table).await
    }

    /// The rows of the old table `table` that belong to the old package `package`, in the
    /// order written; `columns` is the select list.
    pub async fn read_of_package<T>(
        &self,
        table: &str,
        columns: &str,
        package: i64,
    ) -> anyhow::Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        let sql = format!(
            r#"SELECT {columns} FROM {table}
               WHERE "Inbound_teststand_package_id" = $1 ORDER BY id"#
        );
        read_old(self.old, AssertSqlSafe(sql), Some(package), table).await
    }
}

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
async fn read_old<T>(
    old: &PgPool,
    sql: impl SqlSafeStr,
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
