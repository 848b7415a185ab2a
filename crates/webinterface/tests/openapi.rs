//! The OpenAPI document of the JSON API: it lists every `/api/` route the router serves (no
//! more, no fewer, methods too), every error answer is the one `ErrorBody` shape, it is served
//! with the docs page, and schemathesis attacks every operation of a running web interface
//! (with an admin token, over seeded data) and finds no server error and no answer that
//! differs from the document.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::App;
use domain::store::users::Role;
use serde_json::{Value, json};

fn document() -> Value {
    serde_json::to_value(webinterface::openapi::document()).expect("document as JSON")
}

const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

#[test]
fn the_document_lists_every_api_route_and_nothing_else() {
    let doc = document();
    let served: BTreeSet<(String, String)> = webinterface::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .filter(|r| webinterface::openapi::documented(r))
        .map(|r| (r.method.as_str().to_ascii_lowercase(), r.path.to_owned()))
        .collect();
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| ((*m).to_owned(), path.clone()))
        })
        .collect();
    let missing: Vec<_> = served.difference(&described).collect();
    let extra: Vec<_> = described.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the document but not served: {extra:?}"
    );
    assert!(served.len() >= 25, "only {} API routes", served.len());
    // The only `/api/` route left out is the catch-all 404.
    let left_out: Vec<_> = webinterface::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") && !webinterface::openapi::documented(r))
        .map(|r| r.path)
        .collect();
    assert_eq!(left_out, ["/api/{*rest}"]);
}

#[test]
fn every_operation_names_its_role_and_every_error_is_an_error_body() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "An API token: `webinterface createtoken USER` or `POST /api/tokens`"})
    );
    let table = webinterface::route_table();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            operations += 1;
            let what = format!("{m} {path}");
            let route = table
                .iter()
                .find(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(m))
                .unwrap_or_else(|| panic!("{what} not in the route table"));
            let role = route.least.map_or("public", Role::as_str);
            assert_eq!(op["x-required-role"], role, "{what}");
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(match route.least {
                    None => "Public",
                    Some(_) => role,
                }),
                "{what}: {description}"
            );
            if route.least.is_some() {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{what}");
            } else {
                assert!(op.get("security").is_none(), "{what}");
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("401"), "{what}");
            assert!(responses.contains_key("500"), "{what}");
            if route.least > Some(Role::Viewer) {
                assert!(responses.contains_key("403"), "{what}");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} answers {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 25);
    assert_eq!(
        doc["components"]["schemas"]["ErrorBody"]["required"],
        json!(["error"])
    );
}

#[tokio::test]
async fn the_document_and_the_docs_page_are_served() {
    let mut app = App::start().await;
    let viewer = app.token("viewer1", Role::Viewer).await;
    let c = app.client();

    // Public, and the same document the code generates.
    let r = c
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let served: Value = r.json().await.expect("json");
    assert_eq!(served, document());

    // The page lists every operation, with no script of its own (the CSP forbids inline ones).
    let r = c
        .get(app.url("/docs/api"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
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

    // Logged out, the page is a login redirect.
    let r = c.get(app.url("/docs/api")).send().await.expect("page");
    assert_eq!(r.status(), 303);

    // An unknown API route names the docs.
    let r = c
        .get(app.url("/api/no/such/thing"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.expect("json");
    let said = body["error"].as_str().expect("error");
    assert!(
        said.contains("/docs/api") && said.contains("/api/openapi.json"),
        "{said}"
    );
    app.shutdown().await;
}

/// The schemathesis command: `SCHEMATHESIS`, else the one `scripts/setup.sh` installs, else on
/// the `PATH`. Missing: the test fails under CI and is skipped (loudly) elsewhere.
fn schemathesis() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCHEMATHESIS") {
        return Some(PathBuf::from(p));
    }
    let local = test_support::repo_root().join(".tools/schemathesis/bin/schemathesis");
    if local.exists() {
        return Some(local);
    }
    let on_path = std::process::Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    on_path.then(|| PathBuf::from("schemathesis"))
}

/// Seeds what the paths can hit: a ready stand (`rig1`, the document's example) and others in
/// every state, results with numeric and text series, a quarantined message, a run.
async fn seed(app: &App, admin: &str) {
    app.stand("rig1", "ready").await;
    for (id, state) in [
        ("rig2", "busy"),
        ("rig3", "off"),
        ("rig4", "offline"),
        ("rig5", "error"),
    ] {
        app.stand(id, state).await;
    }
    for n in 0..5 {
        let data = format!(
            r#"{{"volts": [{}], "label": ["a", "b"]}}"#,
            (0..64)
                .map(|i| ((i * (n + 1)) % 7).to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let payload = common::data_message("rig1", json!({"fs": 1000}), &data);
        common::ingest(&app.db.pool, "rig1", &payload)
            .await
            .expect("a result");
    }
    assert!(
        common::ingest(&app.db.pool, "rig1", b"{not json")
            .await
            .is_none()
    );
    let r = app
        .client()
        .post(app.url("/api/stands/rig1/runs"))
        .bearer_auth(admin)
        .json(&json!({"parameters": {"fs": 1000}, "commands": ["start"]}))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_document() {
    let found = schemathesis();
    let install = "scripts/setup.sh installs it in .tools/";
    if !test_support::require_tool(found.is_some(), "schemathesis", install) {
        return;
    }
    let st = found.expect("require_tool passed");
    let mut app = App::start().await;
    let admin = app.token("admin1", Role::Admin).await;
    seed(&app, &admin).await;
    let examples = std::env::var("SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "100".into());
    // Its cache of past crashes goes to a temporary folder, not into the crate.
    let workdir = tempfile::tempdir().expect("tempdir");
    let url = app.url("/api/openapi.json");
    let auth = format!("Authorization: Bearer {admin}");
    let cmd = tokio::process::Command::new(&st)
        .args(["run", &url, "-H", &auth])
        // Every check but `positive_data_acceptance`: it wants every schema-valid request
        // accepted, but the API rightly refuses some that JSON Schema cannot describe (a NUL
        // character anywhere in a free-form `parameters` object, a date that does not exist, a
        // `from` after `to`, starting a test on a stand that is not ready...). Those answers
        // are documented 4xx, and the status code check still holds them to the document.
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--max-examples", &examples])
        // One worker: CPython 3.11 keeps the AST validator's recursion depth in state shared by
        // threads (CPython gh-106905), so two workers parsing lambdas for hypothesis at once
        // crash schemathesis with "AST constructor recursion depth mismatch".
        .args(["--workers", "1", "--request-timeout", "20"])
        .args(["--suppress-health-check", "all"])
        .env("NO_COLOR", "1")
        .current_dir(workdir.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(300), cmd)
        .await
        .expect("schemathesis finished within 5 minutes")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    let generated = stdout
        .lines()
        .find(|l| {
            l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains(" generated")
        })
        .unwrap_or("(no count printed)");
    println!("schemathesis test cases: {}", generated.trim());
    assert!(
        out.status.success(),
        "schemathesis found problems (exit {:?}); its report is above",
        out.status.code()
    );
    app.shutdown().await;
}

/// Found by schemathesis: a huge `page` overflowed the offset (a panic in debug builds).
#[tokio::test]
async fn huge_quarantine_pages_are_answered_not_overflowed() {
    let mut app = App::start().await;
    let viewer = app.token("viewer1", Role::Viewer).await;
    for path in [
        "/api/quarantine?page=18446744073709553&per_page=500",
        "/quarantine?page=9223372036854775807",
    ] {
        let r = app
            .client()
            .get(app.url(path))
            .bearer_auth(&viewer)
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 200, "{path}");
    }
    app.shutdown().await;
}
