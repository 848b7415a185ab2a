//! The web interface over real HTTP against a real database and a real broker: access per
//! role, CSRF, login limits, starting tests (the command reaching a subscribed MQTT client),
//! refusals, the broker down, live events and health routes.

mod common;

use std::time::Duration;

use common::{App, PASSWORD, hidden_field, login_request, subscriber};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response) -> Value {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        ct.starts_with("application/json"),
        "{status}: content type {ct:?}"
    );
    r.json().await.expect("json body")
}

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
        let body = json_of(r).await;
        assert!(
            body["error"]
                .as_str()
                .expect("message")
                .contains("authentication"),
            "{path}"
        );
    }
    let r = c
        .post(app.url("/api/stands/s1/runs"))
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for path in ["/", "/stands/s1", "/admin/users", "/quarantine"] {
        let r = c
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = r.headers()["location"].to_str().expect("location");
        assert!(to.starts_with("/login?next="), "{path} → {to}");
    }
    for path in ["/healthz", "/login", "/static/app.css", "/static/app.js"] {
        let r = c.get(app.url(path)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    // A wrong bearer token is refused, even on a public route.
    let r = c
        .get(app.url("/api/stands"))
        .bearer_auth("sht_not-a-token")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Unknown API routes and bad ids are JSON errors, not stack traces (an id that cannot be
    // one is a 400, an unknown one a 404).
    let token = app.token("v", Role::Viewer).await;
    for (path, code) in [
        ("/api/nothing", 404),
        ("/api/runs/abc", 400),
        ("/api/runs/999", 404),
        ("/api/stands/no%20such", 404),
        ("/api/stands/ghost", 404),
    ] {
        let r = c
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), code, "{path}");
        assert!(json_of(r).await["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn each_role_is_allowed_and_refused_where_it_should_be() {
    let app = App::start().await;
    app.stand("s1", "off").await;
    let viewer = app.token("viewer1", Role::Viewer).await;
    let operator = app.token("operator1", Role::Operator).await;
    let admin = app.token("admin1", Role::Admin).await;
    let c = app.client();
    // (method, path, body, least role allowed)
    let routes: Vec<(&str, &str, Option<Value>, Role)> = vec![
        ("GET", "/api/stands", None, Role::Viewer),
        ("GET", "/api/stands/s1", None, Role::Viewer),
        ("GET", "/api/stands/s1/status?limit=5", None, Role::Viewer),
        ("GET", "/api/quarantine", None, Role::Viewer),
        ("GET", "/metrics", None, Role::Viewer),
        ("GET", "/", None, Role::Viewer),
        ("GET", "/stands/s1", None, Role::Viewer),
        ("GET", "/quarantine", None, Role::Viewer),
        // The stand is off: an allowed start is a 409, a refused one a 403.
        (
            "POST",
            "/api/stands/s1/runs",
            Some(json!({"parameters": {}})),
            Role::Operator,
        ),
        (
            "PATCH",
            "/api/stands/s1",
            Some(json!({"description": "rig"})),
            Role::Admin,
        ),
        ("GET", "/api/users", None, Role::Admin),
        ("GET", "/admin/stands", None, Role::Admin),
        ("GET", "/admin/stands/s1", None, Role::Admin),
        ("GET", "/admin/users", None, Role::Admin),
        ("GET", "/admin/jobs", None, Role::Admin),
        ("GET", "/api/jobs", None, Role::Admin),
    ];
    for (method, path, body, least) in routes {
        for (role, token) in [
            (Role::Viewer, &viewer),
            (Role::Operator, &operator),
            (Role::Admin, &admin),
        ] {
            let mut req = c
                .request(method.parse().expect("method"), app.url(path))
                .bearer_auth(token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let status = req.send().await.expect("send").status();
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
    let (vc, _) = {
        app.user("viewer2", Role::Viewer).await;
        app.login("viewer2").await
    };
    let html = vc
        .get(app.url("/stands/s1"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!html.contains("id=\"start-form\"") && html.contains("may watch but not start"));
}

#[tokio::test]
async fn forms_and_cookie_api_calls_without_csrf_are_refused() {
    let app = App::start().await;
    app.user("boss", Role::Admin).await;
    let (c, csrf) = app.login("boss").await;
    // A form post without the token, and with a wrong one.
    for form in [
        vec![("id", "rig1")],
        vec![("id", "rig1"), ("csrf", "forged")],
    ] {
        let r = c
            .post(app.url("/admin/stands"))
            .form(&form)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.expect("html").contains("CSRF"));
    }
    let r = c
        .post(app.url("/admin/stands"))
        .form(&[("id", "rig1"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "with the token the form works"
    );
    // Cookie-authenticated API changes need the header.
    let r = c
        .patch(app.url("/api/stands/rig1"))
        .json(&json!({"description": "x"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        json_of(r).await["error"]
            .as_str()
            .expect("msg")
            .contains("CSRF")
    );
    let r = c
        .patch(app.url("/api/stands/rig1"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"description": "x", "max_test_seconds": 60}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["max_test_seconds"], 60);
    // Logout needs it too.
    let r = c.post(app.url("/logout")).send().await.expect("logout");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The login form without its token.
    let fresh = app.client();
    let r = fresh
        .post(app.url("/login"))
        .form(&[("username", "boss"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_sets_safe_cookies_logout_ends_the_session_and_failures_are_limited() {
    let app = App::start().await;
    app.user("alice", Role::Viewer).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let r = login_request(
        &c,
        &app.url("/login"),
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("next", "/quarantine"),
        ],
    )
    .await
    .send()
    .await
    .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/quarantine");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
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
    let page = c.get(app.url("/")).send().await.expect("dashboard");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let csrf = hidden_field(&html, "csrf");
    let r = c
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = c
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
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
        let r = login_request(
            &c,
            &app.url("/login"),
            &[("username", "alice"), ("password", "wrong password")],
        )
        .await
        .send()
        .await
        .expect("login");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.text()
                .await
                .expect("html")
                .contains("Wrong user name or password")
        );
    }
    let r = login_request(
        &c,
        &app.url("/login"),
        &[("username", "ALICE"), ("password", PASSWORD)],
    )
    .await
    .send()
    .await
    .expect("login");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("too many failed logins")
    );
}

#[tokio::test]
async fn a_test_started_from_the_api_reaches_the_stand_as_a_valid_command() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand_with("old7", "ready", true).await;
    let token = app.token("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/Outbound"]).await;
    let c = app.client();
    let body = json!({"parameters": {"fs": 1000, "wave": "sine"}, "commands": ["start", "log"], "keep": true});
    let r = c
        .post(app.url("/api/stands/rig1/runs"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::CREATED);
    let started = json_of(r).await;
    assert_eq!(started["state"], "sent");
    let run_id = started["id"].as_i64().expect("id");

    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the command arrives")
        .expect("subscriber alive");
    assert_eq!(topic, "rig1/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    domain::ProtocolValidator::bundled()
        .expect("schema")
        .check(&message)
        .expect("the command is schema-valid");
    assert_eq!(message["msgType"], "command");
    assert_eq!(message["sentBy"], "olga");
    assert_eq!(message["commandList"], json!(["start", "log"]));
    assert_eq!(message["parameterObj"], json!({"fs": 1000, "wave": "sine"}));

    let run = json_of(
        c.get(app.url(&format!("/api/runs/{run_id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("run"),
    )
    .await;
    assert_eq!(run["state"], "sent");
    assert_eq!(run["stand"], "rig1");
    assert_eq!(run["requested_by"], "olga");
    assert!(run["requested_at"].as_str().expect("time").ends_with('Z'));
    assert!(run["result"].is_null());
    // The stand now shows the run and is busy.
    let stand = json_of(
        c.get(app.url("/api/stands/rig1"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("stand"),
    )
    .await;
    assert_eq!(
        (stand["state"].as_str(), stand["run"].as_i64()),
        (Some("busy"), Some(run_id))
    );
    let confirmed: bool = sqlx::query_scalar(
        "SELECT confirmed_at IS NOT NULL FROM outbound_commands WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("outbound row");
    assert!(confirmed);

    // A legacy stand is answered on its legacy topic.
    let r = c
        .post(app.url("/api/stands/old7/runs"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::CREATED);
    let (topic, _) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("legacy command arrives")
        .expect("alive");
    assert_eq!(topic, "Testdevice/old7/Outbound");
}

#[tokio::test]
async fn starting_on_a_stand_that_is_not_ready_is_refused_and_publishes_nothing() {
    let app = App::start().await;
    for (id, state) in [
        ("b1", "busy"),
        ("o1", "off"),
        ("x1", "offline"),
        ("e1", "error"),
        ("u1", "unknown"),
        ("r1", "ready"),
    ] {
        app.stand(id, state).await;
    }
    let token = app.token("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/Outbound"]).await;
    let c = app.client();
    for (id, state) in [
        ("b1", "busy"),
        ("o1", "off"),
        ("x1", "offline"),
        ("e1", "error"),
        ("u1", "unknown"),
    ] {
        let r = c
            .post(app.url(&format!("/api/stands/{id}/runs")))
            .bearer_auth(&token)
            .json(&json!({"parameters": {"a": 1}}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::CONFLICT, "{id}");
        let msg = json_of(r).await["error"]
            .as_str()
            .expect("message")
            .to_owned();
        assert!(
            msg.contains(state) && msg.contains("nothing was sent"),
            "{msg}"
        );
    }
    // A second start while the first run is in progress is refused too.
    let first = c
        .post(app.url("/api/stands/r1/runs"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = c
        .post(app.url("/api/stands/r1/runs"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // The only message the broker carried is the accepted one: the refusals came first.
    let (topic, _) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "r1/outbound");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(runs, 1);
    // Bad bodies are 400s with a reason (checked before the stand's state: the stand is busy
    // with the run above, which would be a 409). Commands are strings.
    for body in [
        r#"{"parameters": []}"#,
        r#"{"commands": {}}"#,
        r#"{"commands": [1]}"#,
        r#"{"commands": [{"name": "start"}]}"#,
        "not json",
        r#"{"bogus": 1}"#,
    ] {
        let r = c
            .post(app.url("/api/stands/r1/runs"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(
            matches!(r.status().as_u16(), 400 | 422),
            "{body}: {}",
            r.status()
        );
        assert!(json_of(r).await["error"].is_string());
    }
}

#[tokio::test]
async fn a_broker_that_cannot_be_reached_gives_503_and_a_failed_run() {
    let mut app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("olga", Role::Operator).await;
    let c = app.client();
    let r = c.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(r.status(), StatusCode::OK);
    app.broker.kill();
    let r = c
        .post(app.url("/api/stands/rig1/runs"))
        .bearer_auth(&token)
        .json(&json!({"commands": ["go"]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let msg = json_of(r).await["error"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        msg.contains("cannot be reached") && msg.contains("marked failed"),
        "{msg}"
    );
    let (state, error): (String, Option<String>) =
        sqlx::query_as("SELECT state::text, error FROM runs")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert_eq!(state, "failed");
    assert!(error.is_some());
    // The stand is free again, and readiness says what is missing.
    let stand = json_of(
        c.get(app.url("/api/stands/rig1"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("stand"),
    )
    .await;
    assert_eq!(stand["state"], "ready");
    let r = c.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(r).await["broker"], "unreachable");
    app.shutdown().await;
}

#[tokio::test]
async fn the_start_form_sends_a_command_and_refuses_clearly() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand("busy1", "busy").await;
    app.user("olga", Role::Operator).await;
    let (c, csrf) = app.login("olga").await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    let r = c
        .post(app.url("/stands/busy1/runs"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("param_name", "fs"),
            ("param_value", "10"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("A test cannot start now")
    );
    let r = c
        .post(app.url("/stands/rig1/runs"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("param_name", "fs"),
            ("param_value", "100"),
            ("param_name", "label"),
            ("param_value", "first try"),
            ("param_name", ""),
            ("param_value", ""),
            ("commands", "start\nmeasure\n"),
            ("keep", "true"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with("/stands/rig1?started="), "{location}");
    let (_, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(
        message["parameterObj"],
        json!({"fs": 100, "label": "first try"})
    );
    assert_eq!(message["commandList"], json!(["start", "measure"]));
    let keep: bool = sqlx::query_scalar("SELECT keep FROM runs WHERE stand_id = 'rig1'")
        .fetch_one(&app.db.pool)
        .await
        .expect("run");
    assert!(keep);
    let html = c
        .get(app.url(&location))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("was sent to the stand"));
}

#[tokio::test]
async fn live_events_carry_stand_changes() {
    let mut app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("v", Role::Viewer).await;
    let c = app.client();
    let mut stream = c
        .get(app.url("/events"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("events");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut seen = String::new();
    // Wait for the hello, so the subscription exists before the change.
    while !seen.contains("event: hello") {
        let chunk = stream.chunk().await.expect("chunk").expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    sqlx::query("UPDATE stands SET effective_code = 202, status_code = 202 WHERE id = 'rig1'")
        .execute(&app.db.pool)
        .await
        .expect("update");
    domain::store::stands::notify_stand(&app.db.pool, &domain::StandId::parse("rig1").expect("id"))
        .await
        .expect("notify");
    let event = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let chunk = stream.chunk().await.expect("chunk").expect("open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(at) = seen.find("event: stand") {
                let rest = &seen[at..];
                if let Some(end) = rest.find("\n\n") {
                    return rest[..end].to_owned();
                }
            }
        }
    })
    .await
    .expect("a stand event");
    let data = event
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("data line");
    let stand: Value = serde_json::from_str(data).expect("json");
    assert_eq!(
        (stand["id"].as_str(), stand["state"].as_str()),
        (Some("rig1"), Some("busy"))
    );
    assert_eq!(stand["status_code"], 202);
    // Shutdown ends open streams instead of waiting for them.
    app.shutdown().await;
}

#[tokio::test]
async fn api_shapes_and_metrics() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("adm", Role::Admin).await;
    let c = app.client();
    let list = json_of(
        c.get(app.url("/api/stands"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list"),
    )
    .await;
    let one = &list[0];
    for key in [
        "id",
        "name",
        "state",
        "status_code",
        "power_code",
        "last_seen",
        "run",
    ] {
        assert!(one.get(key).is_some(), "missing {key} in {one}");
    }
    assert_eq!(one["state"], "ready");
    let detail = json_of(
        c.get(app.url("/api/stands/rig1"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("one"),
    )
    .await;
    for key in ["description", "camera_url", "max_test_seconds"] {
        assert!(detail.get(key).is_some(), "missing {key}");
    }
    let history = json_of(
        c.get(app.url("/api/stands/rig1/status?limit=1"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("history"),
    )
    .await;
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    assert_eq!(history[0]["code"], 200);
    assert!(history[0]["meaning"].is_string() && history[0]["received_at"].is_string());
    let quarantined = json_of(
        c.get(app.url("/api/quarantine?page=1"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("rej"),
    )
    .await;
    assert_eq!(quarantined, json!({"items": [], "total": 0}));
    // Admin edits with checks.
    let r = c
        .patch(app.url("/api/stands/rig1"))
        .bearer_auth(&token)
        .json(&json!({"camera_url": "ftp://x"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(app.url("/api/stands"))
        .bearer_auth(&token)
        .json(&json!({"id": "rig1"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = c
        .post(app.url("/api/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "new", "role": "overlord", "password": "long enough"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(app.url("/api/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "new", "role": "viewer", "password": "short"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A new stand's message refused at the registration cap, as the handler stores it.
    sqlx::query(
        "INSERT INTO quarantine (topic, reason, size, payload_sha256, kind)
         VALUES ('fake/inbound', 'over the cap', 2, '\\x00', 'registration_limit')",
    )
    .execute(&app.db.pool)
    .await
    .expect("quarantined");
    let metrics = c
        .get(app.url("/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.expect("text");
    for name in [
        "standhub_http_request_duration_seconds",
        "standhub_messages_stored",
        "standhub_stands 1",
        "standhub_stand_registrations_refused 1",
    ] {
        assert!(text.contains(name), "missing {name} in\n{text}");
    }
}

#[tokio::test]
async fn admins_see_the_scheduler_job_runs_with_their_errors_escaped() {
    let app = App::start().await;
    let mut conn = app.db.pool.acquire().await.expect("connection");
    use domain::store::job_runs as jobs;
    let ok = jobs::start(&mut conn, "retention", "sched-a")
        .await
        .expect("start");
    jobs::finish(&mut conn, ok, Ok(7)).await.expect("finish");
    let bad = jobs::start(&mut conn, "prune", "sched-a")
        .await
        .expect("start");
    jobs::finish(&mut conn, bad, Err("<b>disk full</b>"))
        .await
        .expect("finish");
    drop(conn);
    let admin = app.token("admin1", Role::Admin).await;

    let api: Value = app
        .client()
        .get(app.url("/api/jobs"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    let items = api["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["job"], "prune", "newest first");
    assert_eq!(items[0]["outcome"], "failed");
    assert_eq!(items[0]["error"], "<b>disk full</b>");
    assert_eq!(items[1]["outcome"], "ok");
    assert_eq!(items[1]["rows_touched"], 7);

    let html = app
        .client()
        .get(app.url("/admin/jobs"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("retention") && html.contains("prune"));
    assert!(html.contains("disk full"), "the error is shown");
    assert!(!html.contains("<b>disk full</b>"), "errors are escaped");
}

/// `next` after login is followed only when it stays on this site: `next=/%09/evil.example`
/// (a tab browsers drop, leaving `//evil.example`) and its relatives lead home instead.
#[tokio::test]
async fn login_never_redirects_off_the_site() {
    let mut app = App::start().await;
    app.user("olga", Role::Viewer).await;
    let (client, _) = app.login("olga").await;
    for (query, expected) in [
        ("next=/%09/evil.example", "/"),
        ("next=/%0a/evil.example", "/"),
        ("next=/%5C/evil.example", "/"),
        ("next=//evil.example", "/"),
        ("next=https://evil.example/", "/"),
        ("next=/results%3Fpage%3D2", "/results?page=2"),
    ] {
        let r = client
            .get(app.url(&format!("/login?{query}")))
            .send()
            .await
            .expect("login page");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{query}");
        let to = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default();
        assert_eq!(to, expected, "{query}");
    }
    // The login form's hidden `next` is checked the same way when the form is posted.
    let csrf_client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let r = login_request(
        &csrf_client,
        &app.url("/login"),
        &[
            ("username", "olga"),
            ("password", PASSWORD),
            ("next", "/\t/evil.example"),
        ],
    )
    .await
    .send()
    .await
    .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers().get("location").and_then(|l| l.to_str().ok()),
        Some("/")
    );
    app.shutdown().await;
}
