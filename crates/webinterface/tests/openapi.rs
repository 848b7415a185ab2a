//! The OpenAPI document of the JSON API: it lists every `/api/` route the router serves (no
//! more, no fewer, methods too), every error answer is the one `ErrorBody` shape, it is served
//! with the docs page, and schemathesis attacks every operation of a running web interface
//! (with an admin token, over seeded data), tests all of them and finds no server error and no
//! answer that differs from the document. Where the router answers (a wrong method, a path
//! segment that cannot be read, `/api` itself) the error is the same JSON.

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
    // The only `/api/` routes left out are the 404s of unknown paths.
    let left_out: Vec<_> = webinterface::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") && !webinterface::openapi::documented(r))
        .map(|r| r.path)
        .collect();
    assert_eq!(left_out, ["/api/", "/api/{*rest}"]);
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
            if path.contains('{') {
                let bad = responses
                    .get("400")
                    .unwrap_or_else(|| panic!("{what}: no 400"));
                let said = bad["description"].as_str().unwrap_or_default();
                assert!(said.contains("path segment"), "{what}: {said}");
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

    // Logged out, a browser is sent to log in (a script gets 401).
    let r = c
        .get(app.url("/docs/api"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
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

/// The request side says what the handlers take: `commands` is an array of strings (the
/// handler refuses anything else, tests/http.rs), the x–y plot's axes are required, the
/// `kept` pattern takes every case the parser takes and nothing it refuses, and
/// `POST /api/users` documents its 503 with `Retry-After`.
#[test]
fn the_document_says_what_the_handlers_take() {
    let doc = document();
    let commands = &doc["components"]["schemas"]["StartRun"]["properties"]["commands"];
    assert_eq!(commands["type"], "array", "{commands}");
    assert_eq!(commands["items"]["type"], "string", "{commands}");

    let busy = &doc["paths"]["/api/users"]["post"]["responses"]["503"];
    assert_eq!(
        busy["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(
        busy["headers"]["Retry-After"]["schema"]["type"], "integer",
        "{busy}"
    );

    // The x–y plot answers 400 without `x` or `y`: both are required.
    for p in doc["paths"]["/api/results/{id}/xy"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
    {
        assert_eq!(p["required"], true, "{p}");
    }

    let kept = doc["paths"]["/api/results"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "kept")
        .expect("kept")["schema"]["pattern"]
        .as_str()
        .expect("a pattern")
        .to_owned();
    let pattern = regex::Regex::new(&kept).expect("the pattern compiles");
    let parse = |v: &str| {
        webinterface::results::params::ListParams {
            kept: Some(v.to_owned()),
            ..Default::default()
        }
        .parse()
    };
    for word in [
        "true", "yes", "1", "on", "false", "no", "0", "off", "any", "",
    ] {
        let mut capital = word.to_owned();
        if let Some(first) = capital.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let alternating: String = word
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        for v in [
            word.to_owned(),
            word.to_ascii_uppercase(),
            capital,
            alternating,
        ] {
            assert!(pattern.is_match(&v), "the pattern refuses kept={v:?}");
            assert!(parse(&v).is_ok(), "the parser refuses kept={v:?}");
        }
    }
    for v in ["maybe", "tru", "yess", "2", "on1", "true,false"] {
        assert!(!pattern.is_match(v), "the pattern takes kept={v:?}");
        assert!(parse(v).is_err(), "the parser takes kept={v:?}");
    }
}

/// The answers' schemas are the domain's own types: a run's state and a job run's outcome are
/// enums of exactly the names the store reads (not free strings), and every stand id is the one
/// `StandId` schema.
#[test]
fn states_and_stand_ids_are_described_by_the_domain_types() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let names = |all: &[&str]| json!(all);
    assert_eq!(
        schemas["RunState"]["enum"],
        names(&domain::RunState::ALL.map(domain::RunState::as_str)),
        "{}",
        schemas["RunState"]
    );
    assert_eq!(
        schemas["JobOutcome"]["enum"],
        names(&domain::JobOutcome::ALL.map(domain::JobOutcome::as_str)),
        "{}",
        schemas["JobOutcome"]
    );
    let refers = |schema: &str, field: &str, to: &str| {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(
            property["$ref"],
            format!("#/components/schemas/{to}"),
            "{schema}.{field}: {property}"
        );
    };
    refers("Run", "state", "RunState");
    refers("RunSummary", "state", "RunState");
    refers("Started", "state", "RunState");
    refers("JobRun", "outcome", "JobOutcome");
    for (schema, field) in [
        ("Run", "stand"),
        ("ResultItem", "stand"),
        ("Result", "stand"),
        ("Stand", "id"),
    ] {
        refers(schema, field, "StandId");
    }
    let stand_id = &schemas["StandId"];
    assert_eq!(
        (
            &stand_id["type"],
            &stand_id["minLength"],
            &stand_id["maxLength"]
        ),
        (
            &json!("string"),
            &json!(1),
            &json!(domain::StandId::MAX_LEN)
        ),
        "{stand_id}"
    );
}

/// Every password hashing permit taken: `POST /api/users` is the documented 503 with
/// `Retry-After` and the JSON error, and nothing is added; with a permit free it works.
#[tokio::test]
async fn a_busy_password_hasher_is_the_documented_503() {
    let mut app = App::start().await;
    let admin = app.token("admin1", Role::Admin).await;
    let all = u32::try_from(app.state.config().password_hash_concurrency).expect("permits");
    let held = app
        .state
        .password_permits()
        .clone()
        .acquire_many_owned(all)
        .await
        .expect("every permit");
    let new_user = json!({"username": "olga", "role": "viewer", "password": "long enough"});
    let post = || {
        app.client()
            .post(app.url("/api/users"))
            .bearer_auth(&admin)
            .json(&new_user)
            .send()
    };
    let r = post().await.expect("answered");
    assert_eq!(r.status(), 503);
    let wait = r.headers()["retry-after"].to_str().expect("retry-after");
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
    let r = post().await.expect("answered");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    app.shutdown().await;
}

/// `path` with every placeholder `{…}` replaced by `fill(name)`.
fn fill(path: &str, fill: impl Fn(&str) -> String) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => fill(name.trim_start_matches('*')),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
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
    let admin = app.token("admin1", Role::Admin).await;
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
        let r = c
            .request(probe.clone(), app.url(&fill(path, |_| "1".into())))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("probe");
        assert_eq!(r.status(), 405, "{what}");
        let allow: BTreeSet<String> = r.headers()["allow"]
            .to_str()
            .expect("allow")
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
                    let mut req = c.request(method, app.url(&url)).bearer_auth(&admin);
                    if m != "get" && m != "delete" {
                        req = req.json(&json!({}));
                    }
                    let r = req.send().await.expect("send");
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

/// Schemathesis (every check but `positive_data_acceptance`, `SCHEMATHESIS_EXAMPLES` cases an
/// operation, default 100) against a running web interface with an admin token: it must find
/// nothing, test every operation of the document (none skipped or errored), send each at
/// least one request that is not refused, and generate at least 10 cases an operation on
/// average. The counts (cases, requests, answers by operation and status class) are printed
/// on stderr: `cargo nextest run -p webinterface --test openapi --no-capture schemathesis`
/// (or `--success-output immediate`) shows them for a passing run.
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
    let examples: usize = std::env::var("SCHEMATHESIS_EXAMPLES")
        .map_or(Ok(100), |v| v.parse())
        .expect("SCHEMATHESIS_EXAMPLES is a number");
    // Its cache of past crashes and its reports go to a temporary folder, not into the crate.
    let workdir = tempfile::tempdir().expect("tempdir");
    let report_path = workdir.path().join("report.json");
    let events_path = workdir.path().join("events.ndjson");
    let url = app.url("/api/openapi.json");
    let auth = format!("Authorization: Bearer {admin}");
    let started = std::time::Instant::now();
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
        .args(["--max-examples", &examples.to_string()])
        // Every path: schemathesis leaves out the operation that served it the document
        // (`GET /api/openapi.json`) unless a filter names it, and this one names them all.
        .args(["--include-path-regex", "^/api/"])
        // One worker: CPython 3.11 keeps the AST validator's recursion depth in state shared by
        // threads (CPython gh-106905), so two workers parsing lambdas for hypothesis at once
        // crash schemathesis with "AST constructor recursion depth mismatch".
        .args(["--workers", "1", "--request-timeout", "20"])
        .args(["--suppress-health-check", "all"])
        // The run's verdict (operations tested, skipped, errored; cases generated) and every
        // request it sent with its answer, read below.
        .args(["--report", "json,ndjson", "--report-json-path"])
        .arg(&report_path)
        .arg("--report-ndjson-path")
        .arg(&events_path)
        .env("NO_COLOR", "1")
        .current_dir(workdir.path())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(300), cmd)
        .await
        .expect("schemathesis finished within 5 minutes")
        .expect("schemathesis runs");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Its own summary, warnings included (shown with the counts below).
    eprintln!("{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&report_path).expect("schemathesis wrote its JSON report"),
    )
    .expect("the JSON report");
    let events = std::fs::read_to_string(&events_path).expect("schemathesis wrote its events");

    // Every operation of the document, with what was sent to it and how it was answered.
    let doc = document();
    let tally = Tally::of(&doc, &events);
    let operations = tally.operations.len();
    eprintln!(
        "schemathesis: {operations} operations, {} test cases generated, {} requests sent \
         ({} to methods a path does not take, {} to no operation), {:.0} s, \
         --max-examples {examples}",
        report["test_cases"]["generated"],
        tally.requests(),
        tally.unsupported,
        tally.elsewhere,
        took.as_secs_f64()
    );
    eprintln!(
        "{:>8} {:>6} {:>6} {:>6}  operation",
        "requests", "2xx", "4xx", "5xx"
    );
    for ((method, path), seen) in &tally.operations {
        eprintln!(
            "{:>8} {:>6} {:>6} {:>6}  {} {path}",
            seen.requests,
            seen.by_class[2],
            seen.by_class[4],
            seen.by_class[5],
            method.to_ascii_uppercase()
        );
    }

    assert!(
        out.status.success(),
        "schemathesis found problems (exit {:?}); its report is above",
        out.status.code()
    );
    // Every operation was tested: none skipped, none errored, none left without a request.
    let ops = &report["operations"];
    assert_eq!(ops["total"], operations, "{ops}");
    assert_eq!(ops["selected"], operations, "{ops}");
    assert_eq!(ops["tested"], operations, "{ops}");
    assert_eq!(ops["skipped"], 0, "{ops}");
    assert_eq!(ops["errored"], 0, "{ops}");
    assert_eq!(report["test_cases"]["errored"], 0, "{report}");
    assert!(
        report["errors"].as_array().is_some_and(Vec::is_empty),
        "{report}"
    );
    for ((method, path), seen) in &tally.operations {
        let what = format!("{} {path}", method.to_ascii_uppercase());
        assert!(seen.requests > 0, "{what} got no request");
        // The admin token worked: not every answer a refusal, so a broken login cannot pass
        // as "every answer documented".
        assert!(
            seen.requests > seen.refused,
            "{what}: all {} answers were 401/403",
            seen.requests
        );
        assert_eq!(seen.by_class[5], 0, "{what} answered 5xx");
    }
    // At least a few generated cases for each operation on average (hypothesis stops early
    // on operations with little to vary, such as `GET /api/me`).
    let floor = operations * examples.min(10);
    let generated = report["test_cases"]["generated"].as_u64().unwrap_or(0);
    assert!(
        generated >= floor as u64,
        "only {generated} test cases generated, fewer than {floor}"
    );
    assert!(
        tally.requests() >= floor,
        "only {} requests",
        tally.requests()
    );
    app.shutdown().await;
}

/// What one operation got during the run.
#[derive(Default)]
struct Seen {
    requests: usize,
    /// Answers by status class: `by_class[2]` the 2xx, ….
    by_class: [usize; 6],
    /// 401 and 403 answers.
    refused: usize,
}

/// Schemathesis's requests, from its NDJSON event log, attributed to the document's
/// operations by method and path template.
struct Tally {
    operations: std::collections::BTreeMap<(String, String), Seen>,
    /// Requests to a documented path with a method it does not take (the 405 probes).
    unsupported: usize,
    /// Requests to no documented path at all.
    elsewhere: usize,
}

impl Tally {
    fn of(doc: &Value, events: &str) -> Self {
        let mut operations = std::collections::BTreeMap::new();
        let mut templates = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            let pattern = format!(
                "^{}$",
                fill(
                    &regex::escape(path).replace("\\{", "{").replace("\\}", "}"),
                    |_| { "[^/]+".into() }
                )
            );
            templates.push((regex::Regex::new(&pattern).expect("template"), path.clone()));
            for m in METHODS {
                if item.get(m).is_some() {
                    operations.insert((m.to_owned(), path.clone()), Seen::default());
                }
            }
        }
        let mut tally = Self {
            operations,
            unsupported: 0,
            elsewhere: 0,
        };
        for line in events.lines() {
            let event: Value = serde_json::from_str(line).expect("an NDJSON event");
            let Some(interactions) = event
                .pointer("/ScenarioFinished/recorder/interactions")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for interaction in interactions.values() {
                let request = &interaction["request"];
                let method = request["method"].as_str().unwrap_or_default();
                let uri = request["uri"].as_str().unwrap_or_default();
                let path = uri
                    .split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
                    .unwrap_or(uri);
                let path = path.split(['?', '#']).next().unwrap_or(path);
                let status = interaction["response"]["status_code"].as_u64();
                let Some((_, template)) = templates.iter().find(|(re, _)| re.is_match(path)) else {
                    tally.elsewhere += 1;
                    continue;
                };
                let key = (method.to_ascii_lowercase(), template.clone());
                let Some(seen) = tally.operations.get_mut(&key) else {
                    tally.unsupported += 1;
                    continue;
                };
                seen.requests += 1;
                if let Some(status) = status {
                    seen.by_class[(status / 100).min(5) as usize] += 1;
                    if status == 401 || status == 403 {
                        seen.refused += 1;
                    }
                }
            }
        }
        tally
    }

    /// Every request sent, to whatever path.
    fn requests(&self) -> usize {
        self.operations.values().map(|s| s.requests).sum::<usize>()
            + self.unsupported
            + self.elsewhere
    }
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
