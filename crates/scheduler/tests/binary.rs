//! The `scheduler` binary: answers `--help` without configuration, refuses unknown arguments
//! and bad configuration naming the variable, runs the jobs, says whether it is healthy
//! (`scheduler healthcheck`), and stops cleanly on SIGTERM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use test_support::cli::{
    assert_configuration_refused, assert_help_without_configuration,
    assert_unknown_argument_refused,
};
use test_support::pg::TestDb;
use test_support::wait_for;

const VARS: [&str; 14] = [
    "DATABASE_URL",
    "CRON_RETENTION",
    "CRON_RUN_TIMEOUT",
    "CRON_OFFLINE",
    "CRON_PRUNE",
    "RETENTION_DAYS",
    "OFFLINE_AFTER_SECONDS",
    "STATUS_HISTORY_DAYS",
    "QUARANTINE_DAYS",
    "JOB_RUNS_DAYS",
    "SCHEDULER_STANDBY_POLL_SECONDS",
    "SCHEDULER_INSTANCE",
    "HEALTH_FILE",
    "HEALTH_MAX_AGE_SECONDS",
];

/// The binary with a clean environment, in an empty folder (no `.env` to pick up).
fn scheduler(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scheduler"));
    cmd.current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in VARS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn bad_configuration_is_refused_naming_the_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none");
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[], "DATABASE_URL"),
        (&[url, ("CRON_RETENTION", "15 3 * * *")], "CRON_RETENTION"),
        (&[url, ("CRON_OFFLINE", "every minute")], "CRON_OFFLINE"),
        (&[url, ("CRON_PRUNE", "0 99 3 * * *")], "CRON_PRUNE"),
        (&[url, ("RETENTION_DAYS", "0")], "RETENTION_DAYS"),
        (
            &[url, ("OFFLINE_AFTER_SECONDS", "five")],
            "OFFLINE_AFTER_SECONDS",
        ),
    ];
    for (env, named) in cases {
        let case = format!("{env:?}");
        assert_configuration_refused(&mut scheduler(&dir, env), "scheduler", named, &case);
    }
}

#[test]
fn help_prints_the_usage_without_configuration() {
    assert_help_without_configuration(
        Path::new(env!("CARGO_BIN_EXE_scheduler")),
        &[
            "Usage: scheduler",
            "healthcheck",
            "DATABASE_URL",
            "CRON_RETENTION",
        ],
    );
}

#[test]
fn an_unknown_argument_exits_2_and_points_at_help() {
    assert_unknown_argument_refused(Path::new(env!("CARGO_BIN_EXE_scheduler")));
}

/// `scheduler healthcheck` on the status file `file`: its exit code and line.
fn healthcheck(dir: &tempfile::TempDir, file: &std::path::Path) -> (Option<i32>, String) {
    let file = file.to_str().expect("UTF-8 path");
    let out = scheduler(dir, &[("HEALTH_FILE", file)])
        .arg("healthcheck")
        .output()
        .expect("run scheduler healthcheck");
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.code(), line)
}

#[tokio::test]
async fn healthcheck_passes_while_it_runs_and_fails_without_its_file() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("scheduler.health");
    let file_str = file.to_str().expect("UTF-8 path");
    let mut child = scheduler(
        &dir,
        &[("DATABASE_URL", &db.url), ("HEALTH_FILE", file_str)],
    )
    .spawn()
    .expect("start the binary");

    let line = wait_for(
        "scheduler healthcheck to pass",
        Duration::from_secs(30),
        || {
            let (code, line) = healthcheck(&dir, &file);
            async move { (code == Some(0)).then_some(line) }
        },
    )
    .await;
    assert_eq!(line, "ok");

    // Another container's file, or none written yet: no file is no health.
    let (code, line) = healthcheck(&dir, &dir.path().join("elsewhere.health"));
    assert_eq!(code, Some(1), "{line}");
    assert!(line.starts_with("unhealthy: no status file"), "{line}");

    // Stopped, it says so.
    let pid = i32::try_from(child.id()).expect("pid");
    kill(Pid::from_raw(pid), Signal::SIGTERM).expect("SIGTERM");
    assert!(child.wait().expect("wait").success());
    assert_eq!(
        healthcheck(&dir, &file),
        (Some(1), "unhealthy: stopped".into())
    );
    std::fs::remove_file(&file).expect("remove the status file");
    assert_eq!(healthcheck(&dir, &file).0, Some(1));
}

#[tokio::test]
async fn runs_jobs_and_stops_on_sigterm() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let every_second = "* * * * * *";
    let mut child = scheduler(
        &dir,
        &[
            ("DATABASE_URL", &db.url),
            ("CRON_RETENTION", every_second),
            ("CRON_RUN_TIMEOUT", every_second),
            ("CRON_OFFLINE", every_second),
            ("CRON_PRUNE", every_second),
            ("SCHEDULER_INSTANCE", "from-the-binary"),
        ],
    )
    .spawn()
    .expect("start the binary");

    wait_for("a job run of each job", Duration::from_secs(60), || async {
        let jobs: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT job) FROM job_runs
             WHERE instance = 'from-the-binary' AND outcome = $1",
        )
        .bind(domain::JobOutcome::Ok.as_str())
        .fetch_one(&db.pool)
        .await
        .expect("job runs");
        (jobs == 4).then_some(())
    })
    .await;
    let pid = i32::try_from(child.id()).expect("pid");
    kill(Pid::from_raw(pid), Signal::SIGTERM).expect("SIGTERM");
    let status = wait_for("the binary to exit", Duration::from_secs(60), || {
        let status = child.try_wait().expect("wait");
        async move { status }
    })
    .await;
    assert!(status.success(), "{status:?}");
    let holders: i64 =
        // pg_locks is the whole cluster's: other tests' databases share it.
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
            .fetch_one(&db.pool)
            .await
            .expect("locks");
    assert_eq!(holders, 0, "the lock is released");
}
