//! The login limit: parallel guesses, the client behind a trusted proxy, shared clients, other
//! addresses, capped password hashing, and the indexes behind the counts.

use crate::common::{App, PASSWORD, cookie_client, login_request};
use crate::count;
use domain::store::users::Role;
use reqwest::StatusCode;

/// A fresh cookie-holding client posts one login (with its form's CSRF cookie) and returns
/// the status; `real_ip` is sent as `X-Real-IP` when given.
async fn try_login(app: &App, username: &str, password: &str, real_ip: Option<&str>) -> u16 {
    login_with_header(app, username, password, real_ip.map(|ip| ("x-real-ip", ip)))
        .await
        .status()
        .as_u16()
}

/// A fresh cookie-holding client posts one login with `header` added, if any.
async fn login_with_header(
    app: &App,
    username: &str,
    password: &str,
    header: Option<(&str, &str)>,
) -> reqwest::Response {
    let c = cookie_client();
    let mut req = login_request(
        &c,
        &app.url("/login"),
        &[("username", username), ("password", password)],
    )
    .await;
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    req.send().await.expect("login")
}

/// [`try_login`] answered with `status`.
async fn expect_login(app: &App, username: &str, password: &str, ip: Option<&str>, status: u16) {
    assert_eq!(
        try_login(app, username, password, ip).await,
        status,
        "{username} from {ip:?}"
    );
}

/// `n` logins at once; `name(i)` is the i-th user name.
async fn parallel_logins(
    app: &App,
    n: usize,
    name: impl Fn(usize) -> String,
    real_ip: Option<&str>,
) -> Vec<u16> {
    let tries = (0..n).map(|i| {
        let username = name(i);
        async move { try_login(app, &username, "wrong password", real_ip).await }
    });
    futures::future::join_all(tries).await
}

fn tally(statuses: &[u16], status: u16) -> i64 {
    statuses.iter().filter(|s| **s == status).count() as i64
}

#[tokio::test]
async fn parallel_bad_logins_never_pass_the_limits() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    // 40 guesses at one user at once: at most 5 are checked and recorded, the rest refused.
    let statuses = parallel_logins(&app, 40, |_| "alice".into(), None).await;
    let recorded = count(&app, "SELECT count(*) FROM login_attempts").await;
    assert!(recorded <= 5, "{recorded} attempts recorded: {statuses:?}");
    assert_eq!(tally(&statuses, 401), recorded, "{statuses:?}");
    // 503: the machine was too slow to check a password within 2 s (not counted).
    let refused = tally(&statuses, 429) + tally(&statuses, 503);
    assert_eq!(refused + recorded, 40, "{statuses:?}");

    // 40 guesses at 40 names from one address: at most the per-address limit (30).
    let statuses = parallel_logins(&app, 40, |i| format!("nobody{i}"), Some("10.9.0.1")).await;
    let recorded = count(
        &app,
        "SELECT count(*) FROM login_attempts WHERE remote = '10.9.0.1'",
    )
    .await;
    assert!(recorded <= 30, "{recorded} attempts recorded: {statuses:?}");
    assert_eq!(tally(&statuses, 401), recorded, "{statuses:?}");
}

#[tokio::test]
async fn the_limit_keys_on_the_client_named_by_a_trusted_proxy() {
    let app = App::start().await;
    app.user("bob", Role::Viewer).await;
    // The test connects from 127.0.0.1, a trusted proxy by default: X-Real-IP names the
    // client. One client guesses 30 names; it is locked out, another client is not.
    for i in 0..30 {
        let status = try_login(&app, &format!("guess{i}"), "wrong", Some("10.0.0.1")).await;
        assert_eq!(status, 401, "guess {i}");
    }
    let remotes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT remote FROM login_attempts")
        .fetch_all(&app.db.pool)
        .await
        .expect("remotes");
    assert_eq!(remotes, ["10.0.0.1"]);
    expect_login(&app, "bob", PASSWORD, Some("10.0.0.1"), 429).await;
    expect_login(&app, "bob", PASSWORD, Some("10.0.0.2"), 303).await;
    // X-Forwarded-For: the right-most entry that is not a trusted proxy.
    let r = login_with_header(
        &app,
        "x",
        "y",
        Some(("x-forwarded-for", "10.0.0.1, 10.0.0.3, 127.0.0.1")),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let last: String =
        sqlx::query_scalar("SELECT remote FROM login_attempts ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .expect("remote");
    assert_eq!(last, "10.0.0.3");
}

/// Wrong passwords from one client (10.0.0.1, named by the trusted proxy): 5 at alice, then
/// one each at 30 other names (more than the per-address limit); the statuses.
async fn flood_from_one_client(app: &App) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..35 {
        let name = if i < 5 {
            "alice".into()
        } else {
            format!("nobody{i}")
        };
        statuses.push(try_login(app, &name, "wrong", Some("10.0.0.1")).await);
    }
    statuses
}

/// The users alice and bob, and the statuses of [`flood_from_one_client`].
async fn alice_and_bob_flooded(app: &App) -> Vec<u16> {
    app.user("alice", Role::Viewer).await;
    app.user("bob", Role::Viewer).await;
    flood_from_one_client(app).await
}

#[tokio::test]
async fn a_shared_client_is_not_locked_out_as_a_whole() {
    // SHARED_CLIENTS names the client (under compose: the Docker host, where everyone there
    // appears through Docker's port proxy): the flood locks out the names it guessed at.
    let app = App::start_with(|c| {
        c.shared_clients =
            webinterface::config::parse_shared_clients("10.0.0.1", || Ok(String::new()))
                .expect("list");
    })
    .await;
    let statuses = alice_and_bob_flooded(&app).await;
    assert_eq!(tally(&statuses, 401), 35, "{statuses:?}");
    expect_login(&app, "alice", PASSWORD, Some("10.0.0.1"), 429).await;
    expect_login(&app, "bob", PASSWORD, Some("10.0.0.1"), 303).await;
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT remote FROM login_attempts WHERE remote LIKE '%(alice)'",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("remotes");
    assert_eq!(keys, ["10.0.0.1 (alice)"]);

    // Without SHARED_CLIENTS (the default) the same flood locks everyone at that address out.
    let app = App::start().await;
    let statuses = alice_and_bob_flooded(&app).await;
    assert_eq!(tally(&statuses, 401), 30, "{statuses:?}");
    expect_login(&app, "bob", PASSWORD, Some("10.0.0.1"), 429).await;
    expect_login(&app, "bob", PASSWORD, Some("10.0.0.2"), 303).await;
}

/// Issue 24: wrong passwords for `admin` from other addresses — many at once from one, one each
/// from many — slow those addresses down, never the owner logging in from their own.
#[tokio::test]
async fn guesses_from_other_addresses_do_not_lock_the_owner_out() {
    let app = App::start().await;
    app.user("admin", Role::Admin).await;
    let attacker = Some("10.66.0.1");
    for i in 0..5 {
        assert_eq!(
            try_login(&app, "admin", "wrong", attacker).await,
            401,
            "{i}"
        );
    }
    // The attacker's address backs off: refused, even with the right password.
    expect_login(&app, "admin", "wrong", attacker, 429).await;
    expect_login(&app, "admin", PASSWORD, attacker, 429).await;
    // The owner, from their own address, is not.
    expect_login(&app, "admin", PASSWORD, Some("10.1.0.1"), 303).await;

    // Guessing spread over many addresses: each is checked once, then (the account being under
    // attack) a second guess from any of them is refused for the window.
    let spread: Vec<String> = (0..20).map(|i| format!("10.66.1.{i}")).collect();
    for ip in &spread {
        assert_eq!(
            try_login(&app, "admin", "wrong", Some(ip)).await,
            401,
            "{ip}"
        );
    }
    expect_login(&app, "admin", "wrong", Some(&spread[3]), 429).await;
    expect_login(&app, "admin", PASSWORD, Some(&spread[7]), 429).await;
    // The owner still logs in, from their address and from a new one.
    expect_login(&app, "admin", PASSWORD, Some("10.1.0.1"), 303).await;
    expect_login(&app, "admin", PASSWORD, Some("10.1.0.2"), 303).await;
    // Other names from the attackers' addresses are not affected.
    app.user("olga", Role::Viewer).await;
    expect_login(&app, "olga", PASSWORD, attacker, 303).await;
}

#[tokio::test]
async fn headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored() {
    let app = App::start_with(|c| {
        c.trusted_proxies = webinterface::config::TrustedProxies::parse("none").expect("none");
    })
    .await;
    expect_login(&app, "x", "wrong password", Some("10.0.0.7"), 401).await;
    let remote: String = sqlx::query_scalar("SELECT remote FROM login_attempts")
        .fetch_one(&app.db.pool)
        .await
        .expect("remote");
    assert_eq!(remote, "127.0.0.1");
}

#[tokio::test]
async fn password_hashing_is_capped_and_excess_requests_get_503() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    let boss = app.api("boss", Role::Admin).await;
    // Every permit taken, as by that many logins being checked right now.
    let held = app.hold_password_permits().await;
    let r = login_with_header(&app, "alice", PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    assert!(r.text().await.expect("html").contains("busy"));
    // The refused login is not counted against the user.
    assert_eq!(count(&app, "SELECT count(*) FROM login_attempts").await, 0);
    // Adding a user hashes a password: the same cap.
    let dora = serde_json::json!({"username": "dora", "role": "viewer",
                                  "password": "a long password"});
    let r = boss.post("/api/users", &dora).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    drop(held);
    expect_login(&app, "alice", PASSWORD, None, 303).await;
}

#[tokio::test]
async fn the_failure_counts_are_served_by_indexes() {
    let app = App::start().await;
    sqlx::query(
        "INSERT INTO login_attempts (username, remote, succeeded, attempted_at)
         SELECT 'user' || (i % 500), '10.0.' || (i % 250) || '.1', i % 3 = 0,
                now() - make_interval(secs => i % 600)
         FROM generate_series(1, 50000) AS i",
    )
    .execute(&app.db.pool)
    .await
    .expect("fill");
    sqlx::query("ANALYZE login_attempts")
        .execute(&app.db.pool)
        .await
        .expect("analyze");
    let explain = format!("EXPLAIN {}", domain::store::login_attempts::FAILURES_SQL);
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .bind("user7")
        .bind("10.0.7.1")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(15))
        .fetch_all(&app.db.pool)
        .await
        .expect("explain");
    let plan = plan.join("\n");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    assert!(plan.contains("login_attempts_failed_user"), "{plan}");
    assert!(plan.contains("login_attempts_failed_remote"), "{plan}");
}
