//! The old status rows (`demo_module_status`), stored as status history.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use domain::store::imports;
use domain::{StandId, StatusCode};
use sqlx::PgPool;

use super::old::read_old;
use super::summary::{Summary, progress};

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

/// Imports `demo_module_status`: each row's status and power codes become status history.
pub(super) async fn import_statuses(
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
