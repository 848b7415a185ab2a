//! Logins, sessions and tokens (issue 11): the login limit holds under parallel guesses and
//! keys on the client behind a trusted proxy, password hashing is capped (`limits`); a password
//! change or deactivation ends the user's sessions, sessions have an absolute lifetime
//! (`sessions`); tokens expire (`tokens`).

#[path = "../common/mod.rs"]
mod common;

mod limits;
mod sessions;
mod tokens;

use common::App;

async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

/// Runs the `webinterface` command on the app's database with `stdin`; it must succeed.
fn cli(app: &App, args: &[&str], stdin: &str) -> std::process::Output {
    let out = common::run_webinterface(&app.db.url, &app.broker.url(), args, Some(stdin), &[]);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
