//! Live pages: the dashboard and the stand page follow the stand from events alone, the lists
//! announce new results and rejected messages, a dashboard that missed updates catches up.

use crate::common::{
    data_message, ingest, publish_status, start_handler, stop_handler, subscriber,
};
use crate::csp::csp_violations;
use crate::steps::*;
use domain::store::users::Role;
use fantoccini::Locator;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn log_in_watch_the_dashboard_live_and_start_a_test() {
    let stands = [
        ("rig1", "ready"),
        ("rig2", "off"),
        ("rig3", "ready"),
        ("rig4", "ready"),
    ];
    let (_driver, c, shots, app) = or_skip!(browser_with(&stands, &[("olga", Role::Operator)]));
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    // The real message handler stores what stands publish, as in production.
    let (stop, handler) = start_handler(&app).await;

    // Log in; the login page sends us back to the dashboard.
    log_in_from(&c, &app, "/", "olga").await;
    assert_eq!(text_of(&c, "#stand-rig1 [data-field=state]").await, "ready");
    assert_eq!(text_of(&c, "#stand-rig2 [data-field=state]").await, "off");
    wait_text(&c, "#live", "live").await;

    // A stand turns busy without a reload when it publishes 202 (through the broker and the
    // message handler): a marker set on this page must survive.
    assert_eq!(text_of(&c, "#stand-rig4 [data-field=state]").await, "ready");
    mark_page(&c).await;
    publish_status(&app.broker.url(), "rig4", "202").await;
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
    assert_not_reloaded(&c).await;
    let (topic, _) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("the API command arrives")
        .expect("alive");
    assert_eq!(topic, "rig1/outbound");
    snap(&c, &shots, "dashboard.png").await;

    // Start a test from the stand page's form on another ready stand.
    open(&c, &app, "/stands/rig3").await;
    fill_start_form(&c, &[("fs", "1000")], "start\nmeasure", true).await;
    let rows = count(&c, "#start-form input[name=param_name]").await;
    click(&c, "#add-param").await;
    assert_eq!(
        count(&c, "#start-form input[name=param_name]").await,
        5,
        "the add button adds a row"
    );
    type_in_nth(&c, "#start-form input[name=param_name]", rows, "wave").await;
    type_in_nth(&c, "#start-form input[name=param_value]", rows, "sine").await;
    let notice = start_and_read_notice(&c).await;
    assert!(notice.contains("was sent to the stand"), "{notice}");
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
    snap(&c, &shots, "stand.png").await;

    // The same dashboard on a phone-sized window stays readable.
    c.set_window_size(390, 844).await.expect("resize");
    open(&c, &app, "/").await;
    wait_for(&c, "#stands").await;
    snap(&c, &shots, "dashboard-phone.png").await;
    c.close().await.expect("close");
    stop_handler(stop, handler).await;
}

#[tokio::test]
async fn a_live_status_update_changes_the_stand_page_from_the_event_alone() {
    let (_driver, c, shots, app) = or_skip!(browser_with(
        &[("rig4", "ready")],
        &[("olga", Role::Operator)]
    ));
    // A stand's name is user input: markup in it stays text, on the first page and live.
    let name = "Rig <img src=x id=pwned> four";
    sqlx::query("UPDATE stands SET name = $1 WHERE id = 'rig4'")
        .bind(name)
        .execute(&app.db.pool)
        .await
        .expect("rename");
    log_in(&c, &app, "olga").await;
    open(&c, &app, "/stands/rig4").await;
    wait_text(&c, "#live", "live").await;
    assert_eq!(text_of(&c, "#stand-rig4 [data-field=state]").await, "ready");
    assert_eq!(text_of(&c, "#not-ready").await, "");
    let history = "#status-history tr";
    assert_eq!(
        c.find_all(Locator::Css(history)).await.expect("rows").len(),
        1
    );
    mark_page(&c).await;
    shoot(&c, &shots, "#standpage", "stand-live-before.png").await;

    // The stand reports busy (through the handler's ingest path, which notifies): its row,
    // the start form's hint and the status history change.
    let busy = test_support::messages::status("202", "rig4").to_string();
    assert!(
        ingest(&app.db.pool, "rig4", busy.as_bytes())
            .await
            .is_none()
    );
    let state_and_last_code = async |state, code| {
        wait_text(&c, "#stand-rig4 [data-field=state]", state).await;
        wait_text(
            &c,
            "#status-history tr:first-child td[data-label=Code]",
            code,
        )
        .await;
    };
    state_and_last_code("busy", "202").await;
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
    wait_for(&c, &format!("#recent-results a[href='/results/{result}']")).await;
    state_and_last_code("ready", "200").await;
    assert_eq!(text_of(&c, "#not-ready").await, "");
    shoot(&c, &shots, "#standpage", "stand-live-after.png").await;

    // From the events alone: no reload, no request to the API (the page used to fetch the
    // status history after every update).
    assert_not_reloaded(&c).await;
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
    let (_driver, c, shots, app) = or_skip!(logged_in_with_rig1("vera", Role::Viewer));

    // The results list says new results have arrived; its link shows them.
    open(&c, &app, "/results").await;
    wait_live(&c).await;
    assert!(!is_shown(&c, "#new-results").await);
    let data = data_message("pc", json!({"fs": 100}), r#"{"a": [1, 2, 3]}"#);
    let result = ingest(&app.db.pool, "rig1", &data).await.expect("result");
    wait_shown(&c, "#new-results").await;
    shoot(&c, &shots, "main", "results-new.png").await;
    click(&c, "#new-results a").await;
    wait_for(&c, &format!("#result-{result}")).await;
    assert!(!is_shown(&c, "#new-results").await);

    // The quarantine says more messages have been rejected; its link shows them.
    open(&c, &app, "/quarantine").await;
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
    click(&c, "#new-rejected a").await;
    wait_for(&c, &format!("#quarantined-{rejected}")).await;
    c.close().await.expect("close");
}

#[tokio::test]
async fn a_dashboard_that_missed_updates_catches_up_on_resync() {
    let (_driver, c, _, app) = or_skip!(logged_in_with_rig1("vera", Role::Viewer));
    wait_text(&c, "#live", "live").await;
    mark_page(&c).await;

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
    assert_not_reloaded(&c).await;
    c.close().await.expect("close");
}
