//! The pages in Danish: a user picks Dansk on the account page and, in the same session, the
//! dashboard, a live update, the stand page and a result page speak Danish, with times as
//! `30.11.2026 19:13:05` in the lab's zone and decimal commas. Screenshots for a person to look
//! at: `target/screenshots/da-dashboard.png`, `da-stand.png`, `da-result.png`.

use crate::common::{data_message, ingest, publish_status, start_handler, stop_handler};
use crate::steps::*;
use domain::store::users::Role;
use serde_json::json;

#[tokio::test]
async fn a_user_switches_to_danish_and_the_pages_and_live_updates_follow() {
    let (_driver, c, shots, app) = or_skip!(browser_with(
        &[("rig4", "ready")],
        &[("olga", Role::Operator)]
    ));
    let result = ingest(
        &app.db.pool,
        "rig4",
        &data_message("rig4", json!({"gain": 2.5}), r#"{"volts": [0.5, 1.25, 2]}"#),
    )
    .await
    .expect("a result");
    let (stop, handler) = start_handler(&app).await;

    // The browser asks for English: the pages start in English.
    log_in(&c, &app, "olga").await;
    assert_eq!(text_of(&c, "header nav a[href='/']").await, "Dashboard");

    // The account page, reached from the user name in the header.
    click(&c, "header .who a[href='/account']").await;
    wait_for(&c, "#language-form").await;
    click(&c, "#language-form input[value=da]").await;
    click(&c, "#language-form button[type=submit]").await;
    wait_text(&c, "p.notice", "Sproget er gemt.").await;

    // The next page, same session: Danish, with a live update in Danish.
    open(&c, &app, "/").await;
    wait_text(&c, "header nav a[href='/']", "Oversigt").await;
    wait_live(&c).await;
    assert_eq!(text_of(&c, "#stand-rig4 [data-field=state]").await, "klar");
    publish_status(&app.broker.url(), "rig4", "202").await;
    wait_text(&c, "#stand-rig4 [data-field=state]", "optaget").await;
    let seen = text_of(&c, "#stand-rig4 [data-field=last_seen]").await;
    let danish_time = regex::Regex::new(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$").expect("regex");
    assert!(danish_time.is_match(&seen), "last seen {seen:?}");
    let footer = text_of(&c, "footer.zone").await;
    assert_eq!(footer, "Tider vises i Europe/Copenhagen.");
    snap(&c, &shots, "da-dashboard.png").await;

    for (path, shown, want, why, shot) in [
        (
            "/stands/rig4".to_owned(),
            "#standpage",
            "<html lang=\"da\">",
            "the stand page is Danish",
            "da-stand.png",
        ),
        (
            format!("/results/{result}"),
            "h1",
            "2,5",
            "the parameter 2.5 shows with a decimal comma",
            "da-result.png",
        ),
    ] {
        open(&c, &app, &path).await;
        wait_for(&c, shown).await;
        let html = c.source().await.expect("source");
        assert!(html.contains(want), "{why}");
        snap(&c, &shots, shot).await;
    }

    stop_handler(stop, handler).await;
}
