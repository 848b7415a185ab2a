//! The old status rows (`demo_module_status`), stored as status history.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use domain::StatusCode;
use domain::store::imports;

use super::old::Import;
use super::summary::progress;

/// Who the imported status history says sent it.
pub const IMPORTED_BY: &str = "import-django";

#[derive(sqlx::FromRow)]
struct OldStatus {
    id: i64,
    status_code: Option<String>,
    status_update: Option<DateTime<Utc>>,
    power_code: Option<String>,
    power_update: Option<DateTime<Utc>>,
}

/// The power code the old `Status` model stores when a row holds a status code.
const DEFAULT_POWER: &str = "620";

/// The one real code of an old status row, with its time. The old handler
/// (`save_incoming_status`) saved each message as a new row that set only the power code (600
/// and above) or only the status code, leaving the other at the model's default
/// (`latest_power_code` '620', `latest_status_code` '200'). So a power code other than 620 is
/// the message; otherwise the status code is (a row 200/620 is a status 200).
fn real_code(row: OldStatus) -> Option<(String, DateTime<Utc>)> {
    match (row.power_code, row.power_update) {
        (Some(power), Some(at)) if power.trim() != DEFAULT_POWER => Some((power, at)),
        _ => row.status_code.zip(row.status_update),
    }
}

/// Imports `demo_module_status`: each row's one real code becomes a status history entry.
pub(super) async fn import_statuses(im: &mut Import<'_>) -> anyhow::Result<()> {
    let rows: Vec<OldStatus> = im
        .read_all(
            r#"SELECT id::int8 AS id, latest_status_code::text AS status_code,
                  latest_status_update AS status_update, latest_power_code::text AS power_code,
                  latest_power_update AS power_update
           FROM demo_module_status ORDER BY id"#,
            "demo_module_status (the old stack's status rows)",
        )
        .await?;
    let total = rows.len();
    println!("status (demo_module_status): {total} rows in the old database");
    let mut unknown: HashMap<String, usize> = HashMap::new();
    for (done, row) in rows.into_iter().enumerate() {
        let id = row.id;
        let mut codes = Vec::new();
        if let Some((code, at)) = real_code(row) {
            match StatusCode::parse(code.trim()) {
                Ok(code) => codes.push((code, at)),
                Err(_) => *unknown.entry(code).or_default() += 1,
            }
        }
        match imports::import_status(im.pool, id, im.stand, IMPORTED_BY, &codes)
            .await
            .with_context(|| format!("storing old status row {id}"))?
        {
            Some(n) => {
                im.summary.statuses_imported += 1;
                im.summary.status_codes_imported += n;
            }
            None => im.summary.statuses_already += 1,
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

    fn row(status: &str, power: &str) -> OldStatus {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        OldStatus {
            id: 1,
            status_code: Some(status.into()),
            status_update: Some(at),
            power_code: Some(power.into()),
            power_update: Some(at),
        }
    }

    #[test]
    fn each_old_row_holds_one_real_code() {
        let code = |status, power| real_code(row(status, power)).map(|(c, _)| c);
        assert_eq!(code("200", "600"), Some("600".into()), "a power message");
        assert_eq!(code("200", "610"), Some("610".into()), "a power message");
        assert_eq!(code("202", "620"), Some("202".into()), "a status message");
        assert_eq!(code("200", "620"), Some("200".into()), "a status 200");
    }
}
