//! Who may reach what: public routes, the refusals without a login, each role's routes, and
//! the CSRF token every form and cookie-authenticated API change needs.

use domain::store::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Api, App, PASSWORD, error_of, json_of, location};

#[tokio::test]
async fn unauthenticated_requests_are_refused_except_public_routes() {
    let app = App::start().await;
    app.stand("s1", "ready").await;
    let c = app.client();
    for path in [
        "/api/stands",
        "/api/stands/s1",
        "/api/runs/1",
        "/api/quarantine",
        "/metrics",
        "/events",
    ] {
        let r = c.get(app.url(path)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(error_of(r).await.contains("authentication"), "{path}");
    }
    let r = c
        .post(app.url("/api/stands/s1/runs"))
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for path in ["/", "/stands/s1", "/admin/users", "/quarantine"] {
        let r = app.navigate(&c, path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = location(&r);
        assert!(to.starts_with("/login?next="), "{path} → {to}");
    }
    for path in ["/healthz", "/login", "/static/app.css", "/static/app.js"] {
        let r = c.get(app.url(path)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    // A wrong bearer token is refused, even on a public route.
    let forged = Api::new(&app, "sht_not-a-token");
    assert_eq!(
        forged.get("/api/stands").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Unknown API routes and bad ids are JSON errors, not stack traces (an id that cannot be
    // one is a 400, an unknown one a 404).
    let viewer = app.api("v", Role::Viewer).await;
    for (path, code) in [
        ("/api/nothing", 404),
        ("/api/runs/abc", 400),
        ("/api/runs/999", 404),
        ("/api/stands/no%20such", 404),
        ("/api/stands/ghost", 404),
    ] {
        let r = viewer.get(path).await;
        assert_eq!(r.status().as_u16(), code, "{path}");
        assert!(json_of(r).await["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn each_role_is_allowed_and_refused_where_it_should_be() {
    let app = App::start().await;
    app.stand("s1", "off").await;
    let team = app.team().await;
    // (method, path, body, least role allowed)
    let routes: Vec<(Method, &str, Option<Value>, Role)> = vec![
        (Method::GET, "/api/stands", None, Role::Viewer),
        (Method::GET, "/api/stands/s1", None, Role::Viewer),
        (
            Method::GET,
            "/api/stands/s1/status?limit=5",
            None,
            Role::Viewer,
        ),
        (Method::GET, "/api/quarantine", None, Role::Viewer),
        (Method::GET, "/metrics", None, Role::Viewer),
        (Method::GET, "/", None, Role::Viewer),
        (Method::GET, "/stands/s1", None, Role::Viewer),
        (Method::GET, "/quarantine", None, Role::Viewer),
        // The stand is off: an allowed start is a 409, a refused one a 403.
        (
            Method::POST,
            "/api/stands/s1/runs",
            Some(json!({"parameters": {}})),
            Role::Operator,
        ),
        (
            Method::PATCH,
            "/api/stands/s1",
            Some(json!({"description": "rig"})),
            Role::Admin,
        ),
        (Method::GET, "/api/users", None, Role::Admin),
        (Method::GET, "/admin/stands", None, Role::Admin),
        (Method::GET, "/admin/stands/s1", None, Role::Admin),
        (Method::GET, "/admin/users", None, Role::Admin),
        (Method::GET, "/admin/jobs", None, Role::Admin),
        (Method::GET, "/api/jobs", None, Role::Admin),
    ];
    for (method, path, body, least) in routes {
        for (role, api) in [
            (Role::Viewer, &team.vic),
            (Role::Operator, &team.olga),
            (Role::Admin, &team.ada),
        ] {
            let status = api.send(method.clone(), path, body.as_ref()).await.status();
            if role >= least {
                assert!(
                    status.is_success() || status == StatusCode::CONFLICT,
                    "{role} on {method} {path}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} on {method} {path}");
            }
        }
    }
    // The viewer sees no start form; the operator does.
    let html = app
        .session("viewer2", Role::Viewer)
        .await
        .page("/stands/s1")
        .await;
    assert!(!html.contains("id=\"start-form\"") && html.contains("may watch but not start"));
}

#[tokio::test]
async fn forms_and_cookie_api_calls_without_csrf_are_refused() {
    let app = App::start().await;
    let boss = app.session("boss", Role::Admin).await;
    // A form post without the token, and with a wrong one.
    for form in [
        vec![("id", "rig1")],
        vec![("id", "rig1"), ("csrf", "forged")],
    ] {
        let r = boss.post_form_as_is("/admin/stands", &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.expect("html").contains("CSRF"));
    }
    let r = boss.post_form("/admin/stands", &[("id", "rig1")]).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "with the token the form works"
    );
    // Cookie-authenticated API changes need the header.
    let r = boss
        .client
        .patch(boss.url("/api/stands/rig1"))
        .json(&json!({"description": "x"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(error_of(r).await.contains("CSRF"));
    let r = boss
        .send_json(
            Method::PATCH,
            "/api/stands/rig1",
            Some(&json!({"description": "x", "max_test_seconds": 60})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["max_test_seconds"], 60);
    // Logout needs it too.
    let r = boss
        .client
        .post(boss.url("/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The login form without its token.
    let r = app
        .client()
        .post(app.url("/login"))
        .form(&[("username", "boss"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
