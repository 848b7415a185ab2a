//! The pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`): log in,
//! watch the dashboard update live, start a test from the stand page's form. Screenshots go
//! to `target/screenshots/` for a person to look at.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{App, PASSWORD, subscriber};
use domain::store::users::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

fn find_exe(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver and a headless Chromium, or `None` (loudly) when they are not installed.
async fn browser() -> Option<(Driver, Client, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (
        find_exe(&["chromium", "chromium-browser", "google-chrome"]),
        find_exe(&["chromedriver"]),
    ) else {
        eprintln!(
            "\n\n*** SKIPPED: the browser test needs Chromium and chromedriver \
             (Debian: apt-get install -y chromium chromium-driver) ***\n\n"
        );
        return None;
    };
    let port = test_support::free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    assert!(
        test_support::wait_for_port(port, Duration::from_secs(30)),
        "chromedriver did not listen"
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    Some((
        Driver {
            child,
            _profile: profile,
        },
        client,
        shots,
    ))
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

async fn wait_text(c: &Client, css: &str, want: &str) {
    let mut last = String::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(el) = c.find(Locator::Css(css)).await
                && let Ok(t) = el.text().await
            {
                if t.trim() == want {
                    return;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "{css} never showed {want:?} (last: {last:?})"
    );
}

#[tokio::test]
async fn log_in_watch_the_dashboard_live_and_start_a_test() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand("rig2", "off").await;
    app.stand("rig3", "ready").await;
    app.stand("rig4", "ready").await;
    app.user("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    // The real message handler stores what stands publish, as in production.
    let (stop_handler, handler_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut handler = messagehandler::spawn(
        messagehandler::Config::new(&app.db.url, app.broker.url().parse().expect("url")),
        async move {
            let _ = handler_stopped.await;
        },
    );
    tokio::time::timeout(
        Duration::from_secs(30),
        handler.subscriptions.wait_for(|n| *n > 0),
    )
    .await
    .expect("the handler subscribes")
    .expect("handler alive");

    // Log in; the login page sends us back to the dashboard.
    c.goto(&app.url("/")).await.expect("open");
    let form = c
        .wait()
        .for_element(Locator::Id("login-form"))
        .await
        .expect("login form");
    form.find(Locator::Css("input[name=username]"))
        .await
        .expect("user")
        .send_keys("olga")
        .await
        .expect("type");
    form.find(Locator::Css("input[name=password]"))
        .await
        .expect("pass")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    form.find(Locator::Css("button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Id("stands"))
        .await
        .expect("dashboard");
    assert_eq!(text_of(&c, "#stand-rig1 [data-field=state]").await, "ready");
    assert_eq!(text_of(&c, "#stand-rig2 [data-field=state]").await, "off");
    wait_text(&c, "#live", "live").await;

    // A stand turns busy without a reload when it publishes 202 (through the broker and the
    // message handler): a marker set on this page must survive.
    assert_eq!(text_of(&c, "#stand-rig4 [data-field=state]").await, "ready");
    c.execute("window.__noReload = 42; return null;", vec![])
        .await
        .expect("marker");
    publish_status(&app.broker.url(), "rig4/inbound", "202").await;
    wait_text(&c, "#stand-rig4 [data-field=state]", "busy").await;

    // The same when a run starts on a stand from the API, as a script would.
    let token = app.token("script", Role::Operator).await;
    let r = app
        .client()
        .post(app.url("/api/stands/rig1/runs"))
        .bearer_auth(&token)
        .json(&json!({"commands": ["warm-up"]}))
        .send()
        .await
        .expect("start via API");
    assert_eq!(r.status(), 201);
    wait_text(&c, "#stand-rig1 [data-field=state]", "busy").await;
    let marker = c
        .execute("return window.__noReload || null;", vec![])
        .await
        .expect("marker");
    assert_eq!(marker, json!(42), "the page was reloaded");
    let (topic, _) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the API command arrives")
        .expect("alive");
    assert_eq!(topic, "rig1/outbound");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("dashboard.png"), shot).expect("write");

    // Start a test from the stand page's form on another ready stand.
    c.goto(&app.url("/stands/rig3")).await.expect("stand page");
    let form = c
        .wait()
        .for_element(Locator::Id("start-form"))
        .await
        .expect("form");
    let names = form
        .find_all(Locator::Css("input[name=param_name]"))
        .await
        .expect("names");
    let values = form
        .find_all(Locator::Css("input[name=param_value]"))
        .await
        .expect("values");
    names[0].send_keys("fs").await.expect("type");
    values[0].send_keys("1000").await.expect("type");
    c.find(Locator::Id("add-param"))
        .await
        .expect("add")
        .click()
        .await
        .expect("click");
    let names = form
        .find_all(Locator::Css("input[name=param_name]"))
        .await
        .expect("names");
    assert_eq!(names.len(), 5, "the add button adds a row");
    let values = form
        .find_all(Locator::Css("input[name=param_value]"))
        .await
        .expect("values");
    names[4].send_keys("wave").await.expect("type");
    values[4].send_keys("sine").await.expect("type");
    form.find(Locator::Css("textarea[name=commands]"))
        .await
        .expect("cmds")
        .send_keys("start\nmeasure")
        .await
        .expect("type");
    form.find(Locator::Css("input[name=keep]"))
        .await
        .expect("keep")
        .click()
        .await
        .expect("click");
    c.find(Locator::Id("start-button"))
        .await
        .expect("start")
        .click()
        .await
        .expect("click");
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("notice");
    assert!(
        notice
            .text()
            .await
            .expect("text")
            .contains("was sent to the stand")
    );
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the command arrives")
        .expect("alive");
    assert_eq!(topic, "rig3/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"fs": 1000, "wave": "sine"}));
    assert_eq!(message["commandList"], json!(["start", "measure"]));
    assert_eq!(message["sentBy"], "olga");
    wait_text(&c, "#stand-state", "busy").await;
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("stand.png"), shot).expect("write");

    // The same dashboard on a phone-sized window stays readable.
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&app.url("/")).await.expect("dashboard");
    c.wait()
        .for_element(Locator::Id("stands"))
        .await
        .expect("dashboard");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("dashboard-phone.png"), shot).expect("write");
    c.close().await.expect("close");
    let _ = stop_handler.send(());
    (&mut handler.task)
        .await
        .expect("handler task")
        .expect("handler");
}

/// Publishes a status message as a stand does (QoS 2) and waits for the broker's PUBCOMP.
async fn publish_status(broker: &str, topic: &str, code: &str) {
    let url: domain::config::MqttUrl = broker.parse().expect("url");
    let options = rumqttc::MqttOptions::new("browser-test-stand", url.host, url.port);
    let (client, mut events) = rumqttc::AsyncClient::new(options, 10);
    let message = json!({"protocolVersion": 1.1, "sentBy": "rig4", "msgType": "status",
                         "statusCode": code});
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
