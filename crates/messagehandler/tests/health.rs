//! `messagehandler healthcheck`, as compose runs it next to the handler: it reads the status
//! file the running handler keeps (`HEALTH_FILE`), so a handler the broker refuses (a rotated
//! password), one that lost its broker, and one that died all fail the check, each saying why.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{HandlerProcess, handler_command, uuid_like};
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;
use test_support::wait_for;

/// Runs `messagehandler healthcheck` on `file` (in an empty folder: no `.env`), with
/// `HEALTH_MAX_AGE_SECONDS` when given; returns its exit code and output line.
fn healthcheck(file: &Path, max_age_seconds: Option<u64>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = handler_command();
    command
        .arg("healthcheck")
        .current_dir(dir.path())
        .env("HEALTH_FILE", file)
        .env_remove("HEALTH_MAX_AGE_SECONDS")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    if let Some(seconds) = max_age_seconds {
        command.env("HEALTH_MAX_AGE_SECONDS", seconds.to_string());
    }
    let out = command.output().expect("run messagehandler healthcheck");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.code(), stdout)
}

/// Polls the check until its exit code is `code` and its line contains `says` (30 s at
/// most); returns the line.
async fn wait_check(file: &Path, max_age: Option<u64>, code: i32, says: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (got, line) = healthcheck(file, max_age);
        if got == Some(code) && line.contains(says) {
            return line;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "healthcheck never exited {code} saying {says:?}; last: {got:?} {line:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_refused_password_fails_the_check_the_right_one_passes_and_a_lost_broker_fails_it() {
    test_support::init_tracing();
    let Some(mut broker) =
        Broker::start_mosquitto_with_accounts(&[("messagehandler", "right-password")])
    else {
        return;
    };
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("messagehandler.health");
    let env = [("HEALTH_FILE", file.as_os_str())];
    let wrong = format!(
        "mqtt://messagehandler:rotated-away@127.0.0.1:{}",
        broker.port
    );
    let client_id = format!("health-{}", uuid_like());

    // The broker's password was changed and the handler still has the old one.
    let mut refused = HandlerProcess::start_logged_with(&db.url, &wrong, &client_id, &env);
    let line = wait_check(&file, None, 1, "not authorised").await;
    assert_eq!(
        line,
        "unhealthy: MQTT connection refused: not authorised (check the user and password in \
         MQTT_URL)",
        "log: {}",
        refused.log()
    );
    assert!(refused.running(), "the handler keeps trying");
    refused.kill();

    // With the right password the check passes within seconds.
    let _handler = HandlerProcess::start_logged_with(
        &db.url,
        &broker.url_as("messagehandler"),
        &client_id,
        &env,
    );
    assert_eq!(wait_check(&file, None, 0, "ok").await, "ok");

    // The broker goes away: the check fails at the next attempt, naming the MQTT connection.
    broker.kill();
    let line = wait_check(&file, None, 1, "MQTT").await;
    assert!(
        line.starts_with("unhealthy: lost the MQTT connection"),
        "{line}"
    );
}

#[tokio::test]
async fn a_dead_handler_fails_the_check_once_its_file_is_older_than_the_max_age() {
    test_support::init_tracing();
    let broker = Broker::start(BrokerKind::Embedded);
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("messagehandler.health");
    let mut handler = HandlerProcess::start_logged_with(
        &db.url,
        &broker.url(),
        &format!("health-{}", uuid_like()),
        &[("HEALTH_FILE", file.as_os_str())],
    );
    assert_eq!(wait_check(&file, None, 0, "ok").await, "ok");

    // Alive, it rewrites the file though nothing changed: a 7 s limit holds (it writes every 5 s).
    let written = || std::fs::metadata(&file).and_then(|m| m.modified()).ok();
    let first = written();
    wait_for(
        "the status file to be rewritten",
        Duration::from_secs(15),
        || {
            let now = written();
            async move { (now != first).then_some(()) }
        },
    )
    .await;
    assert_eq!(healthcheck(&file, Some(7)), (Some(0), "ok".into()));

    // Killed, it leaves an "ok" behind, which ages past the limit.
    handler.kill();
    let line = wait_check(&file, Some(7), 1, "no heartbeat").await;
    assert!(line.starts_with("unhealthy: no heartbeat for "), "{line}");
    let left = std::fs::read_to_string(&file).expect("status file");
    assert_eq!(
        left, "ok\n",
        "the dead handler's last word; only the age fails it"
    );
}
