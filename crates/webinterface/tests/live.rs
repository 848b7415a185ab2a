//! The live events as a page receives them (`GET /events`): a stand's row, start hint and
//! status history come drawn by the same partials as the pages, escaped; a new result carries
//! the stand page's recent results; a rejected message is announced. A status published over
//! MQTT reaches an open stream through the real message handler (ingest, `NOTIFY`, SSE), with
//! no browser.

mod common;

use std::time::Duration;

use common::{App, Session, data_message, ingest, start_handler, stop_handler};
use domain::store::users::Role;
use serde_json::Value;

/// An open `GET /events` stream, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// A fresh app with the stand `rig1` ready, `name` (of `role`) logged in, and the stream
    /// that user's pages open.
    async fn watching_rig1(name: &str, role: Role) -> (App, Session, Self) {
        let app = App::start().await;
        app.stand("rig1", "ready").await;
        let session = app.session(name, role).await;
        let events = Self::open_with(session.client.get(session.url("/events"))).await;
        (app, session, events)
    }

    /// Opens the stream `request` asks for and waits for its `hello`, so the subscription
    /// exists before anything the test changes.
    async fn open_with(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("events");
        assert_eq!(response.status(), 200);
        let mut events = Self {
            response,
            buffer: String::new(),
        };
        events.next("hello").await;
        events
    }

    /// The data of the next event of this kind (earlier events of other kinds are skipped).
    async fn next(&mut self, kind: &str) -> Value {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut event = "message";
                    let mut data = Vec::new();
                    for line in block.lines() {
                        if let Some(e) = line.strip_prefix("event: ") {
                            event = e;
                        } else if let Some(d) = line.strip_prefix("data: ") {
                            data.push(d);
                        }
                    }
                    if event == kind {
                        return serde_json::from_str(&data.join("\n")).expect("JSON data");
                    }
                }
                let chunk = self
                    .response
                    .chunk()
                    .await
                    .expect("chunk")
                    .expect("the stream stays open");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {kind} event"))
    }
}

/// The first element of `html` that starts with `start` and ends with `end`, both included.
fn element<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"));
    let len = html[at..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} after {start}"));
    &html[at..at + len + end.len()]
}

/// The stand `rig1` changed: its event is sent (as the writers' `NOTIFY` does).
async fn notify_rig1(app: &App) {
    domain::store::stands::notify_stand(&app.db.pool, &domain::StandId::parse("rig1").expect("id"))
        .await
        .expect("notify");
}

/// A `stand` event saying `rig1` is busy (202).
fn assert_rig1_busy(event: &Value) {
    assert_eq!(
        (event["id"].as_str(), event["state"].as_str()),
        (Some("rig1"), Some("busy"))
    );
    assert_eq!(event["status_code"], 202);
}

/// A stand's status as a stand sends it, through the ingest path (which notifies).
async fn report(app: &App, stand: &str, code: &str) {
    let message = test_support::messages::status(code, stand).to_string();
    assert!(
        ingest(&app.db.pool, stand, message.as_bytes())
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_stand_event_carries_the_row_hint_and_history_the_pages_draw() {
    // Arrange: an operator (who sees the start form's hint) watching a ready stand.
    let (app, olga, mut events) = Events::watching_rig1("olga", Role::Operator).await;

    // Act: the stand reports busy.
    report(&app, "rig1", "202").await;
    let event = events.next("stand").await;

    // Assert: scripts still get the stand's JSON ...
    assert_rig1_busy(&event);
    // ... and the pages get, byte for byte, what they draw on a fresh load of the same state.
    let row = event["row"].as_str().expect("row");
    assert!(row.contains(">busy</span>"), "{row}");
    let dashboard = olga.page("/").await;
    assert_eq!(element(&dashboard, "<tr id=\"stand-rig1\"", "</tr>"), row);
    let stand = olga.page("/stands/rig1").await;
    assert_eq!(element(&stand, "<tr id=\"stand-rig1\"", "</tr>"), row);
    let hint = event["start_hint"].as_str().expect("start_hint");
    assert!(hint.contains("<strong>busy</strong>"), "{hint}");
    assert_eq!(
        element(&stand, "<p class=\"hint\" id=\"not-ready\"", "</p>"),
        hint
    );
    let history = event["history"].as_str().expect("history");
    assert_eq!(history.matches("<tr>").count(), 2, "{history}");
    assert!(
        history.contains("<td data-label=\"Code\">202</td>"),
        "{history}"
    );
    assert_eq!(
        element(&stand, "<tbody id=\"status-history\"", "</tbody>"),
        history
    );
}

#[tokio::test]
async fn a_stand_name_with_markup_is_escaped_in_the_live_row() {
    let (app, _vera, mut events) = Events::watching_rig1("vera", Role::Viewer).await;

    sqlx::query("UPDATE stands SET name = $1 WHERE id = 'rig1'")
        .bind("<script>alert('x')</script><img src=x onerror=alert(1)>")
        .execute(&app.db.pool)
        .await
        .expect("rename");
    notify_rig1(&app).await;
    let event = events.next("stand").await;

    let row = event["row"].as_str().expect("row");
    assert!(!row.contains("<script>"), "{row}");
    assert!(!row.contains("<img"), "{row}");
    assert!(row.contains("&#60;script&#62;"), "{row}");
    // Scripts get the name as it is: escaping is the HTML's business.
    assert_eq!(
        event["name"],
        "<script>alert('x')</script><img src=x onerror=alert(1)>"
    );
}

#[tokio::test]
async fn a_new_result_and_a_rejected_message_are_announced_to_the_pages_that_show_them() {
    let (app, vera, mut events) = Events::watching_rig1("vera", Role::Viewer).await;

    // A result: the stand page's recent results, drawn as the page draws them.
    let data = data_message("pc", serde_json::json!({"fs": 100}), r#"{"a": [1, 2, 3]}"#);
    let id = ingest(&app.db.pool, "rig1", &data).await.expect("a result");
    let event = events.next("result").await;
    assert_eq!(
        (event["id"].as_i64(), event["stand"].as_str()),
        (Some(id), Some("rig1"))
    );
    let results = event["results"].as_str().expect("results");
    assert!(
        results.contains(&format!("href=\"/results/{id}\"")),
        "{results}"
    );
    let stand = vera.page("/stands/rig1").await;
    assert_eq!(
        element(&stand, "<div id=\"recent-results\"", "</div>"),
        results
    );
    // The results list has the notice the event shows.
    let list = vera.page("/results").await;
    assert!(list.contains("data-live-notice=\"result\""), "{list}");

    // A rejected message: its id, for the quarantine page's notice.
    assert!(ingest(&app.db.pool, "rig1", b"not json").await.is_none());
    let event = events.next("quarantine").await;
    let rejected: i64 = sqlx::query_scalar("SELECT max(id) FROM quarantine")
        .fetch_one(&app.db.pool)
        .await
        .expect("quarantined");
    assert_eq!(event["id"].as_i64(), Some(rejected));
    let quarantine = vera.page("/quarantine").await;
    assert!(
        quarantine.contains("data-live-notice=\"quarantine\""),
        "{quarantine}"
    );
}

#[tokio::test]
async fn live_events_carry_stand_changes_to_token_holders_and_end_at_shutdown() {
    let mut app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("v", Role::Viewer).await;
    let mut events =
        Events::open_with(app.client().get(app.url("/events")).bearer_auth(&token)).await;

    sqlx::query("UPDATE stands SET effective_code = 202, status_code = 202 WHERE id = 'rig1'")
        .execute(&app.db.pool)
        .await
        .expect("update");
    notify_rig1(&app).await;
    assert_rig1_busy(&events.next("stand").await);
    // Shutdown ends open streams instead of waiting for them.
    app.shutdown().await;
}

/// The live dashboard's promise end to end without a browser: a stand publishes its status
/// over MQTT, the real message handler stores it and notifies, and a logged-in page's open
/// event stream gets the stand's new row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_published_over_mqtt_reaches_an_open_event_stream_as_the_stands_row() {
    // Arrange: the handler on the app's broker, a viewer's page watching a ready stand.
    let (app, vera, mut events) = Events::watching_rig1("vera", Role::Viewer).await;
    let (stop, handler) = start_handler(&app).await;

    // Act: the stand says it is busy, as stands do (QoS 2, confirmed by the broker).
    common::publish_status(&app.broker.url(), "rig1", "202").await;
    let event = events.next("stand").await;

    // Assert: the event names the stand and its state, and carries the row the pages draw.
    assert_rig1_busy(&event);
    let row = event["row"].as_str().expect("row");
    assert!(row.starts_with("<tr id=\"stand-rig1\""), "{row}");
    assert!(row.contains(">busy</span>"), "{row}");
    let dashboard = vera.page("/").await;
    assert_eq!(element(&dashboard, "<tr id=\"stand-rig1\"", "</tr>"), row);
    stop_handler(stop, handler).await;
}
