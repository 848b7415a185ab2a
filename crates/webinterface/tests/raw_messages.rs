//! The admin's raw message tool: a message sent from the page or the API reaches the stand's
//! outbound topic byte for byte and is recorded with who sent it; non-admins are refused; any
//! topic but a stand's outbound one (inbound, wildcards, `$SYS`, no such stand) and a message
//! that is not JSON or that the protocol schema refuses are refused with the error next to the
//! field, the text kept, and nothing published.

mod common;

use common::{App, Session, hidden_field, next_message, subscriber};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

type Inbox = UnboundedReceiver<(String, Vec<u8>)>;

/// A fresh app with the stand `rig1` ready, the admin robot's token and a subscriber of every
/// topic (`#`).
async fn arrange() -> (App, String, Inbox) {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("robot", Role::Admin).await;
    let inbox = subscriber(&app.broker.url(), &["#"]).await;
    (app, token, inbox)
}

/// Nothing more arrives at the subscriber of every topic (`#`).
async fn nothing_more(app: &App, inbox: &mut Inbox, what: &str) {
    common::assert_nothing_more(&app.broker.url(), inbox, "sentinel/end", what).await;
}

/// Text as the page escapes it, read back.
fn unescape(s: &str) -> String {
    [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_owned(), |s, (entity, c)| s.replace(entity, c))
}

/// The text of the `<textarea id="{id}" …>`.
fn textarea(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("<textarea name=\"{id}\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no text area {id}"));
    let rest = &html[at..];
    let start = rest.find('>').expect("opened") + 1;
    let end = rest.find("</textarea>").expect("closed");
    unescape(&rest[start..end])
}

/// The error shown next to `field`, if any.
fn field_error(html: &str, field: &str) -> Option<String> {
    let marker = format!("id=\"{field}-error\" role=\"alert\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find("</p>").expect("closed") + start;
    Some(unescape(&html[start..end]))
}

/// The raw message form of `fields` (over sensible values) posted by `browser`.
async fn post_form(browser: &Session, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut form: Vec<(&str, &str)> = vec![
        ("stand", "rig1"),
        ("topic", ""),
        ("protocolVersion", "1.1"),
        ("sentBy", "bench"),
        ("msgType", "command"),
        ("statusCode", "200"),
        ("commandList", "[]"),
        ("parameterObj", "{}"),
        ("dataObj", "{}"),
    ];
    for (name, value) in fields {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    let r = browser.post_form("/admin/raw-messages", &form).await;
    let status = r.status();
    (status, r.text().await.expect("html"))
}

/// `POST /api/admin/raw-messages` with `body` as written, with `token` if given.
async fn post_api(app: &App, token: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut req = app.client().post(app.url("/api/admin/raw-messages"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let r = req
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("post");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn records(app: &App) -> Vec<(Option<i64>, String, String, String, String)> {
    sqlx::query_as(
        "SELECT user_id, username, topic, payload::text, outcome FROM raw_messages ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("records")
}

async fn user_id(app: &App, name: &str) -> i64 {
    domain::store::users::by_username(&app.db.pool, name)
        .await
        .expect("user")
        .expect("exists")
        .id
}

#[tokio::test]
async fn an_admin_sends_from_the_page_and_the_api_and_the_stand_gets_exactly_that() {
    let (app, token, mut inbox) = arrange().await;
    app.stand_with("rig2", "unknown", true).await;
    let browser = app.session("boss", Role::Admin).await;

    // Linked from the stand's admin page, filled in for the stand.
    let stand_page = browser.page("/admin/stands/rig1").await;
    assert!(stand_page.contains("href=\"/admin/raw-messages?stand=rig1\""));
    let page = browser.page("/admin/raw-messages?stand=rig1").await;
    assert_eq!(hidden_field(&page, "topic"), "rig1/outbound");
    assert_eq!(hidden_field(&page, "sentBy"), "boss");
    assert_eq!(hidden_field(&page, "msgType"), "command");
    assert_eq!(hidden_field(&page, "statusCode"), "200");
    assert!(page.contains("href=\"/admin/raw-messages\""), "in the menu");

    // From the page: the keys in the protocol's order, parameters in the order typed.
    let (status, html) = post_form(
        &browser,
        &[
            ("commandList", r#"["start", "<b>measure</b>"]"#),
            ("parameterObj", r#"{"zeta": 1, "alpha": "two"}"#),
            ("dataObj", r#"{"x": [1, 2.5]}"#),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Sent to rig1/outbound"), "{html}");
    let sent = r#"{"protocolVersion":1.1,"sentBy":"bench","msgType":"command","commandList":["start","<b>measure</b>"],"statusCode":"200","parameterObj":{"zeta":1,"alpha":"two"},"dataObj":{"x":[1,2.5]}}"#;
    assert_eq!(
        next_message(&mut inbox).await,
        ("rig1/outbound".into(), sent.into())
    );
    // The list of sent messages shows it, escaped.
    let table = &html[html.find("id=\"raw-messages\"").expect("the list")..];
    assert!(!table.contains("<b>measure</b>"), "unescaped: {table}");
    assert!(unescape(table).contains(sent), "{table}");

    // From the API, to the legacy stand's outbound topic, sentBy left to the admin's name.
    let (status, body) = post_api(
        &app,
        Some(&token),
        r#"{"topic": "Testdevice/rig2/Outbound", "msgType": "command", "statusCode": "201",
            "commandList": ["stop"], "parameterObj": {"b": 1, "a": [true, null]}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["stand"], "rig2");
    assert_eq!(body["topic"], "Testdevice/rig2/Outbound");
    let api_sent = r#"{"protocolVersion":1.1,"sentBy":"robot","msgType":"command","commandList":["stop"],"statusCode":"201","parameterObj":{"b":1,"a":[true,null]},"dataObj":{}}"#;
    assert_eq!(
        serde_json::to_string(&body["payload"]).expect("json"),
        api_sent
    );
    assert_eq!(
        next_message(&mut inbox).await,
        ("Testdevice/rig2/Outbound".into(), api_sent.into())
    );
    // By stand only: its outbound topic.
    let (status, body) = post_api(
        &app,
        Some(&token),
        r#"{"stand": "rig1", "msgType": "status", "statusCode": "600", "sentBy": "x"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (topic, _) = next_message(&mut inbox).await;
    assert_eq!(topic, "rig1/outbound");
    nothing_more(&app, &mut inbox, "one message a send").await;

    // Recorded: who, where, exactly what (json keeps the order), confirmed.
    let (boss, robot) = (user_id(&app, "boss").await, user_id(&app, "robot").await);
    let rows = records(&app).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        (
            Some(boss),
            "boss".into(),
            "rig1/outbound".into(),
            sent.into(),
            "sent".into()
        )
    );
    assert_eq!(
        rows[1],
        (
            Some(robot),
            "robot".into(),
            "Testdevice/rig2/Outbound".into(),
            api_sent.into(),
            "sent".into()
        )
    );
    let page = browser.page("/admin/raw-messages").await;
    let table = &page[page.find("id=\"raw-messages\"").expect("the list")..];
    assert!(table.contains("robot") && table.contains("boss"), "{table}");
}

#[tokio::test]
async fn only_admins_may_send() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let mut inbox = subscriber(&app.broker.url(), &["#"]).await;
    let body = r#"{"stand": "rig1", "msgType": "command", "statusCode": "200"}"#;
    for (name, role) in [("olga", Role::Operator), ("vic", Role::Viewer)] {
        let token = app.token(name, role).await;
        let (status, said) = post_api(&app, Some(&token), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {said}");
        let browser = app.logged_in(name).await;
        let r = browser.get("/admin/raw-messages").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name}");
        let (status, _) = post_form(&browser, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
    let (status, _) = post_api(&app, None, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let r = app
        .client()
        .post(app.url("/admin/raw-messages"))
        .header("accept", "text/html")
        .form(&[
            ("stand", "rig1"),
            ("msgType", "command"),
            ("statusCode", "200"),
        ])
        .send()
        .await
        .expect("post");
    let to = r.headers().get("location").and_then(|l| l.to_str().ok());
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "to the login page");
    assert!(to.is_some_and(|l| l.starts_with("/login?next=")), "{to:?}");
    nothing_more(&app, &mut inbox, "a refused send").await;
    assert!(records(&app).await.is_empty());
}

#[tokio::test]
async fn only_a_stands_outbound_topic_is_taken() {
    let (app, token, mut inbox) = arrange().await;
    app.stand("rig2", "ready").await;
    for topic in [
        "rig1/inbound",
        "Testdevice/rig1/Inbound",
        "Testdevice/rig1/inbound",
        "rig1/#",
        "+/outbound",
        "#",
        "$SYS/broker/outbound",
        "lab/rig1/outbound",
        "ghost/outbound",
    ] {
        let body = serde_json::json!({"topic": topic, "msgType": "command", "statusCode": "200"});
        let (status, said) = post_api(&app, Some(&token), &body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{topic}: {said}");
        let error = said["error"].as_str().expect("error");
        assert!(
            error.contains("topic:") && error.contains("nothing was sent"),
            "{error}"
        );
    }
    // Another stand's outbound topic, and no stand nor topic at all.
    for body in [
        r#"{"stand": "rig1", "topic": "rig2/outbound", "msgType": "command", "statusCode": "200"}"#,
        r#"{"msgType": "command", "statusCode": "200"}"#,
        r#"{"stand": "ghost", "msgType": "command", "statusCode": "200"}"#,
    ] {
        let (status, said) = post_api(&app, Some(&token), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {said}");
    }

    // The page says so next to the field and keeps the topic typed.
    let boss = app.session("boss", Role::Admin).await;
    for (stand, topic) in [("rig1", "rig1/inbound"), ("", "rig1/#"), ("", "$SYS/x")] {
        let (status, html) = post_form(&boss, &[("stand", stand), ("topic", topic)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{topic}");
        let error = field_error(&html, "topic").unwrap_or_else(|| panic!("{topic}: {html}"));
        assert!(error.contains("not a stand's outbound topic"), "{error}");
        assert_eq!(unescape(&hidden_field(&html, "topic")), topic);
        assert!(html.contains("Nothing was sent"), "{html}");
    }
    nothing_more(&app, &mut inbox, "a refused topic").await;
    assert!(records(&app).await.is_empty());
}

#[tokio::test]
async fn text_that_is_not_json_and_messages_the_schema_refuses_are_not_sent() {
    let (app, token, mut inbox) = arrange().await;
    let boss = app.session("boss", Role::Admin).await;

    let typed = r#"{"fs": 10, <oops>"#;
    let (status, html) = post_form(&boss, &[("parameterObj", typed)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = field_error(&html, "parameterObj").expect("next to the field");
    assert!(error.starts_with("not JSON"), "{error}");
    assert_eq!(textarea(&html, "parameterObj"), typed, "kept as typed");
    assert!(!html.contains("<oops>"), "escaped");
    assert_eq!(field_error(&html, "dataObj"), None);

    // Well-formed JSON the schema refuses, each next to its field.
    for (field, text) in [
        ("commandList", r#"{"a": 1}"#),
        ("parameterObj", "[1, 2]"),
        ("dataObj", r#""x""#),
        ("protocolVersion", r#""1.1""#),
        ("statusCode", "abc"),
    ] {
        let (status, html) = post_form(&boss, &[(field, text)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {html}");
        assert!(field_error(&html, field).is_some(), "{field}: {html}");
        let shown = if field == "statusCode" || field == "protocolVersion" {
            unescape(&hidden_field(&html, field))
        } else {
            textarea(&html, field)
        };
        assert_eq!(shown, text, "{field} kept as typed");
    }

    // The API: the same checks, 422 naming the field; a body that is not JSON is a 400.
    for (field, body) in [
        (
            "parameterObj",
            r#"{"stand": "rig1", "msgType": "command", "statusCode": "200", "parameterObj": [1]}"#,
        ),
        (
            "commandList",
            r#"{"stand": "rig1", "msgType": "command", "statusCode": "200", "commandList": "start"}"#,
        ),
        (
            "statusCode",
            r#"{"stand": "rig1", "msgType": "command", "statusCode": "99"}"#,
        ),
        (
            "protocolVersion",
            r#"{"stand": "rig1", "msgType": "command", "statusCode": "200", "protocolVersion": null}"#,
        ),
    ] {
        let (status, said) = post_api(&app, Some(&token), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {said}");
        let error = said["error"].as_str().expect("error");
        assert!(error.contains(&format!("{field}:")), "{error}");
    }
    let (status, _) = post_api(&app, Some(&token), r#"{"stand": "rig1", "#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A body over the API's 2 MB is a 413 that says so (not the framework's 400).
    let huge = format!(
        r#"{{"stand": "rig1", "msgType": "command", "statusCode": "200", "parameterObj": {{"note": "{}"}}}}"#,
        "x".repeat(3 << 20)
    );
    let (status, said) = post_api(&app, Some(&token), &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{said}");
    assert_eq!(said["code"], "api-body-too-large", "{said}");
    nothing_more(&app, &mut inbox, "a refused message").await;
    assert!(records(&app).await.is_empty());
}

#[tokio::test]
async fn a_message_the_broker_does_not_take_is_a_503_and_recorded_as_failed() {
    let mut app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("robot", Role::Admin).await;
    app.broker.kill();
    let (status, said) = post_api(
        &app,
        Some(&token),
        r#"{"stand": "rig1", "msgType": "command", "statusCode": "200"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{said}");
    let error = said["error"].as_str().expect("error");
    assert!(error.contains("recorded as failed"), "{error}");
    let failed: (String, String, Option<String>) =
        sqlx::query_as("SELECT username, outcome, error FROM raw_messages")
            .fetch_one(&app.db.pool)
            .await
            .expect("recorded");
    assert_eq!((failed.0.as_str(), failed.1.as_str()), ("robot", "failed"));
    assert!(failed.2.is_some_and(|e| e.contains("cannot be reached")));
}
