//! What a running web interface answers: the document and its docs page, the documented 503 of
//! a busy password hasher, wrong methods, bad segments and the API root in JSON.

use crate::common::{App, header_of};
use crate::*;
use domain::store::users::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[tokio::test]
async fn the_document_and_the_docs_page_are_served() {
    let mut app = App::start().await;
    let viewer = app.api("viewer1", Role::Viewer).await;
    let c = app.client();

    // Public, and the same document the code generates.
    let r = app.get_anonymous("/api/openapi.json").await;
    assert_eq!(r.status(), 200);
    let served: Value = r.json().await.expect("json");
    assert_eq!(served, document());

    // The page lists every operation, with no script of its own (the CSP forbids inline ones).
    let r = viewer.get("/docs/api").await;
    assert_eq!(r.status(), 200);
    let csp = header_of(&r, "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().await.expect("html");
    for (path, item) in served["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                let shown = format!("{} {}", m.to_ascii_uppercase(), path);
                assert!(html.contains(&shown), "the page lacks {shown}");
            }
        }
    }
    assert!(html.contains("ErrorBody"));
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/static/").count(),
        "only the app's own script files"
    );
    assert!(
        html.contains("href=\"/docs/api\""),
        "linked from the navigation"
    );

    // Logged out, a browser is sent to log in (a script gets 401).
    let r = app.navigate(&c, "/docs/api").await;
    assert_eq!(r.status(), 303);

    // An unknown API route names the docs.
    let r = viewer.get("/api/no/such/thing").await;
    assert_eq!(r.status(), 404);
    let said = json_error(r, "an unknown API route").await;
    assert!(
        said.contains("/docs/api") && said.contains("/api/openapi.json"),
        "{said}"
    );
    app.shutdown().await;
}

/// Every password hashing permit taken: `POST /api/users` is the documented 503 with
/// `Retry-After` and the JSON error, and nothing is added; with a permit free it works.
#[tokio::test]
async fn a_busy_password_hasher_is_the_documented_503() {
    let mut app = App::start().await;
    let admin = app.api("admin1", Role::Admin).await;
    let held = app.hold_password_permits().await;
    let new_user = json!({"username": "olga", "role": "viewer", "password": "long enough"});
    let r = admin.post("/api/users", &new_user).await;
    assert_eq!(r.status(), 503);
    let wait = header_of(&r, "retry-after");
    assert!(wait.parse::<u64>().is_ok_and(|s| s > 0), "{wait}");
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"].as_str().expect("error").contains("busy"),
        "{body}"
    );
    let documented = &document()["paths"]["/api/users"]["post"]["responses"];
    assert!(documented.get("503").is_some(), "{documented}");
    assert!(
        domain::store::users::by_username(&app.db.pool, "olga")
            .await
            .expect("lookup")
            .is_none()
    );
    drop(held);
    let r = admin.post("/api/users", &new_user).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    app.shutdown().await;
}

async fn json_error(r: reqwest::Response, what: &str) -> String {
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("application/json"), "{what}: {ct}");
    let body: Value = r.json().await.expect("json");
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {body}"))
        .to_owned()
}

/// The one error shape holds where the router, not a handler, answers: a method a path does
/// not take (405 with `Allow` listing exactly the table's methods), a path segment that is
/// not UTF-8 or not the number the path takes (400), and `/api`, `/api/` (404 naming the
/// docs).
#[tokio::test]
async fn the_router_answers_wrong_methods_bad_segments_and_the_api_root_in_json() {
    let mut app = App::start().await;
    let admin = app.api("admin1", Role::Admin).await;
    let c = app.client();
    let table = webinterface::route_table();
    // A method no route takes (PUT is taken by `PUT /api/templates/{id}`).
    let probe = reqwest::Method::TRACE;
    assert!(
        table.iter().all(|r| r.method != probe),
        "{probe} is used now: pick another method this test sends"
    );
    let mut by_path: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    for r in table.iter().filter(|r| r.kind == webinterface::Kind::Api) {
        if webinterface::extract::API_NOT_FOUND_PATHS.contains(&r.path) {
            continue;
        }
        by_path
            .entry(r.path)
            .or_default()
            .insert(r.method.as_str().to_owned());
    }
    assert!(by_path.len() >= 20, "{by_path:?}");
    for (path, methods) in &by_path {
        let what = format!("{probe} {path}");
        let r = admin
            .send(probe.clone(), &fill(path, |_| "1".into()), None)
            .await;
        assert_eq!(r.status(), 405, "{what}");
        let allow: BTreeSet<String> = header_of(&r, "allow")
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| m != "HEAD")
            .collect();
        assert_eq!(&allow, methods, "{what}");
        let said = json_error(r, &what).await;
        assert!(
            said.contains(probe.as_str()) && said.contains("Allow"),
            "{what}: {said}"
        );
    }

    // Each placeholder of each documented operation, alone: bytes that are not UTF-8, and
    // (where the document says integer) a word.
    let doc = document();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let placeholders: Vec<(String, bool)> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    let name = p["name"].as_str().expect("name").to_owned();
                    (name, p["schema"]["type"] == "integer")
                })
                .collect();
            for (name, integer) in &placeholders {
                let mut bad = vec!["%FF%FE"];
                if *integer {
                    bad.push("abc");
                }
                for b in bad {
                    let url = fill(path, |n| if n == name { b.into() } else { "1".into() });
                    let what = format!("{m} {url}");
                    let method = reqwest::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                        .expect("method");
                    let body = (m != "get" && m != "delete").then(|| json!({}));
                    let r = admin.send(method, &url, body.as_ref()).await;
                    assert_eq!(r.status(), 400, "{what}");
                    let said = json_error(r, &what).await;
                    assert!(said.contains(name.as_str()), "{what}: {said}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} bad segments sent");
    for path in ["/api", "/api/"] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let what = format!("{method} {path}");
            let r = c.request(method, app.url(path)).send().await.expect("send");
            assert_eq!(r.status(), 404, "{what}");
            let said = json_error(r, &what).await;
            assert!(said.contains("/docs/api"), "{what}: {said}");
        }
    }
    app.shutdown().await;
}
