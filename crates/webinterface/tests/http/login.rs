//! Logging in and out: safe cookies, sessions stored as hashes, the failure limit, and `next`
//! never leading off the site.

use domain::store::users::Role;
use reqwest::StatusCode;

use crate::common::{App, PASSWORD, Session, cookie_client, header_of, hidden_field, location};

#[tokio::test]
async fn login_sets_safe_cookies_logout_ends_the_session_and_failures_are_limited() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    let c = cookie_client();
    let r = app.post_login_ok(&c, "alice", "/quarantine").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/quarantine");
    let cookie = header_of(&r, "set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The table holds a hash, not the cookie's token.
    let token_in_cookie = cookie.split(['=', '.']).nth(1).expect("token").to_owned();
    let keys: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&app.db.pool)
        .await
        .expect("sessions");
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0], token_in_cookie);
    // The dashboard's own form carries the token logout needs.
    let mut alice = Session::new(&app, c.clone(), String::new());
    alice.csrf = hidden_field(&alice.page("/").await, "csrf");
    let r = alice.post_form("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = app.navigate(&c, "/").await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "logged out: to the login"
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);

    // Five wrong passwords, then even the right one is refused for a while.
    for _ in 0..5 {
        let r = app.post_login(&c, "alice", "wrong password", None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let html = r.text().await.expect("html");
        assert!(html.contains("Wrong user name or password"), "{html}");
    }
    let r = app.post_login(&c, "ALICE", PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.expect("html");
    assert!(html.contains("too many failed logins"), "{html}");
}

/// `next` after login is followed only when it stays on this site: `next=/%09/evil.example`
/// (a tab browsers drop, leaving `//evil.example`) and its relatives lead home instead.
#[tokio::test]
async fn login_never_redirects_off_the_site() {
    let mut app = App::start().await;
    let olga = app.session("olga", Role::Viewer).await;
    for (query, expected) in [
        ("next=/%09/evil.example", "/"),
        ("next=/%0a/evil.example", "/"),
        ("next=/%5C/evil.example", "/"),
        ("next=//evil.example", "/"),
        ("next=https://evil.example/", "/"),
        ("next=/results%3Fpage%3D2", "/results?page=2"),
    ] {
        let r = olga.get(&format!("/login?{query}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{query}");
        assert_eq!(location(&r), expected, "{query}");
    }
    // The login form's hidden `next` is checked the same way when the form is posted.
    let r = app
        .post_login_ok(&cookie_client(), "olga", "/\t/evil.example")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    app.shutdown().await;
}
