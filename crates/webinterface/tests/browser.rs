//! The pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`): log in,
//! watch the dashboard update live, start a test from the stand page's form, watch the stand
//! page update from live events alone and the results and quarantine lists announce new
//! rows. Screenshots go
//! to `target/screenshots/` for a person to look at. A result with a 1,000,000-point series
//! opens and is plotted and zoomed.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{App, PASSWORD, data_message, ingest, start_handler, stop_handler, subscriber};
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

/// chromedriver and a headless Chromium, or `None` (loudly) when they are not installed; with
/// `CI=true` a missing browser fails the test instead.
async fn browser() -> Option<(Driver, Client, PathBuf)> {
    let chromium = find_exe(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_exe(&["chromedriver"]);
    let found = test_support::require_tool(
        chromium.is_some() && chromedriver.is_some(),
        "Chromium and chromedriver (the browser test needs both)",
        "Debian: apt-get install -y chromium chromium-driver",
    );
    let (true, Some(chromium), Some(chromedriver)) = (found, chromium, chromedriver) else {
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
    let (stop, handler) = start_handler(&app).await;

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
    wait_text(&c, "#stand-rig3 [data-field=state]", "busy").await;
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
    stop_handler(stop, handler).await;
}

/// Publishes a status message as a stand does (QoS 2) and waits for the broker's PUBCOMP.
async fn publish_status(broker: &str, topic: &str, code: &str) {
    let mut stand = test_support::mqtt::TestClient::connect(broker, "browser-test-stand");
    let message = test_support::messages::status(code, "rig4");
    stand
        .publish_confirmed(topic, rumqttc::QoS::ExactlyOnce, message.to_string())
        .await;
}

/// Logs in through the login form and waits for the dashboard.
async fn log_in(c: &Client, app: &App, user: &str) {
    c.goto(&app.url("/login")).await.expect("open");
    let form = c
        .wait()
        .for_element(Locator::Id("login-form"))
        .await
        .expect("login form");
    form.find(Locator::Css("input[name=username]"))
        .await
        .expect("user")
        .send_keys(user)
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
}

async fn wait_attr(c: &Client, css: &str, attr: &str, timeout: Duration) -> String {
    let script = format!(
        "var e = document.querySelector({}); return e ? e.getAttribute({}) : null;",
        json!(css),
        json!(attr)
    );
    tokio::time::timeout(timeout, async {
        loop {
            if let Ok(Value::String(v)) = c.execute(&script, vec![]).await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{css} never got {attr}"))
}

#[tokio::test]
async fn a_million_point_result_opens_plotted_and_zooms() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("viola", Role::Viewer).await;
    let n = 1_000_000;
    let values: Vec<String> = (0..n)
        .map(|i| {
            let t = i as f64 / 10_000.0;
            let v = (2.0 * std::f64::consts::PI * 50.0 * t).sin()
                + 0.3 * (2.0 * std::f64::consts::PI * 1200.0 * t).sin();
            format!("{v:.6}")
        })
        .collect();
    let data = format!(
        r#"{{"signal": [{}], "short": [1, 2, 3]}}"#,
        values.join(",")
    );
    let payload = data_message("rig1-pc", json!({"fs": 10000, "mode": "two sines"}), &data);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("result");
    log_in(&c, &app, "viola").await;

    let started = std::time::Instant::now();
    c.goto(&app.url(&format!("/results/{id}")))
        .await
        .expect("result page");
    let time_plot = ".plot[data-kind=time][data-position=\"0\"]";
    let drawn = wait_attr(&c, time_plot, "data-drawn", Duration::from_secs(60)).await;
    let opened = started.elapsed();
    assert_eq!(drawn, "true");
    eprintln!("1,000,000-point result page plotted in {opened:?}");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("result-1m-top.png"), shot).expect("write");
    let points: usize = wait_attr(&c, time_plot, "data-points", Duration::from_secs(5))
        .await
        .parse()
        .expect("count");
    assert!((1000..=2000).contains(&points), "downsampled: {points}");
    let spectrum = ".plot[data-kind=spectrum][data-position=\"0\"]";
    assert_eq!(
        wait_attr(&c, spectrum, "data-drawn", Duration::from_secs(10)).await,
        "true"
    );
    assert!(text_of(&c, "[data-field=rate]").await.contains("10000 Hz"));
    // Responsive: a script runs at once.
    let t = std::time::Instant::now();
    c.execute("return document.querySelectorAll('canvas').length;", vec![])
        .await
        .expect("script");
    assert!(t.elapsed() < Duration::from_secs(2));

    // Hover shows a readout.
    let readout = c
        .execute(
            r#"var box = document.querySelector(arguments[0]);
               box.scrollIntoView();
               var cv = box.querySelector('canvas'); var r = cv.getBoundingClientRect();
               cv.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + 200, clientY: r.top + 100, bubbles: true}));
               return box.querySelector('.readout').textContent;"#,
            vec![json!(time_plot)],
        )
        .await
        .expect("hover");
    let readout = readout.as_str().unwrap_or_default().to_owned();
    assert!(readout.contains("time (s):"), "{readout}");
    assert!(readout.contains("value:"), "{readout}");

    // A drag across 10 pixels zooms in (the server sends that window, downsampled again);
    // a second drag inside it reaches single samples.
    let drag = r#"var box = document.querySelector(arguments[0]);
        var cv = box.querySelector('canvas'); var r = cv.getBoundingClientRect();
        function ev(type, x) {
          var e = new MouseEvent(type, {clientX: r.left + x, clientY: r.top + 100, bubbles: true});
          (type === 'mouseup' ? window : cv).dispatchEvent(e);
        }
        ev('mousedown', arguments[1]); ev('mousemove', arguments[2]); ev('mouseup', arguments[2]);
        return null;"#;
    let span = |c: &Client| {
        let c = c.clone();
        async move {
            let x0: f64 = wait_attr(&c, time_plot, "data-x0", Duration::from_secs(5))
                .await
                .parse()
                .expect("x0");
            let x1: f64 = wait_attr(&c, time_plot, "data-x1", Duration::from_secs(5))
                .await
                .parse()
                .expect("x1");
            x1 - x0
        }
    };
    let full_span = span(&c).await;
    assert!(full_span > 999_000.0, "{full_span}");
    for (from, to, below) in [(100, 110, 20_000.0), (100, 110, 200.0)] {
        c.execute(drag, vec![json!(time_plot), json!(from), json!(to)])
            .await
            .expect("drag");
        tokio::time::timeout(Duration::from_secs(20), async {
            while span(&c).await >= below {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the plot zooms in");
    }
    // At that zoom every sample of the window is drawn: about 100 of them, not a reduction.
    let zoomed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let p: usize = wait_attr(&c, time_plot, "data-points", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(0);
            if p > 0 && p < 300 {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the full-resolution window arrives");
    eprintln!("zoomed to {zoomed} samples at full resolution");
    // The spectrum zooms too, with its window computed on the server at full resolution.
    c.execute(drag, vec![json!(spectrum), json!(70), json!(90)])
        .await
        .expect("drag spectrum");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let x0: f64 = wait_attr(&c, spectrum, "data-x0", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(0.0);
            let x1: f64 = wait_attr(&c, spectrum, "data-x1", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(f64::MAX);
            if x1 - x0 < 200.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the spectrum zooms in");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("result-1m-zoomed.png"), shot).expect("write");
    c.execute(
        "document.querySelector(arguments[0] + ' canvas').dispatchEvent(new MouseEvent('dblclick', {bubbles: true})); return null;",
        vec![json!(time_plot)],
    )
    .await
    .expect("zoom out");
    c.execute(
        "document.querySelector('#series-0').scrollIntoView(); return null;",
        vec![],
    )
    .await
    .expect("scroll");
    wait_attr(&c, time_plot, "data-drawn", Duration::from_secs(5)).await;
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("result-1m.png"), shot).expect("write");

    // The list and the quarantine, for a person to look at.
    c.goto(&app.url("/results?stand=rig1")).await.expect("list");
    assert_eq!(
        text_of(&c, &format!("#result-{id} td[data-label=Points]")).await,
        "1000003"
    );
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("results-list.png"), shot).expect("write");
    assert!(
        ingest(&app.db.pool, "rig1", &[0xff, 0x00, b'<', b'i', b'>'])
            .await
            .is_none()
    );
    assert!(
        ingest(&app.db.pool, "rig1", br#"{"msgType": "<i>x</i>"}"#)
            .await
            .is_none()
    );
    c.goto(&app.url("/quarantine")).await.expect("quarantine");
    c.wait()
        .for_element(Locator::Css("pre.payload-hex"))
        .await
        .expect("hex payload");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("quarantine.png"), shot).expect("write");
    c.close().await.expect("close");
}

/// Scrolls `css` into view, waits until its plot is drawn, and saves a screenshot as `name`.
async fn shoot(c: &Client, shots: &std::path::Path, css: &str, name: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView(); return null;",
        vec![json!(css)],
    )
    .await
    .expect("scroll");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join(name), shot).expect("write");
}

#[tokio::test]
async fn picking_a_series_as_the_x_axis_draws_an_x_y_plot() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.user("viola", Role::Viewer).await;
    // x = cos, y = sin: against the sample index y is a sine wave, against x it is a circle.
    let turn = |i: i32| 2.0 * std::f64::consts::PI * f64::from(i) / 200.0;
    let xs: Vec<String> = (0..=200).map(|i| format!("{:.6}", turn(i).cos())).collect();
    let ys: Vec<String> = (0..=200).map(|i| format!("{:.6}", turn(i).sin())).collect();
    let data = format!(r#"{{"x": [{}], "y": [{}]}}"#, xs.join(","), ys.join(","));
    let payload = data_message("rig1-pc", json!({"mode": "circle"}), &data);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("result");
    log_in(&c, &app, "viola").await;
    c.goto(&app.url(&format!("/results/{id}")))
        .await
        .expect("result page");
    let y_plot = ".plot[data-kind=time][data-position=\"1\"]";
    assert_eq!(
        wait_attr(&c, y_plot, "data-drawn", Duration::from_secs(30)).await,
        "true"
    );
    assert_eq!(
        wait_attr(&c, y_plot, "data-x-label", Duration::from_secs(5)).await,
        "sample"
    );
    assert_eq!(
        wait_attr(&c, y_plot, "data-x1", Duration::from_secs(5)).await,
        "200"
    );
    shoot(&c, &shots, "#series-1", "result-xy-before.png").await;

    // Pick x (series 0) as the x axis, as a person does with the select.
    pick_x_axis(&c, y_plot, "0", ("data-x-axis", "0")).await;
    assert_eq!(
        wait_attr(&c, y_plot, "data-x-label", Duration::from_secs(5)).await,
        "x"
    );
    let x0: f64 = wait_attr(&c, y_plot, "data-x0", Duration::from_secs(5))
        .await
        .parse()
        .expect("x0");
    let x1: f64 = wait_attr(&c, y_plot, "data-x1", Duration::from_secs(5))
        .await
        .parse()
        .expect("x1");
    assert_eq!((x0, x1), (-1.0, 1.0), "the x axis spans the x series");
    assert_eq!(
        wait_attr(&c, y_plot, "data-points", Duration::from_secs(5)).await,
        "201"
    );
    assert!(
        text_of(&c, &format!("{y_plot} .readout"))
            .await
            .contains("y against x")
    );
    shoot(&c, &shots, "#series-1", "result-xy.png").await;

    // Back to the sample index.
    pick_x_axis(&c, y_plot, "", ("data-x-label", "sample")).await;
    c.close().await.expect("close");
}

/// Picks `value` in the result page's x axis select and waits until the plot `plot` shows
/// `attr` = `expected` (it is redrawn).
async fn pick_x_axis(c: &Client, plot: &str, value: &str, (attr, expected): (&str, &str)) {
    c.find(Locator::Id("x-axis"))
        .await
        .expect("the x axis picker")
        .select_by_value(value)
        .await
        .expect("pick an x axis");
    tokio::time::timeout(Duration::from_secs(20), async {
        while wait_attr(c, plot, attr, Duration::from_secs(5)).await != expected {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the plot is redrawn with {attr} = {expected:?}"));
}

#[tokio::test]
async fn the_simulator_completes_a_run_started_from_the_stand_page() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.user("olga", Role::Operator).await;
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
    // `standhub simulate --stand demo_module --busy-seconds 1`, in-process.
    let (stop_stand, stand_stopped) = tokio::sync::oneshot::channel::<()>();
    let stand = tokio::spawn(standhub::simulate::run(
        standhub::simulate::SimulateOptions {
            stand: "demo_module".into(),
            legacy: false,
            guide_topics: false,
            busy_seconds: 1,
            mqtt_url: app.broker.url().parse().expect("url"),
        },
        async move {
            let _ = stand_stopped.await;
        },
    ));
    // The handler registers the stand from its ready report.
    let offline_after = chrono::Duration::seconds(300);
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let view = domain::store::stands::get(
                &app.db.pool,
                &domain::StandId::parse("demo_module").expect("id"),
                offline_after,
            )
            .await
            .expect("query");
            if view.is_some_and(|v| v.state == domain::StandState::Ready) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the simulated stand reports ready");

    log_in(&c, &app, "olga").await;
    c.goto(&app.url("/stands/demo_module"))
        .await
        .expect("stand page");
    wait_text(&c, "#stand-demo_module [data-field=state]", "ready").await;
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
    for (i, (n, v)) in [("samples", "40"), ("fs", "10"), ("frequency", "0.5")]
        .into_iter()
        .enumerate()
    {
        names[i].send_keys(n).await.expect("type");
        values[i].send_keys(v).await.expect("type");
    }
    form.find(Locator::Css("textarea[name=commands]"))
        .await
        .expect("cmds")
        .send_keys("start")
        .await
        .expect("type");
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
        .expect("notice")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("was sent to the stand"), "{notice}");
    // The simulator answers 202, then after a second its data and 200: the run completes
    // with a result, and the stand page shows it live.
    let result_link = "#recent-results a[href^='/results/']";
    let href = tokio::time::timeout(Duration::from_secs(60), async {
        let mut tries = 0_u32;
        loop {
            if let Ok(el) = c.find(Locator::Css(result_link)).await
                && let Ok(Some(href)) = el.attr("href").await
            {
                return href;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            // On a slow machine the result may come before the page's event stream opened
            // (`a_live_status_update_changes_the_stand_page_from_the_event_alone` shows the
            // live path without that race): look again now and then.
            tries += 1;
            if tries.is_multiple_of(50) {
                let _ = c.refresh().await;
            }
        }
    })
    .await
    .expect("the result appears on the stand page");
    let (state, result): (String, Option<i64>) = sqlx::query_as(
        "SELECT state::text, (SELECT id FROM results WHERE run_id = runs.id) FROM runs",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the run");
    assert_eq!(state, "completed");
    let result = result.expect("the run has its result");
    assert_eq!(href, format!("/results/{result}"));
    shoot(&c, &shots, "#start", "simulated-stand.png").await;
    c.goto(&app.url(&href)).await.expect("result page");
    let time_plot = ".plot[data-kind=time][data-position=\"1\"]";
    assert_eq!(
        wait_attr(&c, time_plot, "data-drawn", Duration::from_secs(30)).await,
        "true"
    );
    assert_eq!(
        wait_attr(&c, time_plot, "data-points", Duration::from_secs(5)).await,
        "40"
    );
    assert_eq!(text_of(&c, "[data-field=requested_by]").await, "olga");
    shoot(&c, &shots, "#master", "simulated-result.png").await;

    c.close().await.expect("close");
    let _ = stop_stand.send(());
    stand.await.expect("simulator task").expect("simulator");
    let _ = stop_handler.send(());
    (&mut handler.task)
        .await
        .expect("handler task")
        .expect("handler");
}

/// The CSP violations Chromium reported on the open page (buffered since it loaded).
async fn csp_violations(c: &Client) -> Vec<String> {
    let seen = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const seen = [];
               const note = (reports) => { for (const r of reports) {
                   seen.push(`${r.body.effectiveDirective} ${r.body.blockedURL} ${r.body.sample || ""}`);
               } };
               const o = new ReportingObserver(note, {types: ["csp-violation"], buffered: true});
               o.observe();
               setTimeout(() => { note(o.takeRecords()); o.disconnect(); done(seen); }, 300);"#,
            vec![],
        )
        .await
        .expect("collect CSP reports");
    serde_json::from_value(seen).expect("a list")
}

#[tokio::test]
async fn the_main_pages_work_under_the_strict_content_security_policy() {
    let Some((_driver, c, _)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("ada", Role::Admin).await;
    let data = data_message("pc", json!({"fs": 100}), r#"{"a": [1, 2, 3, 2, 1]}"#);
    let id = ingest(&app.db.pool, "rig1", &data).await.expect("result");
    assert!(
        ingest(&app.db.pool, "rig1", b"<b>not json</b>")
            .await
            .is_none()
    );
    log_in(&c, &app, "ada").await;
    let csp = reqwest::get(app.url("/login")).await.expect("login page");
    let policy = csp.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    for path in [
        "/".to_owned(),
        "/stands/rig1".to_owned(),
        "/results".to_owned(),
        format!("/results/{id}"),
        "/quarantine".to_owned(),
        "/admin/stands".to_owned(),
        "/admin/users".to_owned(),
        "/docs/api".to_owned(),
    ] {
        c.goto(&app.url(&path)).await.expect("open");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let violations = csp_violations(&c).await;
        assert!(violations.is_empty(), "{path}: {violations:?}");
    }
    // The check sees a violation when there is one: an inline style attribute.
    c.execute("document.body.setAttribute('style', 'color: red')", vec![])
        .await
        .expect("inline style");
    assert!(
        !csp_violations(&c).await.is_empty(),
        "an inline style attribute went unreported: the check cannot see violations"
    );
    c.close().await.expect("close");
}

/// The addresses the open page has requested since it loaded (its Resource Timing entries).
async fn requested(c: &Client) -> Vec<String> {
    let names = c
        .execute(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
            vec![],
        )
        .await
        .expect("resource entries");
    serde_json::from_value(names).expect("a list")
}

/// Waits until the page's event stream is open (its `hello` arrived).
async fn wait_live(c: &Client) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while c
            .execute("return document.body.getAttribute('data-live');", vec![])
            .await
            .ok()
            != Some(json!("on"))
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the page's event stream opens");
}

/// Waits until the element `css` is shown.
async fn wait_shown(c: &Client, css: &str) {
    let shown = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(el) = c.find(Locator::Css(css)).await
                && el.is_displayed().await.unwrap_or(false)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(shown.is_ok(), "{css} is never shown");
}

async fn is_shown(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .is_displayed()
        .await
        .expect("displayed")
}

#[tokio::test]
async fn a_live_status_update_changes_the_stand_page_from_the_event_alone() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig4", "ready").await;
    app.user("olga", Role::Operator).await;
    // A stand's name is user input: markup in it stays text, on the first page and live.
    let name = "Rig <img src=x id=pwned> four";
    sqlx::query("UPDATE stands SET name = $1 WHERE id = 'rig4'")
        .bind(name)
        .execute(&app.db.pool)
        .await
        .expect("rename");
    log_in(&c, &app, "olga").await;
    c.goto(&app.url("/stands/rig4")).await.expect("stand page");
    wait_text(&c, "#live", "live").await;
    assert_eq!(text_of(&c, "#stand-rig4 [data-field=state]").await, "ready");
    assert_eq!(text_of(&c, "#not-ready").await, "");
    let history = "#status-history tr";
    assert_eq!(
        c.find_all(Locator::Css(history)).await.expect("rows").len(),
        1
    );
    c.execute("window.__noReload = 42; return null;", vec![])
        .await
        .expect("marker");
    shoot(&c, &shots, "#standpage", "stand-live-before.png").await;

    // The stand reports busy (through the handler's ingest path, which notifies): its row,
    // the start form's hint and the status history change.
    let busy = test_support::messages::status("202", "rig4").to_string();
    assert!(
        ingest(&app.db.pool, "rig4", busy.as_bytes())
            .await
            .is_none()
    );
    wait_text(&c, "#stand-rig4 [data-field=state]", "busy").await;
    wait_text(
        &c,
        "#status-history tr:first-child td[data-label=Code]",
        "202",
    )
    .await;
    assert!(
        text_of(&c, "#stand-rig4 [data-field=status]")
            .await
            .starts_with("202 "),
    );
    assert_eq!(
        c.find_all(Locator::Css(history)).await.expect("rows").len(),
        2
    );
    assert!(
        text_of(&c, "#not-ready")
            .await
            .starts_with("The stand is busy:")
    );
    shoot(&c, &shots, "#standpage", "stand-live-busy.png").await;

    // Its result (with status 200) is listed, and the stand is ready again.
    let data = data_message("pc", json!({"fs": 100}), r#"{"a": [1, 2, 3]}"#);
    let result = ingest(&app.db.pool, "rig4", &data).await.expect("result");
    c.wait()
        .for_element(Locator::Css(&format!(
            "#recent-results a[href='/results/{result}']"
        )))
        .await
        .expect("the result is listed live");
    wait_text(&c, "#stand-rig4 [data-field=state]", "ready").await;
    wait_text(
        &c,
        "#status-history tr:first-child td[data-label=Code]",
        "200",
    )
    .await;
    assert_eq!(text_of(&c, "#not-ready").await, "");
    shoot(&c, &shots, "#standpage", "stand-live-after.png").await;

    // From the events alone: no reload, no request to the API (the page used to fetch the
    // status history after every update).
    let marker = c
        .execute("return window.__noReload || null;", vec![])
        .await
        .expect("marker");
    assert_eq!(marker, json!(42), "the page was reloaded");
    let asked = requested(&c).await;
    // (The list works: it has the script. A stream still open, `/events`, is not listed.)
    assert!(
        asked.iter().any(|u| u.ends_with("/static/app.js")),
        "{asked:?}"
    );
    assert!(!asked.iter().any(|u| u.contains("/api/")), "{asked:?}");
    // The name is still text, and nothing broke the content security policy.
    let shown_name = c
        .execute(
            "return document.querySelector('#stand-rig4 .stand-name a').textContent;",
            vec![],
        )
        .await
        .expect("name");
    assert_eq!(shown_name, json!(name));
    let injected = c
        .execute("return document.getElementById('pwned') === null;", vec![])
        .await
        .expect("no injected element");
    assert_eq!(injected, json!(true));
    let violations = csp_violations(&c).await;
    assert!(violations.is_empty(), "{violations:?}");
    c.close().await.expect("close");
}

#[tokio::test]
async fn new_results_and_rejected_messages_are_announced_on_their_lists() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("vera", Role::Viewer).await;
    log_in(&c, &app, "vera").await;

    // The results list says new results have arrived; its link shows them.
    c.goto(&app.url("/results")).await.expect("results");
    wait_live(&c).await;
    assert!(!is_shown(&c, "#new-results").await);
    let data = data_message("pc", json!({"fs": 100}), r#"{"a": [1, 2, 3]}"#);
    let result = ingest(&app.db.pool, "rig1", &data).await.expect("result");
    wait_shown(&c, "#new-results").await;
    shoot(&c, &shots, "main", "results-new.png").await;
    c.find(Locator::Css("#new-results a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Id(&format!("result-{result}")))
        .await
        .expect("the new result is listed");
    assert!(!is_shown(&c, "#new-results").await);

    // The quarantine says more messages have been rejected; its link shows them.
    c.goto(&app.url("/quarantine")).await.expect("quarantine");
    wait_live(&c).await;
    assert!(!is_shown(&c, "#new-rejected").await);
    assert!(
        ingest(&app.db.pool, "rig1", b"<b>not json</b>")
            .await
            .is_none()
    );
    wait_shown(&c, "#new-rejected").await;
    shoot(&c, &shots, "main", "quarantine-new.png").await;
    let rejected: i64 = sqlx::query_scalar("SELECT max(id) FROM quarantine")
        .fetch_one(&app.db.pool)
        .await
        .expect("quarantined");
    c.find(Locator::Css("#new-rejected a"))
        .await
        .expect("link")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Id(&format!("quarantined-{rejected}")))
        .await
        .expect("the rejected message is listed");
    c.close().await.expect("close");
}

#[tokio::test]
async fn a_dashboard_that_missed_updates_catches_up_on_resync() {
    let Some((_driver, c, _)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("vera", Role::Viewer).await;
    log_in(&c, &app, "vera").await;
    wait_text(&c, "#live", "live").await;
    c.execute("window.__noReload = 42; return null;", vec![])
        .await
        .expect("marker");

    // A change nobody is told about, then the web interface's listener loses its connection:
    // it reconnects and tells the pages to resync, and the dashboard reads itself again.
    sqlx::query("UPDATE stands SET effective_code = 202, status_code = 202 WHERE id = 'rig1'")
        .execute(&app.db.pool)
        .await
        .expect("update");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("end the listener's connection");
    assert_eq!(ended, [true], "one listener");
    wait_text(&c, "#stand-rig1 [data-field=state]", "busy").await;
    let marker = c
        .execute("return window.__noReload || null;", vec![])
        .await
        .expect("marker");
    assert_eq!(marker, json!(42), "the page was reloaded");
    c.close().await.expect("close");
}

/// Clicks the element `css` (waiting for it).
async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn a_stuck_run_is_cancelled_from_the_stand_page_and_a_new_one_starts() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("olga", Role::Operator).await;
    log_in(&c, &app, "olga").await;
    c.goto(&app.url("/stands/rig1")).await.expect("stand page");
    click(&c, "#start-button").await;
    // The click returns before the form's answer: wait for the page that says it was sent.
    c.wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("the run was sent");
    let stuck: i64 = sqlx::query_scalar("SELECT id FROM runs")
        .fetch_one(&app.db.pool)
        .await
        .expect("the run");
    // The stand never answers: the page says how long the run has waited, and offers to
    // cancel it.
    let waiting = text_of(&c, "#runs .waiting").await;
    assert!(
        waiting.starts_with("waiting for the stand for"),
        "{waiting}"
    );
    shoot(&c, &shots, "#runs", "stuck-run.png").await;
    click(&c, &format!("#cancel-run-{stuck}")).await;
    wait_text(&c, "#runs tbody tr:first-child .run", "cancelled").await;
    let note = text_of(&c, "#runs tbody tr:first-child td[data-label=Note]").await;
    assert!(note.contains("cancelled by olga"), "{note}");

    // The stand answers late: the result is stored with the cancelled run, and says so.
    let payload = data_message("rig1", json!({"fs": 10}), r#"{"x": [1, 2, 3]}"#);
    let late = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    c.goto(&app.url(&format!("/results/{late}")))
        .await
        .expect("result page");
    let master = text_of(&c, "#master").await;
    assert!(
        master.contains(&format!("{stuck} — cancelled by olga"))
            && master.contains("arrived after the cancel"),
        "{master}"
    );

    // A new test starts at once.
    c.goto(&app.url("/stands/rig1")).await.expect("stand page");
    click(&c, "#start-button").await;
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("notice")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("was sent to the stand"), "{notice}");
    let states: Vec<String> = sqlx::query_scalar("SELECT state::text FROM runs ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .expect("runs");
    assert_eq!(states, ["cancelled", "sent"]);
    c.close().await.expect("close");
}

/// An editor row as the test types it: name, label, type, and more (field, text) pairs.
type EditorRow<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Types `text` into the field `css` (emptied first).
async fn fill(c: &Client, css: &str, text: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Picks the option of value `value` in the select `css`.
async fn pick(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .expect("select");
}

/// An admin defines a test template in the editor (a choice with labels, a number with a unit
/// and bounds, a required text with a pattern); an operator starts it from the stand page: the
/// browser checks the bounds, a wrong value the server refuses is shown next to its field, and
/// the stand receives typed values in the template's order with its commands.
#[tokio::test]
async fn an_admin_defines_a_test_template_and_an_operator_starts_it() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("ada", Role::Admin).await;
    app.user("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["rig1/outbound"]).await;

    log_in(&c, &app, "ada").await;
    c.goto(&app.url("/admin/stands/rig1"))
        .await
        .expect("admin page");
    click(&c, "#new-template").await;
    fill(&c, "#tpl-name", "Sweep").await;
    fill(&c, "#tpl-commands", "calibrate\nmeasure").await;
    let rows: [EditorRow; 3] = [
        (
            "sensor",
            "Sensor",
            "choice",
            &[("p_choices", "x = X axis\ny = Y axis")],
        ),
        (
            "duration",
            "Duration",
            "number",
            &[
                ("p_unit", "s"),
                ("p_min", "1"),
                ("p_max", "60"),
                ("p_step", "0.5"),
                ("p_default", "10"),
            ],
        ),
        (
            "note",
            "Note",
            "text",
            &[
                ("p_pattern", "[A-Z]{2}-[0-9]+"),
                ("p_help", "Two capitals, a dash, digits"),
            ],
        ),
    ];
    for (i, (name, label, kind, more)) in rows.iter().enumerate() {
        let row = format!("#row-{i}");
        fill(&c, &format!("{row} [name=p_name]"), name).await;
        fill(&c, &format!("{row} [name=p_label]"), label).await;
        pick(&c, &format!("{row} [name=p_type]"), kind).await;
        for (field, value) in *more {
            fill(&c, &format!("{row} [name={field}]"), value).await;
        }
    }
    click(&c, "#row-0 [name=p_required]").await;
    click(&c, "#row-2 [name=p_required]").await;
    shoot(&c, &shots, "#template-editor", "template-editor.png").await;
    click(&c, "#save-template").await;
    wait_text(&c, "#template-list tbody td[data-label=Version]", "v1").await;
    let fields = text_of(&c, "#template-list tbody td[data-label=Parameters]").await;
    assert_eq!(fields, "sensor (choice), duration (number, s), note (text)");
    shoot(&c, &shots, "#templates", "template-list.png").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM test_templates")
        .fetch_one(&app.db.pool)
        .await
        .expect("saved");

    // The operator's stand page: the template's form, no free form.
    c.delete_all_cookies().await.expect("log out");
    log_in(&c, &app, "olga").await;
    c.goto(&app.url("/stands/rig1")).await.expect("stand page");
    assert!(
        c.find(Locator::Id("start-form")).await.is_err(),
        "no free form for operators"
    );
    let sensor = format!("#tpl-{id}-0");
    let duration = format!("#tpl-{id}-1");
    let note = format!("#tpl-{id}-2");
    assert_eq!(
        text_of(&c, &format!("{sensor} option[value=y]")).await,
        "Y axis"
    );
    assert_eq!(text_of(&c, &format!("#template-{id} .unit")).await, "s");
    pick(&c, &sensor, "y").await;
    fill(&c, &duration, "61").await;
    fill(&c, &note, "AB-12").await;

    // The browser checks the bound itself: nothing is sent.
    click(&c, &format!("#template-start-{id}")).await;
    let overflow = c
        .execute(
            "return document.querySelector(arguments[0]).validity.rangeOverflow;",
            vec![json!(duration)],
        )
        .await
        .expect("validity");
    assert_eq!(overflow, json!(true));
    shoot(
        &c,
        &shots,
        &format!("#template-{id}"),
        "template-browser-check.png",
    )
    .await;
    assert!(inbox.try_recv().is_err(), "the browser sent nothing");

    // A browser that does not check: the server refuses, next to the field, the text kept.
    c.execute(
        "document.querySelector(arguments[0]).noValidate = true; return null;",
        vec![json!(format!("#template-form-{id}"))],
    )
    .await
    .expect("no validation");
    click(&c, &format!("#template-start-{id}")).await;
    wait_text(&c, &format!("#tpl-{id}-1-error"), "Duration: at most 60 s").await;
    assert_eq!(
        wait_attr(&c, &duration, "value", Duration::from_secs(5)).await,
        "61"
    );
    shoot(
        &c,
        &shots,
        &format!("#template-{id}"),
        "template-refused.png",
    )
    .await;
    assert!(inbox.try_recv().is_err(), "nothing was sent");

    fill(&c, &duration, "12.5").await;
    click(&c, &format!("#template-start-{id}")).await;
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("notice")
        .text()
        .await
        .expect("text");
    assert!(notice.contains("was sent to the stand"), "{notice}");
    let (topic, command) = common::next_message(&mut inbox).await;
    assert_eq!(topic, "rig1/outbound");
    assert!(
        command.contains(
            r#""commandList":["calibrate","measure"],"statusCode":"200","parameterObj":{"sensor":"y","duration":12.5,"note":"AB-12"}"#
        ),
        "{command}"
    );
    shoot(&c, &shots, "#runs", "template-started.png").await;
    c.close().await.expect("close");
}

/// A result judged against its template's limits: the result page's measurement table with
/// its marks, the list's verdict counts and column, the dashboard's last verdict.
#[tokio::test]
async fn a_verdict_shows_on_the_result_page_the_list_and_the_dashboard() {
    let Some((_driver, c, shots)) = browser().await else {
        return;
    };
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("olga", Role::Operator).await;
    let rig = domain::StandId::parse("rig1").expect("id");
    let template = domain::template::Template::from_json(
        &json!({"name": "Sine", "commands": ["measure"], "limits": [
            {"name": "peak", "label": "Peak of x", "series": "x", "measure": "max",
             "low": 0, "high": 1, "unit": "V"},
            {"name": "hz", "series": "x", "measure": "peak_frequency", "sample_rate": "fs",
             "low": 1.5, "high": 2.5, "unit": "Hz"},
            {"name": "temperature", "scalar": "temperature", "high": 40, "unit": "°C"}]})
        .to_string(),
    )
    .expect("template");
    let stored = domain::store::templates::create(&app.db.pool, &rig, &template, "ada")
        .await
        .expect("template");
    let (params, cmds) = (json!({"fs": 8}), json!(["measure"]));
    let run = domain::store::runs::create(
        &app.db.pool,
        domain::store::runs::NewRun {
            stand: &rig,
            requested_by: "olga",
            user_id: None,
            parameters: &params,
            commands: &cmds,
            keep: false,
        },
    )
    .await
    .expect("run");
    domain::store::templates::attach(&app.db.pool, run, stored.id)
        .await
        .expect("attach");
    // A 2 Hz sine of amplitude 2 sampled at 8 Hz: the frequency passes, the peak fails, the
    // temperature is missing.
    let x: Vec<f64> = (0..16)
        .map(|i| 2.0 * (std::f64::consts::PI * i as f64 / 2.0).sin())
        .collect();
    let payload = data_message("rig1", json!({"fs": 8}), &json!({ "x": x }).to_string());
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let pending = domain::store::verdicts::pending_one(&app.db.pool, id)
        .await
        .expect("pending")
        .expect("a templated run's result waits for its verdict");
    messagehandler::verdicts::judge(&app.db.pool, &pending)
        .await
        .expect("judged");

    log_in(&c, &app, "olga").await;
    c.goto(&app.url(&format!("/results/{id}")))
        .await
        .expect("result");
    wait_text(&c, "#verdict h2 .verdict", "fail").await;
    let table = text_of(&c, "#measurements").await;
    for expected in [
        "Peak of x",
        "2 V",
        "0 – 1 V",
        "2 Hz",
        "1.5 – 2.5 Hz",
        "temperature",
    ] {
        assert!(table.contains(expected), "{expected}: {table}");
    }
    shoot(&c, &shots, "#verdict", "result-verdict.png").await;
    c.goto(&app.url("/results")).await.expect("list");
    wait_text(&c, &format!("#result-{id} td[data-label=Verdict]"), "fail").await;
    shoot(&c, &shots, "#verdict-counts", "results-verdicts.png").await;
    c.goto(&app.url("/")).await.expect("dashboard");
    wait_text(&c, "#stand-rig1 [data-field=verdict]", "fail").await;
    shoot(&c, &shots, "#stand-rig1", "dashboard-verdict.png").await;
    c.close().await.expect("close");
}
