//! API tokens: they expire with a clear answer and cannot mint tokens that outlive them.

use crate::common::App;
use crate::{cli, count};
use domain::store::users::{self, Role};
use reqwest::StatusCode;
use serde_json::Value;

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
    let html = app.text(&c, "/admin/users").await;
    assert!(html.contains("<th>Expires</th>"), "{html}");
    assert!(html.contains(">never<"), "{html}");
    assert!(html.contains(">expired "), "{html}");
    assert!(html.contains("name=\"expires_in\" value=\"90d\""), "{html}");
}
