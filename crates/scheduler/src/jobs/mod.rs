//! The jobs, one file each, and how one run of a job is executed and recorded.

pub mod offline;
pub mod prune;
pub mod prune_logins;
pub mod prune_sessions;
pub mod retention;
pub mod run_timeout;

use chrono::{DateTime, Utc};
use domain::store::{self, StoreError, job_runs};
use sqlx::{PgConnection, PgPool};

use crate::config::{Config, CronExpr, Limits};

/// One of the scheduler's jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// Deletes old unkept results.
    Retention,
    /// Times out overdue runs.
    RunTimeout,
    /// Marks silent stands offline.
    Offline,
    /// Prunes status history, quarantine and job run records.
    Prune,
    /// Deletes expired login sessions.
    PruneSessions,
    /// Deletes old login attempts.
    PruneLoginAttempts,
}

impl Job {
    /// Every job.
    pub const ALL: [Job; 6] = [
        Job::Retention,
        Job::RunTimeout,
        Job::Offline,
        Job::Prune,
        Job::PruneSessions,
        Job::PruneLoginAttempts,
    ];

    /// The name recorded in `job_runs.job`.
    pub fn name(self) -> &'static str {
        match self {
            Job::Retention => "retention",
            Job::RunTimeout => "run_timeout",
            Job::Offline => "offline",
            Job::Prune => "prune",
            Job::PruneSessions => "prune_sessions",
            Job::PruneLoginAttempts => "prune_login_attempts",
        }
    }

    /// When it runs.
    pub fn schedule(self, config: &Config) -> &CronExpr {
        let s = &config.schedules;
        match self {
            Job::Retention => &s.retention,
            Job::RunTimeout => &s.run_timeout,
            Job::Offline => &s.offline,
            Job::Prune => &s.prune,
            Job::PruneSessions => &s.prune_sessions,
            Job::PruneLoginAttempts => &s.prune_login_attempts,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Does the job's work as of `now`; returns the rows touched.
    pub async fn execute(
        self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        limits: &Limits,
    ) -> Result<u64, StoreError> {
        match self {
            Job::Retention => retention::run(conn, now, limits.retention).await,
            Job::RunTimeout => run_timeout::run(conn, now).await,
            Job::Offline => offline::run(conn, now, limits.offline_after).await,
            Job::Prune => prune::run(conn, now, limits).await,
            Job::PruneSessions => prune_sessions::run(conn, now).await,
            Job::PruneLoginAttempts => prune_logins::run(conn, now, limits.login_attempts).await,
        }
    }
}

/// Runs `job` once on `conn` and records it in `job_runs`: the work and its `ok` record commit
/// together, so a run is never recorded `ok` without its effect. A failure is logged and
/// recorded `failed` (through the pool when `conn` is broken); it never ends the scheduler.
#[tracing::instrument(skip_all, fields(job = job.name()))]
pub async fn run_recorded(job: Job, conn: &mut PgConnection, pool: &PgPool, config: &Config) {
    let id = match job_runs::start(conn, job.name(), &config.instance).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "could not record the start of the job run; skipped");
            return;
        }
    };
    let now = Utc::now();
    let outcome = async {
        let mut tx = store::begin(conn).await?;
        let rows = job.execute(&mut tx, now, &config.limits).await?;
        job_runs::finish(&mut tx, id, Ok(rows)).await?;
        store::commit(tx).await?;
        Ok::<u64, StoreError>(rows)
    }
    .await;
    match outcome {
        // Most ticks change nothing: only runs that did something are worth an info line.
        Ok(0) => tracing::debug!(rows = 0, "job run finished"),
        Ok(rows) => tracing::info!(rows, "job run finished"),
        Err(e) => {
            let error = e.to_string();
            tracing::error!(%error, "job run failed; it runs again at its next tick");
            if let Err(e2) = job_runs::finish(conn, id, Err(&error)).await {
                // The lock connection itself may be what broke: record it through the pool.
                let recorded = match store::acquire(pool).await {
                    Ok(mut c) => job_runs::finish(&mut c, id, Err(&error)).await,
                    Err(e3) => Err(e3),
                };
                if let Err(e3) = recorded {
                    tracing::error!(error = %e2, pool_error = %e3, "could not record the failure");
                }
            }
        }
    }
}
