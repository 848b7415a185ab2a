//! Sessions end with a password change or deactivation, and after their absolute lifetime.

use crate::common::App;
use crate::{cli, count};
use domain::store::users::{self, Role};
use reqwest::StatusCode;
use serde_json::Value;

/// A logged-in browser's status for the dashboard: 200, or 303 to the login page.
async fn dashboard(app: &App, c: &reqwest::Client) -> u16 {
    app.navigate(c, "/").await.status().as_u16()
}

async fn user_id(app: &App, name: &str) -> i64 {
    users::by_username(&app.db.pool, name)
        .await
        .expect("user")
        .expect("exists")
        .id
}

/// An admin's browser (`admin`, `csrf`) sets a new password for `user` on the admin page.
async fn set_password(app: &App, admin: &reqwest::Client, csrf: &str, user: &str) {
    let id = user_id(app, user).await;
    let r = app
        .post_form(
            admin,
            &format!("/admin/users/{id}/password"),
            csrf,
            &[("password", "a new password 1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
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
    set_password(&app, &boss, &csrf, "alice").await;
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
    set_password(&app, &boss, &csrf, "alice").await;
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
    let r = app
        .post_form(
            &boss,
            &format!("/admin/users/{id}"),
            &csrf,
            &[("role", "operator")],
        )
        .await;
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
    app.post_form(
        &boss,
        &format!("/admin/users/{id}"),
        &csrf,
        &[("role", "operator"), ("active", "true")],
    )
    .await;
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
    // Ages the session: made `max_days` ago, then moved by `created` (SQL), its idle expiry
    // `expires` from now.
    let age = async |created: &str, expires: &str| {
        let sql = format!(
            "UPDATE sessions SET created_at = now() - make_interval(days => $1) {created},
                                 expiry_date = now() + interval '{expires}'"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i32::try_from(max_days).expect("days"))
            .execute(&app.db.pool)
            .await
            .expect("age");
    };
    // Nearly at the end, and idle long enough to be extended: the extension stops at the end.
    age("+ interval '1 hour'", "1 minute").await;
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
    age("- interval '1 minute'", "1 day").await;
    assert_eq!(dashboard(&app, &c).await, 303);
}
