//! Schemathesis attacks every operation of a running web interface over seeded data and finds
//! no server error and no answer off the document; huge quarantine pages are answered.

use crate::common::App;
use crate::*;
use domain::store::users::Role;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

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
