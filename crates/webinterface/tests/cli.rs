//! The operator commands of the `webinterface` binary against a real database and broker.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;

fn cli(
    db_url: &str,
    mqtt: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_webinterface"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("MQTT_URL", mqtt)
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run webinterface");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn users_passwords_and_tokens_from_the_command_line() {
    let db = TestDb::new().await;
    let broker = Broker::start(BrokerKind::Embedded);
    let run = |args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]| {
        cli(&db.url, &broker.url(), args, stdin, env)
    };

    let o = run(
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
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &["createuser", "--username", "viewer1", "--role", "viewer"],
        None,
        &[("WEBINTERFACE_PASSWORD", "from the environment")],
    );
    assert!(o.status.success(), "{}", text(&o));
    // No password source while not interactive: a clear error.
    let o = run(
        &["createuser", "--username", "x", "--role", "viewer"],
        None,
        &[],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("--password-stdin or set WEBINTERFACE_PASSWORD"),
        "{}",
        text(&o)
    );
    // Bad role, duplicate name, short password.
    let o = run(
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
    );
    assert!(
        !o.status.success() && text(&o).contains("unknown role"),
        "{}",
        text(&o)
    );
    let o = run(
        &["createsuperuser", "--username", "ROOT1", "--password-stdin"],
        Some("another one\n"),
        &[],
    );
    assert!(
        !o.status.success() && text(&o).contains("already exists"),
        "{}",
        text(&o)
    );
    let o = run(
        &["createsuperuser", "--username", "z", "--password-stdin"],
        Some("short\n"),
        &[],
    );
    assert!(
        !o.status.success() && text(&o).contains("at least 8"),
        "{}",
        text(&o)
    );

    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'root1'")
            .fetch_one(&db.pool)
            .await
            .expect("user");
    assert!(hash.starts_with("$argon2id$"));
    assert!(webinterface::auth::verify_password("first password", &hash));
    let role: String =
        sqlx::query_scalar("SELECT role::text FROM users WHERE username = 'viewer1'")
            .fetch_one(&db.pool)
            .await
            .expect("user");
    assert_eq!(role, "viewer");

    let o = run(
        &["changepassword", "root1", "--password-stdin"],
        Some("second password\n"),
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'root1'")
            .fetch_one(&db.pool)
            .await
            .expect("user");
    assert!(webinterface::auth::verify_password(
        "second password",
        &hash
    ));
    let o = run(
        &["changepassword", "nobody", "--password-stdin"],
        Some("whatever123\n"),
        &[],
    );
    assert!(
        !o.status.success() && text(&o).contains("no user"),
        "{}",
        text(&o)
    );

    let o = run(&["createtoken", "root1", "--name", "ci"], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(token.starts_with("sht_"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&db.pool)
        .await
        .expect("token");
    assert_eq!(stored, webinterface::auth::token_hash(&token));
    assert_ne!(stored, token.as_bytes());

    let o = run(&["check"], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("ok   broker reachable"));
}

#[tokio::test]
async fn migrate_is_idempotent_and_says_what_it_applied() {
    let db = TestDb::new().await;
    // An empty database next to the test's one.
    let name = format!("empty_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&db.pool)
        .await
        .expect("create");
    let url = format!("{}/{name}", db.url.rsplit_once('/').expect("url").0);
    let first = cli(&url, "mqtt://127.0.0.1:1", &["migrate"], None, &[]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("Applied 20261125000001 initial"),
        "{}",
        text(&first)
    );
    let second = cli(&url, "mqtt://127.0.0.1:1", &["migrate"], None, &[]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("No migrations to apply"),
        "{}",
        text(&second)
    );
    // check reports the unreachable broker and fails.
    let check = cli(&url, "mqtt://127.0.0.1:1", &["check"], None, &[]);
    assert!(!check.status.success());
    assert!(text(&check).contains("FAIL broker"), "{}", text(&check));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&db.pool)
    .await
    .expect("drop");
}

#[tokio::test]
async fn migrate_as_a_role_that_may_not_change_the_schema_says_what_to_run() {
    let db = TestDb::new().await;
    // An empty database, and the web interface's own role connecting to it (PostgreSQL 15+:
    // nobody but the owner may create in schema public; revoked here for older servers).
    let name = format!("denied_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&db.pool)
        .await
        .expect("create");
    let base = db.url.rsplit_once('/').expect("url").0;
    let owner = format!("{base}/{name}");
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
    let o = cli(&as_web, "mqtt://127.0.0.1:1", &["migrate"], None, &[]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("docker-compose run --rm migrate"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("POSTGRES_USER"), "{}", text(&o));
    // As the owner it works.
    let o = cli(&owner, "mqtt://127.0.0.1:1", &["migrate"], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&db.pool)
    .await
    .expect("drop");
}

#[test]
fn production_without_a_secret_key_is_a_clear_error() {
    let o = cli(
        "postgres://unused/db",
        "mqtt://127.0.0.1:1",
        &["check"],
        None,
        &[("PRODUCTION", "true")],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("SECRET_KEY"), "{}", text(&o));
    let o = cli(
        "postgres://unused/db",
        "mqtt://127.0.0.1:1",
        &["check"],
        None,
        &[("SECRET_KEY", "short")],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("at least 32"), "{}", text(&o));
}
