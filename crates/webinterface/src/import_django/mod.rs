//! `webinterface import-django --from postgres://…`: takes over the data of the old (Django)
//! stack's database.
//!
//! The old tables (the old repository's `demo_module/models.py` and its migrations):
//! - `demo_module_inbound_teststand_package` with `demo_module_test_stand_parameters` and
//!   `demo_module_test_stand_data`: the results, their parameters and series, and `NODELETE`,
//!   the keep flag. Packages that failed validation in the old stack hold no data and are
//!   counted, not imported.
//! - `demo_module_result`: the first, obsolete result table (`job_NODELETE` is its keep flag).
//! - `demo_module_status`: one row per status message; its one real code (the other column
//!   holds the model's default) is stored as status history at its update time.
//!
//! The summary warns when imported results are not kept and older than `RETENTION_DAYS`:
//! the scheduler's next retention run would delete them.
//!
//! The old stack served one stand, so everything is filed under `--stand` (default
//! `demo_module`). Each old row is recorded in `django_imports` in the same transaction as
//! what it became, so the import can be run again (or resumed) without storing anything twice.
//!
//! - [`summary`]: what an import did, and its progress lines;
//! - [`old`]: reading the old tables, and the old stack's timestamps;
//! - [`results`]: old packages and old results, rebuilt as v1.1 data messages and stored;
//! - [`statuses`]: old status rows, stored as status history.

pub mod old;
pub mod results;
pub mod statuses;
pub mod summary;

use anyhow::Context;
use domain::{ProtocolValidator, StandId};
use sqlx::PgPool;

pub use old::parse_old_timestamp;
pub use statuses::IMPORTED_BY;
pub use summary::Summary;

use old::Import;
use results::{import_old_results, import_packages};
use statuses::import_statuses;

/// `RETENTION_DAYS` (default 30), read as the scheduler reads it.
fn retention_days() -> anyhow::Result<i64> {
    match std::env::var("RETENTION_DAYS") {
        Ok(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=36_500).contains(d))
            .with_context(|| format!("RETENTION_DAYS={raw:?} is not a number of days")),
        Err(_) => Ok(30),
    }
}

/// Imports everything from the old database at `from` into `pool`, printing progress.
pub async fn run(pool: &PgPool, from: &str, stand: &StandId) -> anyhow::Result<Summary> {
    let old = domain::store::connect(from, 2)
        .await
        .context("cannot connect to the old database (--from)")?;
    // The old stack's results are already stored there: the handler's cap on series per
    // message (a flood guard) does not apply to them; the depth limit (what pages and
    // downloads can show) does.
    let validator = ProtocolValidator::bundled()?.with_max_series(usize::MAX);
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
    let mut im = Import {
        pool,
        old: &old,
        stand,
        validator: &validator,
        summary: &mut summary,
    };

    if exists("demo_module_inbound_teststand_package").await? {
        found_any = true;
        import_packages(&mut im).await?;
    }
    if exists("demo_module_result").await? {
        found_any = true;
        import_old_results(&mut im).await?;
    }
    if exists("demo_module_status").await? {
        found_any = true;
        import_statuses(&mut im).await?;
    }
    if !found_any {
        anyhow::bail!(
            "the old database has none of the demo_module tables (is --from the old stack's \
             database, e.g. postgres://team2:…@host/webinterface_dev?)"
        );
    }
    old.close().await;
    summary.retention_days = retention_days()?;
    let before = chrono::Utc::now() - chrono::Duration::days(summary.retention_days);
    summary.expiring = domain::store::imports::unkept_before(pool, before).await?;
    Ok(summary)
}
