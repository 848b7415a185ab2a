//! The browser and the steps a person takes in it: Chromium under chromedriver, logging in,
//! typing, clicking, picking, waiting for a text, an attribute or the live stream, screenshots.

use crate::common::{App, PASSWORD};
use domain::store::users::Role;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) fn find_exe(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

pub(crate) struct Driver {
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
pub(crate) async fn browser() -> Option<(Driver, Client, PathBuf)> {
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

/// What a browser start ([`browser_with`], [`logged_in_with_rig1`]) gives, or a return from
/// the test when no browser is installed (it said so loudly).
macro_rules! or_skip {
    ($start:expr) => {
        match $start.await {
            Some(started) => started,
            None => return,
        }
    };
}
pub(crate) use or_skip;

/// A browser and a fresh app with `stands` (id and state, as [`App::stand`]) and `users`
/// (name and role), where every browser test starts; `None` (loudly) as [`browser`].
pub(crate) async fn browser_with(
    stands: &[(&str, &str)],
    users: &[(&str, Role)],
) -> Option<(Driver, Client, PathBuf, App)> {
    let (driver, c, shots) = browser().await?;
    let app = App::start().await;
    for (id, state) in stands {
        app.stand(id, state).await;
    }
    for (name, role) in users {
        app.user(name, *role).await;
    }
    Some((driver, c, shots, app))
}

/// [`browser_with`] the stand `rig1` ready and `user` (of `role`), logged in, on the dashboard.
pub(crate) async fn logged_in_with_rig1(
    user: &str,
    role: Role,
) -> Option<(Driver, Client, PathBuf, App)> {
    let (driver, c, shots, app) = browser_with(&[("rig1", "ready")], &[(user, role)]).await?;
    log_in(&c, &app, user).await;
    Some((driver, c, shots, app))
}

/// Opens the app's page `path`.
pub(crate) async fn open(c: &Client, app: &App, path: &str) {
    c.goto(&app.url(path))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// The element `css` (there now).
pub(crate) async fn find(c: &Client, css: &str) -> Element {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    find(c, css).await.text().await.expect("text")
}

pub(crate) async fn wait_text(c: &Client, css: &str, want: &str) {
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

/// Logs in through the login form and waits for the dashboard.
pub(crate) async fn log_in(c: &Client, app: &App, user: &str) {
    log_in_from(c, app, "/login", user).await;
}

/// Opens `path`, logs in on the login form it leads to, and waits for the dashboard.
pub(crate) async fn log_in_from(c: &Client, app: &App, path: &str, user: &str) {
    c.goto(&app.url(path)).await.expect("open");
    wait_for(c, "#login-form").await;
    type_in(c, "#login-form input[name=username]", user).await;
    type_in(c, "#login-form input[name=password]", PASSWORD).await;
    click(c, "#login-form button[type=submit]").await;
    wait_for(c, "#stands").await;
}

/// Waits for the element `css` and gives it.
pub(crate) async fn wait_for(c: &Client, css: &str) -> Element {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Types `text` into the field `css` (after what it holds).
pub(crate) async fn type_in(c: &Client, css: &str, text: &str) {
    find(c, css).await.send_keys(text).await.expect("type");
}

/// Types `text` into the `n`th element `css` (counting from 0).
pub(crate) async fn type_in_nth(c: &Client, css: &str, n: usize, text: &str) {
    let all = c.find_all(Locator::Css(css)).await.expect(css);
    all.get(n)
        .unwrap_or_else(|| panic!("only {} of {css}", all.len()))
        .send_keys(text)
        .await
        .expect("type");
}

/// Saves a screenshot of the window as `name`.
pub(crate) async fn snap(c: &Client, shots: &std::path::Path, name: &str) {
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join(name), shot).expect("write");
}

pub(crate) async fn wait_attr(c: &Client, css: &str, attr: &str, timeout: Duration) -> String {
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

/// The attribute `attr` of `css` as a number (waiting 5 s for it).
pub(crate) async fn number_attr(c: &Client, css: &str, attr: &str) -> f64 {
    wait_attr(c, css, attr, Duration::from_secs(5))
        .await
        .parse()
        .unwrap_or_else(|e| panic!("{css} {attr}: {e}"))
}

/// Waits up to `timeout` until the plot `css` says it is drawn.
pub(crate) async fn wait_drawn(c: &Client, css: &str, timeout: Duration) {
    assert_eq!(
        wait_attr(c, css, "data-drawn", timeout).await,
        "true",
        "{css}"
    );
}

/// Scrolls `css` into view, waits until its plot is drawn, and saves a screenshot as `name`.
pub(crate) async fn shoot(c: &Client, shots: &std::path::Path, css: &str, name: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView(); return null;",
        vec![json!(css)],
    )
    .await
    .expect("scroll");
    let shot = c.screenshot().await.expect("screenshot");
    std::fs::write(shots.join(name), shot).expect("write");
}

/// The addresses the open page has requested since it loaded (its Resource Timing entries).
pub(crate) async fn requested(c: &Client) -> Vec<String> {
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
pub(crate) async fn wait_live(c: &Client) {
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
pub(crate) async fn wait_shown(c: &Client, css: &str) {
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

pub(crate) async fn is_shown(c: &Client, css: &str) -> bool {
    find(c, css).await.is_displayed().await.expect("displayed")
}

/// Clicks the element `css` (waiting for it).
pub(crate) async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Types `text` into the field `css` (emptied first).
pub(crate) async fn fill(c: &Client, css: &str, text: &str) {
    let el = find(c, css).await;
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Picks the option of value `value` in the select `css`.
pub(crate) async fn pick(c: &Client, css: &str, value: &str) {
    find(c, css)
        .await
        .select_by_value(value)
        .await
        .expect("select");
}

/// Fills the stand page's start form's parameter rows with `params` (row by row from the
/// first), its commands and its "keep" box.
pub(crate) async fn fill_start_form(
    c: &Client,
    params: &[(&str, &str)],
    commands: &str,
    keep: bool,
) {
    wait_for(c, "#start-form").await;
    for (i, (name, value)) in params.iter().enumerate() {
        type_in_nth(c, "#start-form input[name=param_name]", i, name).await;
        type_in_nth(c, "#start-form input[name=param_value]", i, value).await;
    }
    type_in(c, "#start-form textarea[name=commands]", commands).await;
    if keep {
        click(c, "#start-form input[name=keep]").await;
    }
}

/// Clicks the start button and gives the notice the page answers with.
pub(crate) async fn start_and_read_notice(c: &Client) -> String {
    click(c, "#start-button").await;
    wait_for(c, "p.notice").await.text().await.expect("text")
}

/// How many elements `css` the page has.
pub(crate) async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.expect(css).len()
}

/// Marks the open page, so [`assert_not_reloaded`] can tell it was not loaded again.
pub(crate) async fn mark_page(c: &Client) {
    c.execute("window.__noReload = 42; return null;", vec![])
        .await
        .expect("marker");
}

/// The page marked by [`mark_page`] is still the same page (updated in place, not reloaded).
pub(crate) async fn assert_not_reloaded(c: &Client) {
    let marker = c
        .execute("return window.__noReload || null;", vec![])
        .await
        .expect("marker");
    assert_eq!(marker, json!(42), "the page was reloaded");
}
