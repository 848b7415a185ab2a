//! The operator commands of the `webinterface` binary against a real database and broker.

mod common;

use std::process::Output;

use common::run_webinterface as cli;
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Checks how a command ended: `success` or not, with `needle` in what it printed.
fn assert_ended(o: &Output, success: bool, needle: &str) {
    assert_eq!(o.status.success(), success, "{}", text(o));
    assert!(text(o).contains(needle), "{}", text(o));
}

/// A command line: its arguments, its standard input, its extra environment, whether it
/// succeeds and what it prints.
type Case<'a> = (
    &'a [&'a str],
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
    bool,
    &'a str,
);

#[tokio::test]
async fn users_passwords_and_tokens_from_the_command_line() {
    let db = TestDb::new().await;
    let broker = Broker::start(BrokerKind::Embedded);
    let run = |cases: &[Case]| {
        for (args, stdin, env, success, needle) in cases {
            let o = cli(&db.url, &broker.url(), args, *stdin, env);
            assert_ended(&o, *success, needle);
        }
    };
    let password_hash = || {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE username = 'root1'")
            .fetch_one(&db.pool)
    };

    run(&[
        (
            &[
                "createsuperuser",
                "--username",
                "root1",
                "--email",
                "r@lab",
                "--password-stdin",
            ],
            Some("first password\n"),
            &[],
            true,
            "",
        ),
        (
            &["createuser", "--username", "viewer1", "--role", "viewer"],
            None,
            &[("WEBINTERFACE_PASSWORD", "from the environment")],
            true,
            "",
        ),
        // No password source while not interactive: a clear error.
        (
            &["createuser", "--username", "x", "--role", "viewer"],
            None,
            &[],
            false,
            "--password-stdin or set WEBINTERFACE_PASSWORD",
        ),
        // Bad role, duplicate name, short password, unknown user.
        (
            &[
                "createuser",
                "--username",
                "y",
                "--role",
                "king",
                "--password-stdin",
            ],
            Some("long enough\n"),
            &[],
            false,
            "unknown role",
        ),
        (
            &["createsuperuser", "--username", "ROOT1", "--password-stdin"],
            Some("another one\n"),
            &[],
            false,
            "already exists",
        ),
        (
            &["createsuperuser", "--username", "z", "--password-stdin"],
            Some("short\n"),
            &[],
            false,
            "at least 8",
        ),
        (
            &["changepassword", "nobody", "--password-stdin"],
            Some("whatever123\n"),
            &[],
            false,
            "no user",
        ),
    ]);

    let hash = password_hash().await.expect("user");
    assert!(hash.starts_with("$argon2id$"));
    assert!(webinterface::auth::verify_password("first password", &hash));
    let role: String =
        sqlx::query_scalar("SELECT role::text FROM users WHERE username = 'viewer1'")
            .fetch_one(&db.pool)
            .await
            .expect("user");
    assert_eq!(role, "viewer");

    run(&[(
        &["changepassword", "root1", "--password-stdin"],
        Some("second password\n"),
        &[],
        true,
        "",
    )]);
    let hash = password_hash().await.expect("user");
    assert!(webinterface::auth::verify_password(
        "second password",
        &hash
    ));

    let o = cli(
        &db.url,
        &broker.url(),
        &["createtoken", "root1", "--name", "ci"],
        None,
        &[],
    );
    assert_ended(&o, true, "");
    let token = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(token.starts_with("sht_"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&db.pool)
        .await
        .expect("token");
    assert_eq!(stored, webinterface::auth::token_hash(&token));
    assert_ne!(stored, token.as_bytes());

    run(&[(&["check"], None, &[], true, "ok   broker reachable")]);
}

/// An empty database named `name` next to `db`'s: its URL. [`drop_database`] removes it.
async fn create_database(db: &TestDb, name: &str) -> String {
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&db.pool)
        .await
        .expect("create");
    format!("{}/{name}", db.url.rsplit_once('/').expect("url").0)
}

/// Drops the database `name` made by [`create_database`].
async fn drop_database(db: &TestDb, name: &str) {
    let drop = format!("DROP DATABASE {name} WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&db.pool)
        .await
        .expect("drop");
}

/// `command` (`migrate`, `check`) against `url` with a broker nobody listens on, `env` added.
fn offline(url: &str, command: &str, env: &[(&str, &str)]) -> Output {
    cli(url, "mqtt://127.0.0.1:1", &[command], None, env)
}

#[tokio::test]
async fn migrate_is_idempotent_and_says_what_it_applied() {
    let db = TestDb::new().await;
    // An empty database next to the test's one.
    let name = format!("empty_{}", std::process::id());
    let url = create_database(&db, &name).await;
    assert_ended(
        &offline(&url, "migrate", &[]),
        true,
        "Applied 20261125000001 initial",
    );
    assert_ended(
        &offline(&url, "migrate", &[]),
        true,
        "No migrations to apply",
    );
    // check reports the unreachable broker and fails.
    assert_ended(&offline(&url, "check", &[]), false, "FAIL broker");
    drop_database(&db, &name).await;
}

#[tokio::test]
async fn migrate_as_a_role_that_may_not_change_the_schema_says_what_to_run() {
    let db = TestDb::new().await;
    // An empty database, and the web interface's own role connecting to it (PostgreSQL 15+:
    // nobody but the owner may create in schema public; revoked here for older servers).
    let name = format!("denied_{}", std::process::id());
    let owner = create_database(&db, &name).await;
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&owner)
        .await
        .expect("owner");
    sqlx::raw_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .execute(&mut conn)
        .await
        .expect("revoke");
    drop(conn);
    // The test cluster logs in as its superuser; `role` makes the session standhub_web's.
    let as_web = format!("{owner}?options=-c%20role%3Dstandhub_web");
    let o = offline(&as_web, "migrate", &[]);
    assert_ended(&o, false, "docker-compose run --rm migrate");
    assert_ended(&o, false, "POSTGRES_USER");
    // As the owner it works.
    assert_ended(&offline(&owner, "migrate", &[]), true, "");
    drop_database(&db, &name).await;
}

#[test]
fn production_without_a_secret_key_is_a_clear_error() {
    for (key, value, needle) in [
        ("PRODUCTION", "true", "SECRET_KEY"),
        ("SECRET_KEY", "short", "at least 32"),
    ] {
        let o = offline("postgres://unused/db", "check", &[(key, value)]);
        assert_ended(&o, false, needle);
    }
}
