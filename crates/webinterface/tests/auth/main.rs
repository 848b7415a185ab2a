//! Logins, sessions and tokens (issue 11): the login limit holds under parallel guesses and
//! keys on the client behind a trusted proxy, password hashing is capped (`limits`); a password
//! change or deactivation ends the user's sessions, sessions have an absolute lifetime
//! (`sessions`); tokens expire (`tokens`).

#[path = "../common/mod.rs"]
mod common;

mod limits;
mod sessions;
mod tokens;

use std::process::{Command, Stdio};

use common::App;

async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

/// Runs the `webinterface` command on the app's database with `stdin`; it must succeed.
fn cli(app: &App, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webinterface"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("MQTT_URL", app.broker.url())
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run webinterface");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
