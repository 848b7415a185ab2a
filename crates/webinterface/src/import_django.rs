//! `webinterface import-django --from postgres://…`: takes over the data of the old (Django)
//! stack's database.
//!
//! The old tables (the old repository's `demo_module/models.py` and its migrations):
//! - `demo_module_inbound_teststand_package` with `demo_module_test_stand_parameters` and
//!   `demo_module_test_stand_data`: the results, their parameters and series, and `NODELETE`,
//!   the keep flag. Packages that failed validation in the old stack hold no data and are
//!   counted, not imported.
//! - `demo_module_result`: the first, obsolete result table (`job_NODELETE` is its keep flag).
//! - `demo_module_status`: one row per status message (both codes of the row are stored as
//!   status history at their update times).
//!
//! The old stack served one stand, so everything is filed under `--stand` (default
//! `demo_module`). Each old row is recorded in `django_imports` in the same transaction as
//! what it became, so the import can be run again (or resumed) without storing anything twice.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::store::imports::{self, ImportedResult};
use domain::{Message, ProtocolValidator, StandId, StatusCode};
use serde_json::{Map, Value, json};
use sqlx::PgPool;

/// Who the imported status history says sent it.
pub const IMPORTED_BY: &str = "import-django";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Results stored now.
    pub results_imported: usize,
    /// Results an earlier import stored.
    pub results_already: usize,
    /// Old packages that had failed validation (no data): not imported.
    pub failed_validation: usize,
    /// Old results that cannot be read as a v1.1 data message: (table and id, why).
    pub unreadable: Vec<(String, String)>,
    /// Imported results whose old timestamp was unreadable (stored with the import time).
    pub undated: usize,
    /// Status rows stored now (as one or two status history entries each).
    pub statuses_imported: usize,
    /// Status history entries stored now.
    pub status_codes_imported: usize,
    /// Status rows an earlier import stored.
    pub statuses_already: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "results: {} imported, {} already imported before, {} skipped (failed validation \
             in the old stack, no data), {} unreadable",
            self.results_imported,
            self.results_already,
            self.failed_validation,
            self.unreadable.len()
        )?;
        if self.undated > 0 {
            writeln!(
                f,
                "         {} without a readable timestamp were stored with the import time",
                self.undated
            )?;
        }
        for (what, why) in &self.unreadable {
            writeln!(f, "         unreadable {what}: {why}")?;
        }
        write!(
            f,
            "status:  {} rows imported as {} status history entries, {} already imported before",
            self.statuses_imported, self.status_codes_imported, self.statuses_already
        )
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

/// A series name not yet in `data`: the old tables allow the same name twice.
fn unique_name(data: &Map<String, Value>, name: Option<String>, position: usize) -> String {
    let base = name
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("series {}", position + 1));
    let mut candidate = base.clone();
    let mut n = 2;
    while data.contains_key(&candidate) {
        candidate = format!("{base} ({n})");
        n += 1;
    }
    candidate
}

/// Imports everything from the old database at `from` into `pool`, printing progress.
pub async fn run(pool: &PgPool, from: &str, stand: &StandId) -> anyhow::Result<Summary> {
    let old = domain::store::connect(from, 2)
        .await
        .context("cannot connect to the old database (--from)")?;
    let validator = ProtocolValidator::bundled()?;
    let mut summary = Summary::default();
    let exists = |table: &'static str| {
        let old = old.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                .bind(table)
                .fetch_one(&old)
                .await
                .with_context(|| format!("cannot look for the table {table}"))
        }
    };
    let mut found_any = false;

    if exists("demo_module_inbound_teststand_package").await? {
        found_any = true;
        import_packages(pool, &old, stand, &validator, &mut summary).await?;
    }
    if exists("demo_module_result").await? {
        found_any = true;
        import_old_results(pool, &old, stand, &validator, &mut summary).await?;
    }
    if exists("demo_module_status").await? {
        found_any = true;
        import_statuses(pool, &old, stand, &mut summary).await?;
    }
    if !found_any {
        anyhow::bail!(
            "the old database has none of the demo_module tables (is --from the old stack's \
             database, e.g. postgres://team2:…@host/webinterface_dev?)"
        );
    }
    old.close().await;
    Ok(summary)
}

/// Parses a rebuilt message as the handler would, so imported results look like new ones.
fn rebuild(validator: &ProtocolValidator, message: &Value) -> Result<domain::DataMessage, String> {
    match validator.parse(message.to_string().as_bytes()) {
        Ok(Message::Data(data)) => Ok(data),
        Ok(Message::Status(_)) => Err("not a data message".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn progress(what: &str, done: usize, total: usize) {
    if done.is_multiple_of(100) || done == total {
        println!("{what}: {done}/{total}");
    }
}

#[derive(sqlx::FromRow)]
struct Package {
    id: i64,
    timestamp: Option<String>,
    nodelete: bool,
    sent_by: String,
    command_list: Option<Vec<String>>,
    validation_failed: bool,
}

async fn import_packages(
    pool: &PgPool,
    old: &PgPool,
    stand: &StandId,
    validator: &ProtocolValidator,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let packages: Vec<Package> = read_old(
        old,
        r#"SELECT id::int8 AS id, "Timestamp"::text AS timestamp, "NODELETE" AS nodelete,
                  "Sent_by"::text AS sent_by, command_list::text[] AS command_list,
                  "Validation_failed" AS validation_failed
           FROM demo_module_inbound_teststand_package ORDER BY id"#,
        None,
        "demo_module_inbound_teststand_package",
    )
    .await?;
    let total = packages.len();
    println!("results (demo_module_inbound_teststand_package): {total} in the old database");
    for (done, package) in packages.into_iter().enumerate() {
        if package.validation_failed {
            summary.failed_validation += 1;
            progress("results", done + 1, total);
            continue;
        }
        let parameters: Vec<(String, String)> = read_old(
            old,
            r#"SELECT "Parameter_name"::text, "Parameter_value"::text
               FROM demo_module_test_stand_parameters
               WHERE "Inbound_teststand_package_id" = $1 ORDER BY id"#,
            Some(package.id),
            "demo_module_test_stand_parameters",
        )
        .await?;
        let series: Vec<(Option<String>, Option<Value>)> = read_old(
            old,
            r#"SELECT "Data_name"::text, "Data_points"::jsonb
               FROM demo_module_test_stand_data
               WHERE "Inbound_teststand_package_id" = $1 ORDER BY id"#,
            Some(package.id),
            "demo_module_test_stand_data",
        )
        .await?;
        // Parameters were stored as text (str() of what the stand sent): read back by the
        // rule the start form uses, so 1000 is a number again and 007 stays text.
        let parameter_obj: Map<String, Value> = parameters
            .into_iter()
            .map(|(name, value)| (name, domain::parameters::parameter_value(&value)))
            .collect();
        let mut data_obj = Map::new();
        for (position, (name, points)) in series.into_iter().enumerate() {
            let name = unique_name(&data_obj, name, position);
            data_obj.insert(name, points.unwrap_or(Value::Null));
        }
        let message = old_data_message(
            package.sent_by,
            package.command_list,
            Value::Object(parameter_obj),
            Value::Object(data_obj),
        );
        let received_at = package.timestamp.as_deref().and_then(parse_old_timestamp);
        store_result(
            pool,
            validator,
            summary,
            ("package", package.id),
            stand,
            &message,
            received_at,
            package.nodelete,
        )
        .await?;
        progress("results", done + 1, total);
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OldResult {
    id: i64,
    requested_by: String,
    received_time: Option<DateTime<Utc>>,
    nodelete: bool,
    command_list: Option<Vec<String>>,
    parameter_obj: Option<Value>,
    data_obj: Option<Value>,
}

async fn import_old_results(
    pool: &PgPool,
    old: &PgPool,
    stand: &StandId,
    validator: &ProtocolValidator,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let rows: Vec<OldResult> = read_old(
        old,
        r#"SELECT id::int8 AS id, job_requested_by::text AS requested_by,
                  job_received_time AS received_time, "job_NODELETE" AS nodelete,
                  command_list::text[] AS command_list, parameter_obj::jsonb AS parameter_obj,
                  data_obj::jsonb AS data_obj
           FROM demo_module_result ORDER BY id"#,
        None,
        "demo_module_result",
    )
    .await?;
    let total = rows.len();
    println!("results (demo_module_result): {total} in the old database");
    for (done, row) in rows.into_iter().enumerate() {
        let message = old_data_message(
            row.requested_by,
            row.command_list,
            row.parameter_obj.unwrap_or_else(|| json!({})),
            row.data_obj.unwrap_or_else(|| json!({})),
        );
        store_result(
            pool,
            validator,
            summary,
            ("result", row.id),
            stand,
            &message,
            row.received_time,
            row.nodelete,
        )
        .await?;
        progress("results (demo_module_result)", done + 1, total);
    }
    Ok(())
}

/// Reads rows of the old database, bound to the old package `package` when given; `table`
/// names what was read in the error.
async fn read_old<T>(
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

/// The v1.1 data message an old result row stands for, rebuilt from its parts.
fn old_data_message(
    sent_by: String,
    command_list: Option<Vec<String>>,
    parameter_obj: Value,
    data_obj: Value,
) -> Value {
    json!({
        "protocolVersion": 1.1,
        "sentBy": sent_by,
        "msgType": "data",
        "commandList": command_list.unwrap_or_default(),
        "statusCode": "200",
        "parameterObj": parameter_obj,
        "dataObj": data_obj,
    })
}

#[allow(clippy::too_many_arguments)]
async fn store_result(
    pool: &PgPool,
    validator: &ProtocolValidator,
    summary: &mut Summary,
    (kind, old_id): (&str, i64),
    stand: &StandId,
    message: &Value,
    received_at: Option<DateTime<Utc>>,
    keep: bool,
) -> anyhow::Result<()> {
    let data = match rebuild(validator, message) {
        Ok(data) => data,
        Err(why) => {
            summary.unreadable.push((format!("{kind} {old_id}"), why));
            return Ok(());
        }
    };
    let stored = imports::import_result(
        pool,
        ImportedResult {
            kind,
            old_id,
            stand,
            data: &data,
            received_at: received_at.unwrap_or_else(Utc::now),
            keep,
        },
    )
    .await
    .with_context(|| format!("storing old {kind} {old_id}"))?;
    match stored {
        Some(_) => {
            summary.results_imported += 1;
            if received_at.is_none() {
                summary.undated += 1;
            }
        }
        None => summary.results_already += 1,
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OldStatus {
    id: i64,
    status_code: Option<String>,
    status_update: Option<DateTime<Utc>>,
    power_code: Option<String>,
    power_update: Option<DateTime<Utc>>,
}

async fn import_statuses(
    pool: &PgPool,
    old: &PgPool,
    stand: &StandId,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let rows: Vec<OldStatus> = read_old(
        old,
        r#"SELECT id::int8 AS id, latest_status_code::text AS status_code,
                  latest_status_update AS status_update, latest_power_code::text AS power_code,
                  latest_power_update AS power_update
           FROM demo_module_status ORDER BY id"#,
        None,
        "demo_module_status (the old stack's status rows)",
    )
    .await?;
    let total = rows.len();
    println!("status (demo_module_status): {total} rows in the old database");
    let mut unknown: HashMap<String, usize> = HashMap::new();
    for (done, row) in rows.into_iter().enumerate() {
        let mut codes = Vec::new();
        for (code, at) in [
            (row.status_code, row.status_update),
            (row.power_code, row.power_update),
        ] {
            let (Some(code), Some(at)) = (code, at) else {
                continue;
            };
            match StatusCode::parse(code.trim()) {
                Ok(code) => codes.push((code, at)),
                Err(_) => *unknown.entry(code).or_default() += 1,
            }
        }
        match imports::import_status(pool, row.id, stand, IMPORTED_BY, &codes)
            .await
            .with_context(|| format!("storing old status row {}", row.id))?
        {
            Some(n) => {
                summary.statuses_imported += 1;
                summary.status_codes_imported += n;
            }
            None => summary.statuses_already += 1,
        }
        progress("status", done + 1, total);
    }
    for (code, n) in unknown {
        println!("status: {n} codes {code:?} are not status codes and were left out");
    }
    Ok(())
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

    #[test]
    fn repeated_or_missing_series_names_stay_apart() {
        let mut data = Map::new();
        let a = unique_name(&data, Some("a".into()), 0);
        data.insert(a, Value::Null);
        assert_eq!(unique_name(&data, Some("a".into()), 1), "a (2)");
        assert_eq!(unique_name(&data, None, 2), "series 3");
    }
}
