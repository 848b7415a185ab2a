//! Verdicts end to end: the stand simulator (`standhub simulate`, a sine wave of the run's
//! amplitude and frequency) answers runs started from test templates with limits; the message
//! handler measures each result; the result page, the API, the results list's filter and
//! counts, and today's CSV and xlsx all say the same — one limit passed and one failed: fail;
//! a named value missing: error, never pass; a free-form run: no verdict.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Api, App, read_csv, start_handler, stop_handler};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::{wait_for, workspace_bin};

/// The simulator playing `stand` on the app's broker, answering at once.
struct Simulator(Child);

impl Simulator {
    fn start(app: &App, stand: &str) -> Self {
        let child = Command::new(workspace_bin("standhub"))
            .args([
                "simulate",
                "--stand",
                stand,
                "--busy-seconds",
                "0",
                "--mqtt-url",
            ])
            .arg(app.broker.url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("standhub simulate");
        Self(child)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A sine at `frequency` Hz of `amplitude`, 200 samples at 100 per second; its peak must stay
/// within 1 (fails for amplitude 2) and its frequency within 4.5–5.5 Hz (passes for 5 Hz).
fn sine_test(extra_limit: Option<Value>) -> Value {
    let mut limits = vec![
        json!({"name": "peak", "label": "Peak of the signal", "series": "signal",
               "measure": "max", "low": 0, "high": 1, "unit": "V"}),
        json!({"name": "hz", "series": "signal", "measure": "peak_frequency",
               "sample_rate": "fs", "low": 4.5, "high": 5.5, "unit": "Hz"}),
    ];
    limits.extend(extra_limit);
    json!({
        "name": if limits.len() > 2 { "Sine with temperature" } else { "Sine" },
        "commands": ["measure"],
        "parameters": [
            {"name": "amplitude", "type": "number", "unit": "V", "default": 2},
            {"name": "frequency", "type": "number", "unit": "Hz", "default": 5},
            {"name": "fs", "type": "integer", "default": 100},
            {"name": "samples", "type": "integer", "default": 200}
        ],
        "limits": limits
    })
}

/// Starts a run (of `template`, or free form) and waits for its result; the result's id.
async fn run_to_result(app: &App, token: &str, template: Option<i64>) -> i64 {
    let body = match template {
        Some(t) => json!({"template": t, "parameters": {}, "confirm": true}),
        None => json!({"parameters": {"amplitude": 2}, "commands": ["measure"], "confirm": true}),
    };
    let (status, run) = app
        .post_json_with_token("/api/stands/sim1/runs", token, &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run = run["id"].as_i64().expect("run id");
    wait_for(
        "the simulator's result",
        Duration::from_secs(30),
        || async {
            sqlx::query_scalar::<_, i64>("SELECT id FROM results WHERE run_id = $1")
                .bind(run)
                .fetch_optional(&app.db.pool)
                .await
                .expect("results")
        },
    )
    .await
}

/// The result's verdict from the API, once measured.
async fn verdict(app: &App, token: &str, id: i64) -> Value {
    wait_for("the verdict", Duration::from_secs(30), || async {
        let r: Value =
            serde_json::from_str(&app.get_ok_text(&format!("/api/results/{id}"), token).await)
                .expect("json");
        (r["verdict"]["state"] != "pending").then(|| r["verdict"].clone())
    })
    .await
}

/// The ids in `/api/results?verdict=…`.
async fn listed(app: &App, token: &str, verdict: &str) -> Vec<i64> {
    let list: Value = serde_json::from_str(
        &app.get_ok_text(&format!("/api/results?verdict={verdict}"), token)
            .await,
    )
    .expect("json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_results_are_judged_and_every_view_agrees() {
    let app = App::start().await;
    let (stop, handler) = start_handler(&app).await;
    let _sim = Simulator::start(&app, "sim1");
    wait_for("the simulator heard", Duration::from_secs(30), || async {
        let id = domain::StandId::parse("sim1").expect("id");
        domain::store::stands::get(&app.db.pool, &id, chrono::Duration::seconds(300))
            .await
            .expect("stand")
    })
    .await;
    let admin = app.api("ada", Role::Admin).await;
    let olga = app.token("olga", Role::Operator).await;
    let mut ids = Vec::new();
    for limits in [
        None,
        Some(json!({"name": "temperature", "scalar": "temperature",
                                      "low": 0, "high": 40, "unit": "°C"})),
    ] {
        let (status, t) = admin
            .post_call("/api/stands/sim1/templates", &sine_test(limits))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        ids.push(t["id"].as_i64().expect("template id"));
    }

    // Amplitude 2 at 5 Hz: the frequency passes, the peak fails; the verdict is fail.
    let failed = run_to_result(&app, &olga, Some(ids[0])).await;
    let v = verdict(&app, &olga, failed).await;
    assert_eq!(v["state"], "fail", "{v}");
    let rows = v["measurements"].as_array().expect("rows");
    assert_eq!(rows[0]["name"], "peak");
    assert_eq!(rows[0]["outcome"], "fail");
    assert!(
        (rows[0]["value"].as_f64().expect("peak") - 2.0).abs() < 0.01,
        "{v}"
    );
    assert_eq!(rows[1]["outcome"], "pass");
    assert_eq!(rows[1]["value"], 5.0);

    // A limit on a value the stand never sends: error, not pass (the rest pass: amplitude 1
    // is on the bound).
    let (status, started) = app
        .post_json_with_token(
            "/api/stands/sim1/runs",
            &olga,
            &json!({"template": ids[1], "parameters": {"amplitude": 1}, "confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let run = started["id"].as_i64().expect("run");
    let errored = wait_for("the result", Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT id FROM results WHERE run_id = $1")
            .bind(run)
            .fetch_optional(&app.db.pool)
            .await
            .expect("results")
    })
    .await;
    let v = verdict(&app, &olga, errored).await;
    assert_eq!(v["state"], "error", "{v}");
    assert_eq!(v["measurements"][2]["outcome"], "error");
    assert!(
        v["measurements"][2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("temperature")),
        "{v}"
    );

    // A free-form run (admins may start one beside the templates): no verdict.
    let free = run_to_result(&app, &admin.token, None).await;
    let r: Value = serde_json::from_str(
        &app.get_ok_text(&format!("/api/results/{free}"), &olga)
            .await,
    )
    .expect("json");
    assert_eq!(r["verdict"]["state"], "none");

    // The list filters and counts by verdict.
    assert_eq!(listed(&app, &olga, "fail").await, [failed]);
    assert_eq!(listed(&app, &olga, "error").await, [errored]);
    assert_eq!(listed(&app, &olga, "none").await, [free]);
    assert!(listed(&app, &olga, "pass").await.is_empty());
    let (browser, _) = app.login("olga").await;
    let page = app.text(&browser, "/results?verdict=fail").await;
    assert!(page.contains(&format!("id=\"result-{failed}\"")), "{page}");
    assert!(!page.contains(&format!("id=\"result-{errored}\"")));
    for (name, n) in [("pass", 0), ("fail", 1), ("error", 1), ("none", 1)] {
        assert!(
            page.contains(&format!(
                "<span class=\"verdict verdict-{name}\">{name}</span> {n}</a>"
            )),
            "{name} {n}: {page}"
        );
    }

    // The result page: the measurement table with its marks.
    let html = app.text(&browser, &format!("/results/{failed}")).await;
    assert!(
        html.contains("id=\"verdict\" data-verdict=\"fail\""),
        "{html}"
    );
    assert!(
        html.contains("<tr class=\"outcome-fail\" data-name=\"peak\">"),
        "{html}"
    );
    assert!(
        html.contains("<tr class=\"outcome-pass\" data-name=\"hz\">"),
        "{html}"
    );
    assert!(html.contains("0 – 1 V"), "{html}");

    // Today's CSV and xlsx carry the verdict after the series.
    let olga_api = Api::new(&app, &olga);
    let csv = olga_api
        .download(&format!("/results/{failed}.csv"), "text/csv")
        .await;
    let (header, rows) = read_csv(&csv.body);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(&rows[0][col("verdict")], "fail");
    assert_eq!(&rows[0][col("verdict: measurement")], "peak");
    assert_eq!(&rows[0][col("verdict: outcome")], "fail");
    assert_eq!(&rows[1][col("verdict: outcome")], "pass");
    assert_eq!(&rows[1][col("verdict: value")], "5");
    let xlsx = olga_api
        .download(&format!("/results/{failed}.xlsx"), "")
        .await;
    use calamine::Reader;
    let mut book = xlsx.workbook();
    let sheet = book.worksheet_range("Data").expect("Data");
    let heads: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = heads
        .iter()
        .position(|h| h == "verdict")
        .expect("verdict column");
    assert_eq!(
        sheet.get((1, at)).map(|c| c.to_string()).as_deref(),
        Some("fail")
    );

    stop_handler(stop, handler).await;
}
