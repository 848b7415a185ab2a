//! Shared pieces of the scheduler's job tests: the clock they set, an instance's configuration,
//! and what `job_runs` recorded.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use domain::JobOutcome;
use domain::store::job_runs::recent as recent_job_runs;
use scheduler::Config;
use sqlx::PgPool;

/// The tests' "now": 2026-06-01 12:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .expect("a valid date")
}

/// The text column that `sql` selects, row by row.
pub async fn names(pool: &PgPool, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .expect(sql)
}

/// The default configuration of an instance named `recorder`.
pub fn recorder_config() -> Config {
    Config {
        instance: "recorder".into(),
        ..Config::default()
    }
}

/// The last ten recorded job runs, newest first: (job, outcome, rows touched).
pub async fn recorded_runs(pool: &PgPool) -> Vec<(String, JobOutcome, i64)> {
    let runs = recent_job_runs(pool, 10).await.expect("job runs");
    runs.into_iter()
        .map(|r| (r.job.as_str().to_owned(), r.outcome, r.rows_touched))
        .collect()
}
