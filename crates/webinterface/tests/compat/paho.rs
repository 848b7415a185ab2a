//! A paho-mqtt (Python) stand written like the module guide's example, on paho-mqtt 1 and 2.

use crate::common::{App, start_handler, stop_handler};
use crate::*;
use domain::store::users::Role;
use serde_json::{Value, json};
use std::time::Duration;

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
    assert_eq!(keys(&message), KEY_ORDER, "{raw}");
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
