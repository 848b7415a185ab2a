//! The old results: `demo_module_inbound_teststand_package` (with its parameters and series)
//! and the first, obsolete `demo_module_result`, each rebuilt as the v1.1 data message it
//! stands for, parsed as the handler would and stored with its keep flag.

use anyhow::Context;
use chrono::{DateTime, Utc};
use domain::store::imports::{self, ImportedResult};
use domain::{Message, ProtocolValidator};
use serde_json::{Map, Value, json};

use super::old::{Import, parse_old_timestamp};
use super::summary::progress;

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

/// Parses a rebuilt message as the handler would, so imported results look like new ones.
fn rebuild(validator: &ProtocolValidator, message: &Value) -> Result<domain::DataMessage, String> {
    match validator.parse(message.to_string().as_bytes()) {
        Ok(Message::Data(data)) => Ok(data),
        Ok(Message::Status(_)) => Err("not a data message".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Every row of the old results table `table` (`sql` selects them), saying how many there are.
async fn read_results<T>(im: &Import<'_>, sql: &'static str, table: &str) -> anyhow::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let rows: Vec<T> = im.read_all(sql, table).await?;
    println!("results ({table}): {} in the old database", rows.len());
    Ok(rows)
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

/// Imports `demo_module_inbound_teststand_package`: packages that failed validation are
/// counted, the others rebuilt from their parameters and series.
pub(super) async fn import_packages(im: &mut Import<'_>) -> anyhow::Result<()> {
    let packages: Vec<Package> = read_results(
        im,
        r#"SELECT id::int8 AS id, "Timestamp"::text AS timestamp, "NODELETE" AS nodelete,
                  "Sent_by"::text AS sent_by, command_list::text[] AS command_list,
                  "Validation_failed" AS validation_failed
           FROM demo_module_inbound_teststand_package ORDER BY id"#,
        "demo_module_inbound_teststand_package",
    )
    .await?;
    let total = packages.len();
    for (done, package) in packages.into_iter().enumerate() {
        if package.validation_failed {
            im.summary.failed_validation += 1;
            progress("results", done + 1, total);
            continue;
        }
        let parameters: Vec<(String, String)> = im
            .read_of_package(
                "demo_module_test_stand_parameters",
                r#""Parameter_name"::text, "Parameter_value"::text"#,
                package.id,
            )
            .await?;
        let series: Vec<(Option<String>, Option<Value>)> = im
            .read_of_package(
                "demo_module_test_stand_data",
                r#""Data_name"::text, "Data_points"::jsonb"#,
                package.id,
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
        im.store_result(
            ("package", package.id),
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

/// Imports `demo_module_result`, the first, obsolete result table.
pub(super) async fn import_old_results(im: &mut Import<'_>) -> anyhow::Result<()> {
    let rows: Vec<OldResult> = read_results(
        im,
        r#"SELECT id::int8 AS id, job_requested_by::text AS requested_by,
                  job_received_time AS received_time, "job_NODELETE" AS nodelete,
                  command_list::text[] AS command_list, parameter_obj::json AS parameter_obj,
                  data_obj::jsonb AS data_obj
           FROM demo_module_result ORDER BY id"#,
        "demo_module_result",
    )
    .await?;
    let total = rows.len();
    for (done, row) in rows.into_iter().enumerate() {
        let message = old_data_message(
            row.requested_by,
            row.command_list,
            row.parameter_obj.unwrap_or_else(|| json!({})),
            row.data_obj.unwrap_or_else(|| json!({})),
        );
        im.store_result(
            ("result", row.id),
            &message,
            row.received_time,
            row.nodelete,
        )
        .await?;
        progress("results (demo_module_result)", done + 1, total);
    }
    Ok(())
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

impl Import<'_> {
    /// Stores a rebuilt message as the result of old row `kind` `old_id` (once: a row
    /// imported before is counted as such), or counts it unreadable.
    async fn store_result(
        &mut self,
        (kind, old_id): (&str, i64),
        message: &Value,
        received_at: Option<DateTime<Utc>>,
        keep: bool,
    ) -> anyhow::Result<()> {
        let summary = &mut *self.summary;
        let data = match rebuild(self.validator, message) {
            Ok(data) => data,
            Err(why) => {
                summary.unreadable.push((format!("{kind} {old_id}"), why));
                return Ok(());
            }
        };
        let stored = imports::import_result(
            self.pool,
            ImportedResult {
                kind,
                old_id,
                stand: self.stand,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_or_missing_series_names_stay_apart() {
        let mut data = Map::new();
        let a = unique_name(&data, Some("a".into()), 0);
        data.insert(a, Value::Null);
        assert_eq!(unique_name(&data, Some("a".into()), 1), "a (2)");
        assert_eq!(unique_name(&data, None, 2), "series 3");
    }
}
