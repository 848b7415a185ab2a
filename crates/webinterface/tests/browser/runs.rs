//! Tests from the stand page: the simulator completes a run, a stuck run is cancelled, an
//! admin defines a template an operator starts, a verdict shows where results are listed.

use crate::common::{
    assert_nothing_more, data_message, ingest, start_handler, stop_handler, subscriber,
};
use crate::steps::*;
use domain::store::users::Role;
use fantoccini::Locator;
use serde_json::json;
use std::time::Duration;

/// An editor row as the test types it: name, label, type, and more (field, text) pairs.
type EditorRow<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

#[tokio::test]
async fn the_simulator_completes_a_run_started_from_the_stand_page() {
    let (_driver, c, shots, app) = or_skip!(browser_with(&[], &[("olga", Role::Operator)]));
    let (stop, handler) = start_handler(&app).await;
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
    open(&c, &app, "/stands/demo_module").await;
    wait_text(&c, "#stand-demo_module [data-field=state]", "ready").await;
    fill_start_form(
        &c,
        &[("samples", "40"), ("fs", "10"), ("frequency", "0.5")],
        "start",
        false,
    )
    .await;
    let notice = start_and_read_notice(&c).await;
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
    open(&c, &app, &href).await;
    let time_plot = ".plot[data-kind=time][data-position=\"1\"]";
    wait_drawn(&c, time_plot, Duration::from_secs(30)).await;
    assert_eq!(
        wait_attr(&c, time_plot, "data-points", Duration::from_secs(5)).await,
        "40"
    );
    assert_eq!(text_of(&c, "[data-field=requested_by]").await, "olga");
    shoot(&c, &shots, "#master", "simulated-result.png").await;

    c.close().await.expect("close");
    let _ = stop_stand.send(());
    stand.await.expect("simulator task").expect("simulator");
    stop_handler(stop, handler).await;
}

#[tokio::test]
async fn a_stuck_run_is_cancelled_from_the_stand_page_and_a_new_one_starts() {
    let (_driver, c, shots, app) = or_skip!(logged_in_with_rig1("olga", Role::Operator));
    open(&c, &app, "/stands/rig1").await;
    click(&c, "#start-button").await;
    // The click returns before the form's answer: wait for the page that says it was sent.
    wait_for(&c, "p.notice").await;
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
    open(&c, &app, &format!("/results/{late}")).await;
    let master = text_of(&c, "#master").await;
    assert!(
        master.contains(&format!("{stuck} — cancelled by olga"))
            && master.contains("arrived after the cancel"),
        "{master}"
    );

    // A new test starts at once.
    open(&c, &app, "/stands/rig1").await;
    let notice = start_and_read_notice(&c).await;
    assert!(notice.contains("was sent to the stand"), "{notice}");
    let states: Vec<String> = sqlx::query_scalar("SELECT state::text FROM runs ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .expect("runs");
    assert_eq!(states, ["cancelled", "sent"]);
    c.close().await.expect("close");
}

/// An admin defines a test template in the editor (a choice with labels, a number with a unit
/// and bounds, a required text with a pattern); an operator starts it from the stand page: the
/// browser checks the bounds, a wrong value the server refuses is shown next to its field, and
/// the stand receives typed values in the template's order with its commands.
#[tokio::test]
async fn an_admin_defines_a_test_template_and_an_operator_starts_it() {
    let (_driver, c, shots, app) = or_skip!(browser_with(
        &[("rig1", "ready")],
        &[("ada", Role::Admin), ("olga", Role::Operator)]
    ));
    let mut inbox = subscriber(&app.broker.url(), &["rig1/outbound"]).await;

    log_in(&c, &app, "ada").await;
    open(&c, &app, "/admin/stands/rig1").await;
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
    open(&c, &app, "/stands/rig1").await;
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
    let broker = app.broker.url();
    assert_nothing_more(
        &broker,
        &mut inbox,
        "rig1/outbound",
        "the browser sent nothing",
    )
    .await;

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
    assert_nothing_more(&broker, &mut inbox, "rig1/outbound", "nothing was sent").await;

    fill(&c, &duration, "12.5").await;
    click(&c, &format!("#template-start-{id}")).await;
    let notice = wait_for(&c, "p.notice").await.text().await.expect("text");
    assert!(notice.contains("was sent to the stand"), "{notice}");
    let (topic, command) = crate::common::next_message(&mut inbox).await;
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
    let (_driver, c, shots, app) = or_skip!(browser_with(
        &[("rig1", "ready")],
        &[("olga", Role::Operator)]
    ));
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
    test_support::runs::start(&app.db.pool, &rig, &params, &cmds, Some(stored.id)).await;
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
    open(&c, &app, &format!("/results/{id}")).await;
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
    open(&c, &app, "/results").await;
    wait_text(&c, &format!("#result-{id} td[data-label=Verdict]"), "fail").await;
    shoot(&c, &shots, "#verdict-counts", "results-verdicts.png").await;
    open(&c, &app, "/").await;
    wait_text(&c, "#stand-rig1 [data-field=verdict]", "fail").await;
    shoot(&c, &shots, "#stand-rig1", "dashboard-verdict.png").await;
    c.close().await.expect("close");
}
