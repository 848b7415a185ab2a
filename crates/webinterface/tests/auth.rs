//! Logins, sessions and tokens (issue 11): the login limit holds under parallel guesses and
//! keys on the client behind a trusted proxy, password hashing is capped, a password change or
//! deactivation ends the user's sessions, sessions have an absolute lifetime, tokens expire.

mod common;

use std::process::{Command, Stdio};

use common::{App, PASSWORD, login_request};
use domain::store::users::{self, Role};
use reqwest::StatusCode;
use serde_json::Value;

/// A fresh cookie-holding client posts one login (with its form's CSRF cookie) and returns
/// the status; `real_ip` is sent as `X-Real-IP` when given.
async fn try_login(app: &App, username: &str, password: &str, real_ip: Option<&str>) -> u16 {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let mut req = login_request(
        &c,
        &app.url("/login"),
        &[("username", username), ("password", password)],
    )
    .await;
    if let Some(ip) = real_ip {
        req = req.header("x-real-ip", ip);
    }
    req.send().await.expect("login").status().as_u16()
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

async fn count(app: &App, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
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
    assert_eq!(
        try_login(&app, "bob", PASSWORD, Some("10.0.0.1")).await,
        429
    );
    assert_eq!(
        try_login(&app, "bob", PASSWORD, Some("10.0.0.2")).await,
        303
    );
    // X-Forwarded-For: the right-most entry that is not a trusted proxy.
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = login_request(
        &c,
        &app.url("/login"),
        &[("username", "x"), ("password", "y")],
    )
    .await
    .header("x-forwarded-for", "10.0.0.1, 10.0.0.3, 127.0.0.1")
    .send()
    .await
    .expect("login");
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
    app.user("alice", Role::Viewer).await;
    app.user("bob", Role::Viewer).await;
    let statuses = flood_from_one_client(&app).await;
    assert_eq!(tally(&statuses, 401), 35, "{statuses:?}");
    assert_eq!(
        try_login(&app, "alice", PASSWORD, Some("10.0.0.1")).await,
        429
    );
    assert_eq!(
        try_login(&app, "bob", PASSWORD, Some("10.0.0.1")).await,
        303
    );
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT remote FROM login_attempts WHERE remote LIKE '%(alice)'",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("remotes");
    assert_eq!(keys, ["10.0.0.1 (alice)"]);

    // Without SHARED_CLIENTS (the default) the same flood locks everyone at that address out.
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    app.user("bob", Role::Viewer).await;
    let statuses = flood_from_one_client(&app).await;
    assert_eq!(tally(&statuses, 401), 30, "{statuses:?}");
    assert_eq!(
        try_login(&app, "bob", PASSWORD, Some("10.0.0.1")).await,
        429
    );
    assert_eq!(
        try_login(&app, "bob", PASSWORD, Some("10.0.0.2")).await,
        303
    );
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
    assert_eq!(try_login(&app, "admin", "wrong", attacker).await, 429);
    assert_eq!(try_login(&app, "admin", PASSWORD, attacker).await, 429);
    // The owner, from their own address, is not.
    assert_eq!(
        try_login(&app, "admin", PASSWORD, Some("10.1.0.1")).await,
        303
    );

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
    assert_eq!(
        try_login(&app, "admin", "wrong", Some(&spread[3])).await,
        429
    );
    assert_eq!(
        try_login(&app, "admin", PASSWORD, Some(&spread[7])).await,
        429
    );
    // The owner still logs in, from their address and from a new one.
    assert_eq!(
        try_login(&app, "admin", PASSWORD, Some("10.1.0.1")).await,
        303
    );
    assert_eq!(
        try_login(&app, "admin", PASSWORD, Some("10.1.0.2")).await,
        303
    );
    // Other names from the attackers' addresses are not affected.
    app.user("olga", Role::Viewer).await;
    assert_eq!(try_login(&app, "olga", PASSWORD, attacker).await, 303);
}

#[tokio::test]
async fn headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored() {
    let app = App::start_with(|c| {
        c.trusted_proxies = webinterface::config::TrustedProxies::parse("none").expect("none");
    })
    .await;
    assert_eq!(
        try_login(&app, "x", "wrong password", Some("10.0.0.7")).await,
        401
    );
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
    let token = app.token("boss", Role::Admin).await;
    // Every permit taken, as by that many logins being checked right now.
    let n = u32::try_from(app.state.config().password_hash_concurrency).expect("permits");
    let held = app
        .state
        .password_permits()
        .clone()
        .acquire_many_owned(n)
        .await
        .expect("permits");
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = login_request(
        &c,
        &app.url("/login"),
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await
    .send()
    .await
    .expect("login");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    assert!(r.text().await.expect("html").contains("busy"));
    // The refused login is not counted against the user.
    assert_eq!(count(&app, "SELECT count(*) FROM login_attempts").await, 0);
    // Adding a user hashes a password: the same cap.
    let r = app
        .client()
        .post(app.url("/api/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"username": "dora", "role": "viewer",
                                  "password": "a long password"}))
        .send()
        .await
        .expect("add user");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    drop(held);
    assert_eq!(try_login(&app, "alice", PASSWORD, None).await, 303);
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

/// A logged-in browser's status for the dashboard: 200, or 303 to the login page.
async fn dashboard(app: &App, c: &reqwest::Client) -> u16 {
    c.get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("dashboard")
        .status()
        .as_u16()
}

async fn user_id(app: &App, name: &str) -> i64 {
    users::by_username(&app.db.pool, name)
        .await
        .expect("user")
        .expect("exists")
        .id
}

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

#[tokio::test]
async fn a_password_change_ends_every_session_of_the_user() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    app.user("boss", Role::Admin).await;
    let (a1, _) = app.login("alice").await;
    let (a2, _) = app.login("alice").await;
    let (boss, csrf) = app.login("boss").await;
    assert_eq!(dashboard(&app, &a1).await, 200);
    assert_eq!(dashboard(&app, &a2).await, 200);

    // The admin page sets a new password: both of alice's browsers are logged out.
    let id = user_id(&app, "alice").await;
    let r = boss
        .post(app.url(&format!("/admin/users/{id}/password")))
        .form(&[("csrf", csrf.as_str()), ("password", "a new password 1")])
        .send()
        .await
        .expect("set password");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(dashboard(&app, &a1).await, 303);
    assert_eq!(dashboard(&app, &a2).await, 303);
    assert_eq!(
        dashboard(&app, &boss).await,
        200,
        "other users stay logged in"
    );

    // The command line does the same.
    let (b1, _) = app.login("boss").await;
    cli(
        &app,
        &["changepassword", "boss", "--password-stdin"],
        "another password\n",
    );
    assert_eq!(dashboard(&app, &b1).await, 303);
    assert_eq!(dashboard(&app, &boss).await, 303);
    let left = count(&app, "SELECT count(*) FROM sessions").await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_password_change_revokes_every_api_token_of_the_user() {
    let app = App::start().await;
    let alice = app.token("alice", Role::Viewer).await;
    let boss_token = app.token("boss", Role::Admin).await;
    let carol = app.token("carol", Role::Viewer).await;
    for token in [&alice, &boss_token, &carol] {
        let r = app.get_with_token("/api/me", token, "me").await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let refused = |token: String| {
        let app = &app;
        async move {
            let r = app.get_with_token("/api/me", &token, "me").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let body: Value = r.json().await.expect("json");
            let error = body["error"].as_str().expect("error").to_owned();
            assert!(error.contains("revoked"), "{error}");
        }
    };

    // The admin page sets alice's password: her token stops working, carol's does not.
    let (boss, csrf) = app.login("boss").await;
    let id = user_id(&app, "alice").await;
    let r = boss
        .post(app.url(&format!("/admin/users/{id}/password")))
        .form(&[("csrf", csrf.as_str()), ("password", "a new password 1")])
        .send()
        .await
        .expect("set password");
    assert_eq!(r.status(), StatusCode::OK);
    refused(alice).await;
    let r = app.get_with_token("/api/me", &carol, "me").await;
    assert_eq!(r.status(), StatusCode::OK, "another user's token stays");

    // The command line does the same.
    cli(
        &app,
        &["changepassword", "boss", "--password-stdin"],
        "another password\n",
    );
    refused(boss_token).await;
    let r = app.get_with_token("/api/me", &carol, "me").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn deactivation_ends_sessions_and_stops_tokens() {
    let app = App::start().await;
    app.user("boss", Role::Admin).await;
    let token = app.token("carol", Role::Operator).await;
    let (carol, _) = app.login("carol").await;
    let (boss, csrf) = app.login("boss").await;
    assert_eq!(dashboard(&app, &carol).await, 200);
    let id = user_id(&app, "carol").await;
    let r = boss
        .post(app.url(&format!("/admin/users/{id}")))
        .form(&[("csrf", csrf.as_str()), ("role", "operator")])
        .send()
        .await
        .expect("deactivate");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(dashboard(&app, &carol).await, 303);
    let r = app.get_with_token("/api/me", &token, "me").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .contains("deactivated"),
        "{body}"
    );
    // Active again: the token works again; the ended session stays ended.
    boss.post(app.url(&format!("/admin/users/{id}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("role", "operator"),
            ("active", "true"),
        ])
        .send()
        .await
        .expect("activate");
    let r = app.get_with_token("/api/me", &token, "me").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(dashboard(&app, &carol).await, 303);
}

#[tokio::test]
async fn sessions_end_after_their_absolute_lifetime() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    let (c, _) = app.login("alice").await;
    let max_days = i64::from(app.state.config().session_max_days);
    let capped = count(
        &app,
        &format!(
            "SELECT count(*) FROM sessions
             WHERE expiry_date <= created_at + interval '{max_days} days'"
        ),
    )
    .await;
    assert_eq!(capped, 1);
    // Nearly at the end, and idle long enough to be extended: the extension stops at the end.
    sqlx::query(
        "UPDATE sessions SET created_at = now() - make_interval(days => $1) + interval '1 hour',
                             expiry_date = now() + interval '1 minute'",
    )
    .bind(i32::try_from(max_days).expect("days"))
    .execute(&app.db.pool)
    .await
    .expect("age");
    assert_eq!(dashboard(&app, &c).await, 200);
    let capped = count(
        &app,
        &format!(
            "SELECT count(*) FROM sessions
             WHERE expiry_date <= created_at + interval '{max_days} days'
               AND expiry_date > now() + interval '30 minutes'"
        ),
    )
    .await;
    assert_eq!(capped, 1, "extended, but only to the absolute end");
    // Past the absolute lifetime, however fresh its idle expiry: logged out.
    sqlx::query(
        "UPDATE sessions SET created_at = now() - make_interval(days => $1) - interval '1 minute',
                             expiry_date = now() + interval '1 day'",
    )
    .bind(i32::try_from(max_days).expect("days"))
    .execute(&app.db.pool)
    .await
    .expect("age");
    assert_eq!(dashboard(&app, &c).await, 303);
}

/// A user with this role and a bearer token for it that never expires.
async fn lasting_token(app: &App, name: &str, role: Role) -> String {
    app.user(name, role).await;
    let user = users::by_username(&app.db.pool, name)
        .await
        .expect("user")
        .expect("exists");
    webinterface::auth::create_token_until(&app.db.pool, &user, "lasting", None)
        .await
        .expect("token")
}

/// `POST /api/tokens` for olga with this bearer token and `expires_in`; status and body.
async fn mint(app: &App, bearer: &str, expires_in: &str) -> (StatusCode, Value) {
    let r = app
        .client()
        .post(app.url("/api/tokens"))
        .bearer_auth(bearer)
        .json(&serde_json::json!({"username": "olga", "expires_in": expires_in}))
        .send()
        .await
        .expect("token");
    let status = r.status();
    (status, r.json().await.expect("json"))
}

#[tokio::test]
async fn a_token_that_expires_cannot_make_one_that_outlives_it() {
    let app = App::start().await;
    app.user("olga", Role::Viewer).await;
    app.user("boss", Role::Admin).await;
    let boss = users::by_username(&app.db.pool, "boss")
        .await
        .expect("user")
        .expect("boss");
    let limit = chrono::Utc::now() + chrono::Duration::hours(1);
    let short = webinterface::auth::create_token_until(&app.db.pool, &boss, "short", Some(limit))
        .await
        .expect("token");

    // `never` is refused, saying why.
    let (status, body) = mint(&app, &short, "never").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = body["error"].as_str().expect("error");
    assert!(
        error.contains("cannot make a token that never expires"),
        "{error}"
    );
    let lasting = count(
        &app,
        "SELECT count(*) FROM api_tokens WHERE expires_at IS NULL",
    )
    .await;
    assert_eq!(lasting, 0);

    // A longer lifetime is capped at the minting token's expiry; a shorter one is kept.
    let (status, body) = mint(&app, &short, "90d").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).expect("expires_at");
    assert!((at - limit).num_seconds().abs() <= 1, "{at} vs {limit}");
    let stored: i64 = count(
        &app,
        "SELECT count(*) FROM api_tokens WHERE expires_at > now() + interval '61 minutes'",
    )
    .await;
    assert_eq!(stored, 0, "a stored token outlives the one that made it");
    let (status, body) = mint(&app, &short, "30m").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).expect("expires_at");
    assert!(at < limit - chrono::Duration::minutes(25), "{at}");

    // A token that never expires may still make one that never expires.
    let lasting = lasting_token(&app, "root", Role::Admin).await;
    let (status, body) = mint(&app, &lasting, "never").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["expires_at"].is_null(), "{body}");
}

#[tokio::test]
async fn tokens_expire_with_a_clear_answer() {
    let app = App::start().await;
    let admin = lasting_token(&app, "boss", Role::Admin).await;
    app.user("olga", Role::Viewer).await;
    let olga = users::by_username(&app.db.pool, "olga")
        .await
        .expect("user")
        .expect("olga");
    let now = chrono::Utc::now();
    let pool = &app.db.pool;
    let create = webinterface::auth::create_token_until;
    let expired = create(pool, &olga, "old", Some(now - chrono::Duration::minutes(1)))
        .await
        .expect("token");
    let valid = create(pool, &olga, "new", Some(now + chrono::Duration::hours(1)))
        .await
        .expect("token");
    let r = app.get_with_token("/api/me", &expired, "me").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.expect("json");
    let error = body["error"].as_str().expect("error");
    assert!(error.contains("expired at"), "{error}");
    let r = app.get_with_token("/api/me", &valid, "me").await;
    assert_eq!(r.status(), StatusCode::OK);

    // The API makes tokens with an expiry: 90 days unless asked.
    let make = |body: Value| {
        app.client()
            .post(app.url("/api/tokens"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let r = make(serde_json::json!({"username": "olga", "expires_in": "12h"}))
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.expect("json");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).expect("expires_at");
    let hours = (at - now).num_minutes() as f64 / 60.0;
    assert!((11.9..12.1).contains(&hours), "{body}");
    let r = make(serde_json::json!({"username": "olga"}))
        .await
        .expect("token");
    let body: Value = r.json().await.expect("json");
    let at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).expect("expires_at");
    assert_eq!((at - now).num_days(), 90, "{body}");
    let r = make(serde_json::json!({"username": "olga", "expires_in": "never"}))
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.json::<Value>().await.expect("json")["expires_at"].is_null());
    let r = make(serde_json::json!({"username": "olga", "expires_in": "forever"}))
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"].as_str().expect("error").contains("90d"),
        "{body}"
    );

    // The command line: --expires-in, stored, and said.
    let out = cli(&app, &["createtoken", "olga", "--expires-in", "30d"], "");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("works until"),
        "{out:?}"
    );
    let days: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - now())::float8 / 86400 FROM api_tokens
         WHERE name = 'cli'",
    )
    .fetch_one(pool)
    .await
    .expect("expiry");
    assert!((29.9..30.1).contains(&days), "{days}");

    // The users page lists each token's expiry.
    app.user("root", Role::Admin).await;
    let (c, _) = app.login("root").await;
    let html = c
        .get(app.url("/admin/users"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("<th>Expires</th>"), "{html}");
    assert!(html.contains(">never<"), "{html}");
    assert!(html.contains(">expired "), "{html}");
    assert!(html.contains("name=\"expires_in\" value=\"90d\""), "{html}");
}
