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
use serde_json::{Value, json};

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

/// Publishes `message` on `topic` at QoS 2 as a stand would, and waits for the broker's PUBCOMP.
async fn stand_publishes(broker: &str, topic: &str, message: &Value) {
    let url: domain::config::MqttUrl = broker.parse().expect("url");
    let options = rumqttc::MqttOptions::new(
        format!("compat-{}", uuid::Uuid::new_v4()),
        url.host,
        url.port,
    );
    let (client, mut events) = rumqttc::AsyncClient::new(options, 10);
    client
        .publish(topic, rumqttc::QoS::ExactlyOnce, false, message.to_string())
        .await
        .expect("queue");
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubComp(_))) => break,
                Ok(_) => {}
                Err(e) => panic!("stand publish: {e}"),
            }
        }
    })
    .await
    .expect("PUBCOMP");
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

    // The stand reports itself on the lowercase topic and is registered under its Danish id.
    for code in ["600", "200"] {
        let status = json!({"protocolVersion": 1.1, "sentBy": stand, "msgType": "status",
                            "statusCode": code});
        stand_publishes(&app.broker.url(), &inbound, &status).await;
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
    let busy = json!({"protocolVersion": 1.1, "sentBy": stand, "msgType": "status",
                      "statusCode": "202"});
    stand_publishes(&app.broker.url(), &inbound, &busy).await;
    let data = json!({"protocolVersion": 1.1, "sentBy": stand, "msgType": "data",
        "commandList": ["start"], "statusCode": "200", "parameterObj": {"gain": "007", "n": 3},
        "dataObj": {"tid": [0.0, 0.5, 1.0], "spænding": [1.25, -2.5, 3.75]}});
    stand_publishes(&app.broker.url(), &inbound, &data).await;
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
    use tokio::io::AsyncBufReadExt;

    let app = App::start().await;
    let (stop, handler) = start_handler(&app).await;
    let token = app.token("olga", Role::Operator).await;
    let stand = "prøvestand_7";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/guide_stand.py");
    let mut python = tokio::process::Command::new(python3())
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
    let series: Vec<(String, Option<Vec<f64>>)> = sqlx::query_as(
        "SELECT name, \"values\" FROM result_series WHERE result_id = $1 ORDER BY position",
    )
    .bind(result)
    .fetch_all(&app.db.pool)
    .await
    .expect("series");
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
