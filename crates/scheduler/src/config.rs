//! The scheduler's configuration: cron expressions, age limits and the standby poll, from the
//! environment, with the documented defaults.

use std::fmt;
use std::time::Duration;

use domain::config::{ConfigError, bounded, var};

/// A validated 6-field cron expression (`sec min hour day-of-month month day-of-week`, UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr(String);

impl CronExpr {
    /// Parses an expression with the same parser the scheduler runs it with.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let fields = s.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "expected 6 fields (sec min hour day-of-month month day-of-week, e.g. \
                 \"0 15 3 * * *\"), found {fields}"
            ));
        }
        tokio_cron_scheduler::Job::new_async(s, |_, _| Box::pin(async {}))
            .map_err(|_| "not a valid cron expression; e.g. \"0 15 3 * * *\"".to_owned())?;
        Ok(Self(s.to_owned()))
    }

    /// The expression.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When each job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedules {
    /// `CRON_RETENTION`, default `0 15 3 * * *` (03:15:00 UTC daily).
    pub retention: CronExpr,
    /// `CRON_RUN_TIMEOUT`, default `*/10 * * * * *` (every 10 s).
    pub run_timeout: CronExpr,
    /// `CRON_OFFLINE`, default `*/15 * * * * *` (every 15 s).
    pub offline: CronExpr,
    /// `CRON_PRUNE`, default `0 45 3 * * *` (03:45:00 UTC daily).
    pub prune: CronExpr,
    /// `CRON_PRUNE_SESSIONS`, default `0 5 * * * *` (hourly, at minute 5).
    pub prune_sessions: CronExpr,
    /// `CRON_PRUNE_LOGIN_ATTEMPTS`, default `0 35 * * * *` (hourly, at minute 35).
    pub prune_login_attempts: CronExpr,
}

impl Schedules {
    /// The same expression for every job (tests use `* * * * * *`).
    pub fn all(expr: CronExpr) -> Self {
        Self {
            retention: expr.clone(),
            run_timeout: expr.clone(),
            offline: expr.clone(),
            prune: expr.clone(),
            prune_sessions: expr.clone(),
            prune_login_attempts: expr,
        }
    }
}

/// The age limits the jobs apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `RETENTION_DAYS` (default 30): unkept results older than this are deleted.
    pub retention: chrono::Duration,
    /// `OFFLINE_AFTER_SECONDS` (default 300): stands silent this long become offline.
    pub offline_after: chrono::Duration,
    /// `STATUS_HISTORY_DAYS` (default 90): older status history is pruned (a stand's newest
    /// entry always stays).
    pub status_history: chrono::Duration,
    /// `QUARANTINE_DAYS` (default 90): older quarantine entries are pruned.
    pub quarantine: chrono::Duration,
    /// `JOB_RUNS_DAYS` (default 30): older job run records are pruned.
    pub job_runs: chrono::Duration,
    /// `LOGIN_ATTEMPTS_DAYS` (default 30): older login attempts are pruned.
    pub login_attempts: chrono::Duration,
}

/// Everything the scheduler needs besides the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `SCHEDULER_INSTANCE` (default `<hostname>-<pid>`): recorded with each job run.
    pub instance: String,
    /// When each job runs.
    pub schedules: Schedules,
    /// The age limits.
    pub limits: Limits,
    /// `SCHEDULER_STANDBY_POLL_SECONDS` (default 5): how often a standby tries to take over,
    /// and how often the leader checks it still holds the lock between jobs.
    pub standby_poll: Duration,
}

/// Defaults documented in `.env.example`.
const DEFAULT_CRON_RETENTION: &str = "0 15 3 * * *";
const DEFAULT_CRON_RUN_TIMEOUT: &str = "*/10 * * * * *";
const DEFAULT_CRON_OFFLINE: &str = "*/15 * * * * *";
const DEFAULT_CRON_PRUNE: &str = "0 45 3 * * *";
const DEFAULT_CRON_PRUNE_SESSIONS: &str = "0 5 * * * *";
const DEFAULT_CRON_PRUNE_LOGIN_ATTEMPTS: &str = "0 35 * * * *";

impl Default for Config {
    fn default() -> Self {
        // The defaults are constants known to parse (checked by a unit test).
        let cron = |s: &str| CronExpr(s.to_owned());
        Self {
            instance: default_instance(),
            schedules: Schedules {
                retention: cron(DEFAULT_CRON_RETENTION),
                run_timeout: cron(DEFAULT_CRON_RUN_TIMEOUT),
                offline: cron(DEFAULT_CRON_OFFLINE),
                prune: cron(DEFAULT_CRON_PRUNE),
                prune_sessions: cron(DEFAULT_CRON_PRUNE_SESSIONS),
                prune_login_attempts: cron(DEFAULT_CRON_PRUNE_LOGIN_ATTEMPTS),
            },
            limits: Limits {
                retention: chrono::Duration::days(30),
                offline_after: chrono::Duration::seconds(300),
                status_history: chrono::Duration::days(90),
                quarantine: chrono::Duration::days(90),
                job_runs: chrono::Duration::days(30),
                login_attempts: chrono::Duration::days(30),
            },
            standby_poll: Duration::from_secs(5),
        }
    }
}

impl Config {
    /// Reads the configuration from the environment; every error names its variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            instance: var("SCHEDULER_INSTANCE").unwrap_or_else(default_instance),
            schedules: Schedules {
                retention: cron("CRON_RETENTION", DEFAULT_CRON_RETENTION)?,
                run_timeout: cron("CRON_RUN_TIMEOUT", DEFAULT_CRON_RUN_TIMEOUT)?,
                offline: cron("CRON_OFFLINE", DEFAULT_CRON_OFFLINE)?,
                prune: cron("CRON_PRUNE", DEFAULT_CRON_PRUNE)?,
                prune_sessions: cron("CRON_PRUNE_SESSIONS", DEFAULT_CRON_PRUNE_SESSIONS)?,
                prune_login_attempts: cron(
                    "CRON_PRUNE_LOGIN_ATTEMPTS",
                    DEFAULT_CRON_PRUNE_LOGIN_ATTEMPTS,
                )?,
            },
            limits: Limits {
                retention: days("RETENTION_DAYS", 30)?,
                offline_after: seconds("OFFLINE_AFTER_SECONDS", 300)?,
                status_history: days("STATUS_HISTORY_DAYS", 90)?,
                quarantine: days("QUARANTINE_DAYS", 90)?,
                job_runs: days("JOB_RUNS_DAYS", 30)?,
                login_attempts: days("LOGIN_ATTEMPTS_DAYS", 30)?,
            },
            standby_poll: Duration::from_secs(
                bounded("SCHEDULER_STANDBY_POLL_SECONDS", 5_i64, 3600)?.unsigned_abs(),
            ),
        })
    }
}

fn cron(name: &'static str, default: &str) -> Result<CronExpr, ConfigError> {
    let value = var(name).unwrap_or_else(|| default.to_owned());
    CronExpr::parse(&value).map_err(|reason| ConfigError::Invalid {
        name,
        value,
        reason,
    })
}

/// About 100 years, in days and in seconds: a larger age limit would overflow date arithmetic.
const MAX_DAYS: i64 = 36_500;
const MAX_SECONDS: i64 = MAX_DAYS * 86_400;

fn days(name: &'static str, default: i64) -> Result<chrono::Duration, ConfigError> {
    bounded(name, default, MAX_DAYS).map(chrono::Duration::days)
}

fn seconds(name: &'static str, default: i64) -> Result<chrono::Duration, ConfigError> {
    bounded(name, default, MAX_SECONDS).map(chrono::Duration::seconds)
}

fn default_instance() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "scheduler".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        for s in [
            DEFAULT_CRON_RETENTION,
            DEFAULT_CRON_RUN_TIMEOUT,
            DEFAULT_CRON_OFFLINE,
            DEFAULT_CRON_PRUNE,
            DEFAULT_CRON_PRUNE_SESSIONS,
            DEFAULT_CRON_PRUNE_LOGIN_ATTEMPTS,
        ] {
            assert_eq!(CronExpr::parse(s).expect(s).as_str(), s);
        }
    }

    #[test]
    fn bad_cron_expressions_are_refused() {
        let five = CronExpr::parse("15 3 * * *").expect_err("5 fields");
        assert!(five.contains("found 5"), "{five}");
        assert!(CronExpr::parse("").is_err());
        assert!(CronExpr::parse("a b c d e f").is_err());
        assert!(CronExpr::parse("61 * * * * *").is_err());
        assert!(CronExpr::parse("0 0 25 * * *").is_err());
        assert_eq!(
            CronExpr::parse(" * * * * * * ").expect("padded").as_str(),
            "* * * * * *"
        );
    }
}
