//! Compatibility with the stack we replace, driven the way its clients did: a stand with a
//! Danish id on the module guide's lowercase topics, end to end through the broker, the real
//! message handler, the pages, the API and the exports; and a paho-mqtt (Python) stand written
//! like the module guide's example.

mod common;

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use common::{App, read_csv, start_handler, stop_handler, subscriber};
use domain::store::users::Role;
use rumqttc::QoS;
use serde_json::{Value, json};
use test_support::messages;
use test_support::mqtt::TestClient;

/// The keys of a v1.1 message in the schema's order.
const SEVEN_KEYS: [&str; 7] = [
    "protocolVersion",
    "sentBy",
    "msgType",
    "commandList",
    "statusCode",
    "parameterObj",
    "dataObj",
];

/// Starts a run on `stand` through the API (answered 201) and returns its id.
async fn start_run(app: &App, token: &str, stand: &str, body: Value) -> i64 {
    let r = app
        .client()
        .post(app.url(&format!("/api/stands/{stand}/runs")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("run id")
}

/// Asks `url` (with `token`) until `done` accepts the JSON answer; the handler stores
/// asynchronously, so the API is the event to wait for.
async fn api_until(app: &App, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let client = app.client();
    let mut last = Value::Null;
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let r = client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .expect("api");
            if r.status() == 200 {
                last = r.json().await.expect("json");
                if done(&last) {
                    return last.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("{path} never matched; last answer: {last}"))
}

fn keys_of(message: &Value) -> Vec<&str> {
    message
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn a_danish_stand_on_the_module_guides_lowercase_topics_works_end_to_end() {
    let app = App::start().await;
    let (stop, handler) = start_handler(&app).await;
    let token = app.token("olga", Role::Operator).await;
    let stand = "prøvestand_3";
    let inbound = format!("Testdevice/{stand}/inbound");
    let mut inbox = subscriber(&app.broker.url(), &["Testdevice/+/outbound"]).await;
    // The stand publishes at QoS 2 and waits for the broker's PUBCOMP each time.
    let mut device = TestClient::connect(
        &app.broker.url(),
        &format!("compat-{}", test_support::uuid_like()),
    );

    // The stand reports itself on the lowercase topic and is registered under its Danish id.
    for code in ["600", "200"] {
        let status = messages::status(code, stand).to_string();
        device
            .publish_confirmed(&inbound, QoS::ExactlyOnce, status)
            .await;
    }
    let view = api_until(&app, &token, &format!("/api/stands/{stand}"), |v| {
        v["state"] == "ready"
    })
    .await;
    assert_eq!(view["id"], stand);

    // A test started from the API reaches it on the matching lowercase outbound topic, with
    // every key of v1.1 in the schema's order.
    let run_id = start_run(
        &app,
        &token,
        stand,
        json!({"parameters": {"gain": "007", "n": 3}, "commands": ["start"]}),
    )
    .await;
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the command arrives")
        .expect("subscriber alive");
    assert_eq!(topic, format!("Testdevice/{stand}/outbound"));
    let command: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(keys_of(&command), SEVEN_KEYS);
    assert_eq!(command["dataObj"], json!({}));
    assert_eq!(command["parameterObj"], json!({"gain": "007", "n": 3}));

    // It answers 202, then its data and 200, on the lowercase topic.
    let busy = messages::status("202", stand).to_string();
    device
        .publish_confirmed(&inbound, QoS::ExactlyOnce, busy)
        .await;
    let data = messages::data_text(
        stand,
        &["start"],
        &json!({"gain": "007", "n": 3}),
        r#"{"tid": [0.0, 0.5, 1.0], "spænding": [1.25, -2.5, 3.75]}"#,
    );
    device
        .publish_confirmed(&inbound, QoS::ExactlyOnce, data)
        .await;
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |v| {
        v["state"] == "completed"
    })
    .await;
    let result = run["result"].as_i64().expect("the run's result");

    // Its page, through the percent-encoded path a browser sends.
    app.user("vera", Role::Viewer).await;
    let (viewer, _) = app.login("vera").await;
    let r = viewer
        .get(app.url("/stands/pr%C3%B8vestand_3"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains(stand), "the page names the stand");
    assert!(
        html.contains(&format!("Testdevice/{stand}/outbound")),
        "{html}"
    );
    let dashboard = viewer
        .get(app.url("/"))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("html");
    assert!(dashboard.contains(&format!("/stands/{stand}")));
    let listed: Value = app
        .get_with_token("/api/stands", &token, "list")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .any(|s| s["id"] == stand),
        "{listed}"
    );

    // The exports.
    let csv = app
        .get_with_token(&format!("/results/{result}.csv"), &token, "csv")
        .await;
    assert_eq!(csv.status(), 200);
    let (header, rows) = read_csv(&csv.bytes().await.expect("body"));
    assert_eq!(header, ["tid", "spænding"]);
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, [["0", "1.25"], ["0.5", "-2.5"], ["1", "3.75"]]);

    let xlsx = app
        .get_with_token(&format!("/results/{result}.xlsx"), &token, "xlsx")
        .await;
    assert_eq!(xlsx.status(), 200);
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(xlsx.bytes().await.expect("body"))).expect("an xlsx file");
    let info = wb.worksheet_range("Info").expect("Info");
    let stand_row = info
        .rows()
        .find(|r| r.first() == Some(&Data::String("Stand".into())))
        .expect("a Stand row");
    assert_eq!(stand_row[1], Data::String(stand.into()));
    let data_sheet = wb.worksheet_range("Data").expect("Data");
    assert_eq!(
        data_sheet.rows().next().expect("header")[1],
        Data::String("spænding".into())
    );

    stop_handler(stop, handler).await;
}

/// The system python3 with Debian's python3-paho-mqtt (scripts/setup.sh installs it).
fn python3() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// The next line the Python stand prints, within 30 s.
async fn line_from(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> String {
    tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the Python stand prints in time")
        .expect("read its output")
        .expect("the Python stand ended early (is python3-paho-mqtt installed? scripts/setup.sh)")
}

#[tokio::test]
async fn a_paho_stand_written_like_the_module_guide_gets_all_seven_keys_and_is_stored() {
    // Debian's python3-paho-mqtt (1.6 on bookworm), as scripts/setup.sh installs it.
    paho_stand_round_trip(python3()).await;
}

/// The same stand on paho-mqtt 2.x (its callback API changed): the virtualenv
/// `.tools/paho2` that scripts/setup.sh makes, or the interpreter in `PAHO2_PYTHON`.
#[tokio::test]
async fn the_module_guides_paho_stand_also_runs_on_paho_mqtt_2() {
    let python = std::env::var("PAHO2_PYTHON").unwrap_or_else(|_| {
        let venv = test_support::repo_root().join(".tools/paho2/bin/python");
        venv.to_string_lossy().into_owned()
    });
    if !test_support::require_tool(
        std::path::Path::new(&python).exists(),
        "paho-mqtt 2.x in .tools/paho2",
        "scripts/setup.sh",
    ) {
        return;
    }
    let version = std::process::Command::new(&python)
        .args(["-c", "import paho.mqtt; print(paho.mqtt.__version__)"])
        .output()
        .expect("python");
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    assert!(version.starts_with("2."), "paho-mqtt {version} is not 2.x");
    paho_stand_round_trip(&python).await;
}

/// Runs `guide_stand.py` with `python` against the app and the real handler: the stand gets
/// a command with the seven keys in order and its answer on lowercase inbound is stored.
async fn paho_stand_round_trip(python: &str) {
    use tokio::io::AsyncBufReadExt;

    let app = App::start().await;
    let (stop, handler) = start_handler(&app).await;
    let token = app.token("olga", Role::Operator).await;
    let stand = "prøvestand_7";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/guide_stand.py");
    let mut python = tokio::process::Command::new(python)
        // A deprecated paho API (paho-mqtt 2's VERSION1 callbacks) counts as broken.
        .args(["-W", "error::DeprecationWarning"])
        .arg(script)
        .arg("127.0.0.1")
        .arg(app.broker.port.to_string())
        .arg(stand)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start python3");
    let mut lines = tokio::io::BufReader::new(python.stdout.take().expect("stdout")).lines();
    assert_eq!(line_from(&mut lines).await, "READY");
    api_until(&app, &token, &format!("/api/stands/{stand}"), |v| {
        v["state"] == "ready"
    })
    .await;
    let answer_on: Option<String> =
        sqlx::query_scalar("SELECT outbound_topic FROM stands WHERE id = $1")
            .bind(stand)
            .fetch_one(&app.db.pool)
            .await
            .expect("stand row");
    assert_eq!(answer_on, Some(format!("Testdevice/{stand}/outbound")));

    let run_id = start_run(
        &app,
        &token,
        stand,
        json!({"parameters": {"n": 4, "label": "1.10"}, "commands": ["start", "log"]}),
    )
    .await;

    // What the stand received, byte for byte as paho handed it over.
    let command = line_from(&mut lines).await;
    let raw = command.strip_prefix("COMMAND ").expect("a command line");
    let message: Value = serde_json::from_str(raw).expect("json");
    assert_eq!(keys_of(&message), SEVEN_KEYS, "{raw}");
    assert!(raw.ends_with(r#""dataObj":{}}"#), "{raw}");
    assert_eq!(message["msgType"], "command");
    assert_eq!(message["commandList"], json!(["start", "log"]));
    assert_eq!(message["parameterObj"], json!({"n": 4, "label": "1.10"}));
    assert_eq!(line_from(&mut lines).await, "SENT");
    let status = tokio::time::timeout(Duration::from_secs(30), python.wait())
        .await
        .expect("the Python stand exits")
        .expect("wait");
    assert!(status.success(), "the Python stand failed: {status}");

    // Its answer on the lowercase topic was stored as the run's result.
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |v| {
        v["state"] == "completed"
    })
    .await;
    let result = run["result"].as_i64().expect("result");
    let series: Vec<(String, Option<Vec<f64>>)> =
        domain::store::series::series(&app.db.pool, result, true)
            .await
            .expect("series")
            .into_iter()
            .map(|s| (s.name, s.values))
            .collect();
    assert_eq!(
        series,
        [
            ("x".to_owned(), Some(vec![0.0, 1.0, 2.0, 3.0])),
            ("y".to_owned(), Some(vec![0.0, 0.5, 1.0, 1.5])),
            ("old".to_owned(), Some(vec![0.0])),
        ]
    );
    let quarantined: i64 = sqlx::query_scalar("SELECT count(*) FROM quarantine")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(quarantined, 0);

    stop_handler(stop, handler).await;
}

/// The `Location` of a redirect.
fn location_of(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII")
        .to_owned()
}

#[tokio::test]
async fn a_never_heard_of_stand_starts_after_confirmation_by_api_and_form() {
    let mut app = App::start().await;
    app.stand("prøvestand_9", "unknown").await;
    app.stand("prøvestand_4", "offline").await;
    app.stand("b1", "busy").await;
    let token = app.token("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    let c = app.client();
    let start = |stand: &str, body: Value| {
        c.post(app.url(&format!("/api/stands/{stand}/runs")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    // API, as a script would: without `confirm` a 409 naming it; busy stays refused.
    let r = start("prøvestand_9", json!({"parameters": {"fs": "007"}}))
        .await
        .expect("post");
    assert_eq!(r.status(), 409);
    let msg = r.json::<Value>().await.expect("json")["error"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        msg.contains("unknown") && msg.contains("\"confirm\": true"),
        "{msg}"
    );
    let r = start("b1", json!({"confirm": true})).await.expect("post");
    assert_eq!(r.status(), 409, "busy is refused even when confirmed");
    let r = start(
        "prøvestand_9",
        json!({"parameters": {"fs": "007"}, "confirm": true}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 201);
    let run_id = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "prøvestand_9/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"fs": "007"}));
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |_| true).await;
    assert_eq!(run["confirmed_unheard"], true);
    assert_eq!(run["stand"], "prøvestand_9");

    // The form, as the operator uses it: asked first, then "start anyway".
    app.user("ole", Role::Operator).await;
    let (browser, csrf) = app.login("ole").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("param_name", "gain"),
        ("param_value", "1.10"),
        ("commands", "start\n"),
        ("keep", "true"),
    ];
    let r = browser
        .post(app.url("/stands/prøvestand_4/runs"))
        .form(&fields)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"start-anyway\""), "{html}");
    assert!(html.contains("Start it anyway?"), "{html}");
    assert_eq!(common::hidden_field(&html, "confirm"), "true");
    assert!(
        html.contains(r#"name="param_value" value="1.10""#),
        "the typed values are kept for the second submit"
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE stand_id = 'prøvestand_4'")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(runs, 0, "asking sends nothing");
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "true"));
    let r = browser
        .post(app.url("/stands/prøvestand_4/runs"))
        .form(&confirmed)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let location = location_of(&r);
    assert!(
        location.starts_with("/stands/pr%C3%B8vestand_4?started="),
        "the stand id is percent-encoded: {location}"
    );
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "prøvestand_4/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"gain": "1.10"}));
    let (confirmed_unheard, keep): (bool, bool) =
        sqlx::query_as("SELECT confirmed_unheard, keep FROM runs WHERE stand_id = 'prøvestand_4'")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert!(confirmed_unheard && keep);
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("started on confirmation"), "{page}");
    assert!(
        page.contains(domain::parameters::PARAMETER_RULE),
        "the parameter rule is shown next to the form"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn old_addresses_redirect_to_the_new_pages_and_downloads() {
    let mut app = App::start().await;
    let payload = common::data_message("demo_module", json!({"fs": 10}), r#"{"x": [1, 2]}"#);
    let ours = common::ingest(&app.db.pool, "demo_module", &payload)
        .await
        .expect("stored");
    // An old result id 17 that import-django took over as `ours`.
    sqlx::query("INSERT INTO django_imports (kind, old_id, result_id) VALUES ('package', 17, $1)")
        .bind(ours)
        .execute(&app.db.pool)
        .await
        .expect("mapping");
    let c = app.client();
    for (old, new) in [
        ("/demo_module/saved_data/17/", format!("/results/{ours}")),
        (
            "/demo_module/saved_data/csv/17/",
            format!("/results/{ours}.csv?layout=classic"),
        ),
        (
            "/demo_module/saved_data/excel/17/",
            format!("/results/{ours}.xlsx"),
        ),
        ("/demo_module/saved_data/", "/results".into()),
        ("/demo_module/", "/".into()),
        ("/demo_module", "/".into()),
        ("/demo_module/start_test/", "/stands/demo_module".into()),
        ("/demo_module/running_test/", "/stands/demo_module".into()),
        ("/demo_module/show_info", "/stands/demo_module".into()),
        ("/demo_module/no_such_page/", "/".into()),
        ("/admin/", "/admin/stands".into()),
        // Without the slash Django's APPEND_SLASH added, and the Django admin's own pages.
        ("/demo_module/saved_data/17", format!("/results/{ours}")),
        (
            "/demo_module/saved_data/csv/17",
            format!("/results/{ours}.csv?layout=classic"),
        ),
        (
            "/demo_module/saved_data/excel/17",
            format!("/results/{ours}.xlsx"),
        ),
        ("/demo_module/saved_data", "/results".into()),
        ("/admin/demo_module/status/", "/admin/stands".into()),
        ("/admin/login/?next=/admin/", "/admin/stands".into()),
        ("/admin/auth/user/", "/admin/users".into()),
        ("/admin/auth/user/3/change/", "/admin/users".into()),
    ] {
        let r = c.get(app.url(old)).send().await.expect("get");
        assert_eq!(r.status(), 308, "{old}");
        assert_eq!(location_of(&r), new, "{old}");
    }
    // An old id that was not imported is not taken as ours (result `ours` + 1 exists too: it
    // would be another test's data), nor is one that is not a number.
    let other = common::ingest(&app.db.pool, "demo_module", &payload)
        .await
        .expect("stored");
    for old in [
        format!("/demo_module/saved_data/{other}/"),
        format!("/demo_module/saved_data/csv/{other}/"),
        format!("/demo_module/saved_data/excel/{other}"),
        "/demo_module/saved_data/abc/".to_owned(),
    ] {
        let r = c
            .get(app.url(&old))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 404, "{old}");
        let page = r.text().await.expect("page");
        assert!(page.contains("was not imported here"), "{old}: {page}");
        assert!(page.contains("import-django"), "{old}");
    }
    // Followed with a session, the old CSV address downloads the classic layout.
    app.user("vera", Role::Viewer).await;
    let (browser, _) = app.login("vera").await;
    let r = browser
        .get(app.url("/demo_module/saved_data/csv/17/"))
        .send()
        .await
        .expect("get");
    let next = location_of(&r);
    let body = browser
        .get(app.url(&next))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        body.starts_with("Testdato,Oprettet af,Kommandoliste\r\n"),
        "{body}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_classic_csv_has_the_old_layout_cell_by_cell() {
    let mut app = App::start().await;
    let payload = common::data_message(
        "prøvestand_1",
        json!({"fs": 100, "gain": "007", "wave": "sine"}),
        r#"{"x": [1, 2, 3], "y": [2.5, 4, 6], "label": ["a", "b"]}"#,
    );
    let id = common::ingest(&app.db.pool, "prøvestand_1", &payload)
        .await
        .expect("stored");
    let received: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT received_at FROM results WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("received_at");
    let token = app.token("vera", Role::Viewer).await;
    let get = |query: &str| {
        app.client()
            .get(app.url(&format!("/results/{id}.csv{query}")))
            .bearer_auth(&token)
            .send()
    };
    let body = get("?layout=classic")
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("body");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_ref())
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows[0], ["Testdato", "Oprettet af", "Kommandoliste"]);
    assert_eq!(
        rows[1][0],
        received.format("%d/%m/%Y-%H:%M:%S").to_string(),
        "no run: the date the result arrived, written as the old stack stored it"
    );
    assert_eq!(rows[1][1], "prøvestand_1");
    assert_eq!(
        rows[1][2], "['start', '<b>measure</b>']",
        "the command list as the old CSV printed it (Python)"
    );
    assert_eq!(rows[1].len(), 3);
    let params: Vec<(&str, &str)> = rows[2]
        .iter()
        .map(String::as_str)
        .zip(rows[3].iter().map(String::as_str))
        .collect();
    assert_eq!(rows[2].len(), 3);
    assert_eq!(rows[3].len(), 3);
    for want in [("fs", "100"), ("gain", "007"), ("wave", "sine")] {
        assert!(params.contains(&want), "{want:?} in {params:?}");
    }
    assert_eq!(rows[4], ["x", "y", "label"]);
    // As the old stack's: CRLF, numbers as Python read them back, cut to the shortest series.
    assert_eq!(rows[5], ["1", "2.5", "a"]);
    assert_eq!(rows[6], ["2", "4", "b"]);
    assert_eq!(
        rows.len(),
        7,
        "uneven series are cut, as the old export did"
    );
    assert!(body.ends_with(b"2,4,b\r\n"), "CRLF line ends");
    // The default layout is unchanged: the series' names first.
    let plain = get("").await.expect("csv").text().await.expect("text");
    assert!(plain.starts_with("x,y,label\n1,2.5,a\n"), "{plain}");
    // The result page offers the classic layout.
    let page = app
        .client()
        .get(app.url(&format!("/results/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(&format!(
            r#"<a href="/results/{id}.csv?layout=classic" download id="csv-classic-link""#
        )),
        "{page}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn stand_ids_in_redirects_are_percent_encoded() {
    let mut app = App::start().await;
    app.user("ada", Role::Admin).await;
    let (browser, csrf) = app.login("ada").await;
    // Creating a stand with a Danish id leads to its admin page.
    let r = browser
        .post(app.url("/admin/stands"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("id", "prøvestand_5"),
            ("name", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert_eq!(location_of(&r), "/admin/stands/pr%C3%B8vestand_5");
    let page = browser
        .get(app.url(&location_of(&r)))
        .send()
        .await
        .expect("admin page");
    assert_eq!(page.status(), 200);
    // The login page sends a logged-in user on to `next`, encoded.
    let r = browser
        .get(app.url("/login?next=%2Fstands%2Fpr%C3%B8vestand_5"))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);
    assert_eq!(location_of(&r), "/stands/pr%C3%B8vestand_5");
    app.shutdown().await;
}

#[tokio::test]
async fn a_stand_added_with_the_module_guides_topics_gets_its_first_command_on_lowercase_outbound()
{
    let mut app = App::start().await;
    app.user("ada", Role::Admin).await;
    let (browser, csrf) = app.login("ada").await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/+"]).await;
    // The admin adds a stand built after the module guide, never heard yet.
    let page = browser
        .get(app.url("/admin/stands"))
        .send()
        .await
        .expect("admin page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"<option value="guide">module guide: commands on Testdevice/&#60;id&#62;/outbound</option>"#),
        "{page}"
    );
    let r = browser
        .post(app.url("/admin/stands"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("id", "prøvestand_7"),
            ("name", ""),
            ("topics", "guide"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let page = browser
        .get(app.url(&location_of(&r)))
        .send()
        .await
        .expect("stand admin page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"<option value="guide" selected>module guide: commands on Testdevice/prøvestand_7/outbound</option>"#),
        "{page}"
    );
    let token = app.token("olga", Role::Operator).await;
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(
        (&detail["topics"], &detail["legacy_topics"]),
        (&json!("guide"), &json!(true))
    );

    // A confirmed start reaches the stand where the guide has it listen.
    let run = start_run(&app, &token, "prøvestand_7", json!({"confirm": true})).await;
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "Testdevice/prøvestand_7/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(keys_of(&message), SEVEN_KEYS);
    let stored = api_until(&app, &token, &format!("/api/runs/{run}"), |_| true).await;
    assert_eq!(stored["confirmed_unheard"], true);

    // Saved again without changes, the edit form keeps the choice; the API can switch back.
    let r = browser
        .post(app.url("/admin/stands/prøvestand_7"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Prøvestand 7"),
            ("max_test_seconds", "60"),
            ("topics", "guide"),
        ])
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), 200);
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(detail["topics"], "guide");
    let admin = app.token("root", Role::Admin).await;
    let r = app
        .client()
        .patch(app.url("/api/stands/prøvestand_7"))
        .bearer_auth(&admin)
        .json(&json!({"topics": "standard"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let detail: Value = r.json().await.expect("json");
    assert_eq!(
        (&detail["topics"], &detail["legacy_topics"]),
        (&json!("standard"), &json!(false))
    );
    // Only the exact names: an empty or padded one is refused, not read as the default
    // (schemathesis found `{"topics": "", "legacy_topics": true}` creating a standard stand).
    for bad in ["Guide", "", " guide"] {
        let r = app
            .client()
            .patch(app.url("/api/stands/prøvestand_7"))
            .bearer_auth(&admin)
            .json(&json!({"topics": bad, "legacy_topics": true}))
            .send()
            .await
            .expect("patch");
        assert_eq!(r.status(), 400, "topics {bad:?} is refused");
        let r = app
            .client()
            .post(app.url("/api/stands"))
            .bearer_auth(&admin)
            .json(&json!({"id": "prøvestand_8", "topics": bad}))
            .send()
            .await
            .expect("post");
        assert_eq!(
            r.status(),
            400,
            "a new stand with topics {bad:?} is refused"
        );
    }
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(
        detail["topics"], "standard",
        "a refused edit changes nothing"
    );
    let r = app
        .client()
        .get(app.url("/api/stands/prøvestand_8"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404, "a refused stand is not created");
    app.shutdown().await;
}
