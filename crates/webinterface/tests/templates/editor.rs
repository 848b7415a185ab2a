//! The admin editor: saves and refusals, an export imported elsewhere sending the same, a start
//! on an unheard stand asking first, a template edited into its next version and deleted.

use crate::common::{App, Session, assert_nothing_more, next_message, subscriber};
use crate::*;
use domain::store::users::Role;
use reqwest::StatusCode;

/// The editor's form for the accelerometer template (rows: sensor, duration, note).
fn editor_form(max: &str) -> Vec<(&'static str, &str)> {
    let mut f = vec![
        ("name", "Sweep"),
        ("description", "A frequency sweep"),
        ("commands", "calibrate\nmeasure\n"),
    ];
    let rows: [[&str; 11]; 4] = [
        [
            "sensor",
            "Sensor",
            "Which axis",
            "choice",
            "",
            "",
            "",
            "",
            "",
            "x = X axis\ny = Y axis",
            "",
        ],
        [
            "duration", "Duration", "", "number", "s", "1", max, "0.5", "", "", "10",
        ],
        ["", "", "", "number", "", "", "", "", "", "", ""],
        [
            "note",
            "Note",
            "",
            "text",
            "",
            "",
            "",
            "",
            "[A-Z]{2}-[0-9]+",
            "",
            "",
        ],
    ];
    let keys = [
        "p_name",
        "p_label",
        "p_help",
        "p_type",
        "p_unit",
        "p_min",
        "p_max",
        "p_step",
        "p_pattern",
        "p_choices",
        "p_default",
    ];
    for row in rows {
        f.extend(keys.into_iter().zip(row));
    }
    f.push(("p_required", "0"));
    f.push(("p_required", "3"));
    f
}

/// A fresh app with the stand `stand` ready, the operator olga and the admin ada: ada's session.
async fn admin_and_operator(stand: &str) -> (App, Session) {
    let app = App::start().await;
    app.stand(stand, "ready").await;
    app.user("olga", Role::Operator).await;
    let ada = app.session("ada", Role::Admin).await;
    (app, ada)
}

/// The id of the template's version `version` (the only template of the test).
async fn template_id(app: &App, version: i32) -> i64 {
    sqlx::query_scalar("SELECT id FROM test_templates WHERE version = $1")
        .bind(version)
        .fetch_one(&app.db.pool)
        .await
        .expect("saved")
}

/// The template forms of a stand page, with the stand's id and the CSRF token neutral.
fn template_forms(page: &str, stand: &str, csrf: &str) -> String {
    let start = page
        .find(r#"<div id="template-forms">"#)
        .expect("template forms");
    let end = start + page[start..].find("</section>").expect("end");
    page[start..end]
        .replace(&format!("/stands/{stand}/"), "/stands/STAND/")
        .replace(csrf, "CSRF")
}

#[tokio::test]
async fn the_editor_saves_and_refuses_and_an_export_imported_elsewhere_sends_the_same() {
    let (a, ada) = admin_and_operator("rig1").await;

    // A refused template comes back as typed, the error next to its row.
    let r = ada
        .post_form("/admin/stands/rig1/templates", &editor_form("6O"))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(page.contains(r#"id="error-row-1">Row 2: max: "#), "{page}");
    assert!(page.contains(r#"value="6O""#), "the typed text is kept");
    assert!(
        page.contains(r#"value="[A-Z]{2}-[0-9]+""#),
        "the typed pattern is kept"
    );
    assert!(!page.contains("error-row-2"), "the blank row was dropped");

    ada.post_form_redirect("/admin/stands/rig1/templates", &editor_form("60"))
        .await;
    let admin_page = ada.page("/admin/stands/rig1").await;
    assert!(
        admin_page.contains("sensor (choice), duration (number, s), note (text)"),
        "{admin_page}"
    );
    let id = template_id(&a, 1).await;
    let exported = ada.page(&format!("/api/templates/{id}/export")).await;

    // Imported onto another stand of a fresh database (a second app, broker and database).
    let (b, ada_b) = admin_and_operator("twin7").await;
    let import = "/admin/stands/twin7/templates/import";
    let r = ada_b.post_form(import, &[("json", "{\"name\": \"x\", \"parameters\": [{\"name\": \"a\", \"type\": \"text\", \"min\": 1}]}")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(page.contains("parameters[0] (a).min"), "{page}");
    ada_b
        .post_form_redirect(import, &[("json", &exported)])
        .await;
    let id_b = template_id(&b, 1).await;

    // The same form on both stands, and the same command sent.
    let olga_a = a.logged_in("olga").await;
    let olga_b = b.logged_in("olga").await;
    let page_a = olga_a.page("/stands/rig1").await;
    let page_b = olga_b.page("/stands/twin7").await;
    // Both fresh databases number the template 1.
    assert_eq!(id, id_b);
    let form_a = template_forms(&page_a, "rig1", &olga_a.csrf);
    assert_eq!(form_a, template_forms(&page_b, "twin7", &olga_b.csrf));
    for want in [
        format!(r#"<select name="param.sensor" id="tpl-{id}-0" required>"#),
        r#"<option value="x">X axis</option>"#.into(),
        format!(
            r#"type="number" name="param.duration" id="tpl-{id}-1" value="10" min="1" max="60" step="0.5"> <span class="unit" translate="no">s</span>"#
        ),
        r#"pattern="[A-Z]{2}-[0-9]+""#.into(),
    ] {
        assert!(form_a.contains(&want), "{want} in {form_a}");
    }
    assert!(
        !page_a.contains(r#"id="start-form""#),
        "an operator gets no free form here"
    );

    let mut inbox_a = subscriber(&a.broker.url(), &["rig1/outbound"]).await;
    let mut inbox_b = subscriber(&b.broker.url(), &["twin7/outbound"]).await;
    let mut values = [
        ("param.sensor", "y"),
        ("param.duration", "12.5"),
        ("param.note", "AB-12"),
    ];
    let start_a = format!("/stands/rig1/templates/{id}/runs");
    // A wrong value first: refused next to its field, the text kept, nothing sent.
    values[1].1 = "61";
    let r = olga_a.post_form(&start_a, &values).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(
        page.contains(&format!(
            r#"<p class="field-error" id="tpl-{id}-1-error">Duration: at most 60 s</p>"#
        )),
        "{page}"
    );
    assert!(page.contains(r#"value="61""#), "{page}");
    let broker_a = a.broker.url();
    assert_nothing_more(&broker_a, &mut inbox_a, "rig1/outbound", "a refused start").await;

    values[1].1 = "12.5";
    olga_a.post_form_redirect(&start_a, &values).await;
    olga_b
        .post_form_redirect(&format!("/stands/twin7/templates/{id_b}/runs"), &values)
        .await;
    let (_, sent_a) = next_message(&mut inbox_a).await;
    let (_, sent_b) = next_message(&mut inbox_b).await;
    assert_eq!(sent_a, sent_b);
    assert!(
        sent_a.contains(r#""commandList":["calibrate","measure"],"statusCode":"200","parameterObj":{"sensor":"y","duration":12.5,"note":"AB-12"}"#),
        "{sent_a}"
    );
}

/// On a stand never heard from, a template's form asks "start anyway?" with the values kept,
/// and the confirmed start is recorded as such, with the template's version.
#[tokio::test]
async fn a_template_start_on_an_unheard_stand_asks_first_and_keeps_the_values() {
    let app = App::start().await;
    app.stand("quiet1", "unknown").await;
    let admin = app.api("ada", Role::Admin).await;
    let (s, created) = admin
        .post_call("/api/stands/quiet1/templates", &accelerometer())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = created["id"].as_i64().expect("id");
    let mut inbox = subscriber(&app.broker.url(), &["quiet1/outbound"]).await;
    let olga = app.session("olga", Role::Operator).await;
    let path = format!("/stands/quiet1/templates/{id}/runs");
    let mut form = vec![
        ("param.sensor", "x"),
        ("param.duration", "7"),
        ("param.dry_run", "true"),
    ];
    let r = olga.post_form(&path, &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.expect("html");
    assert!(
        page.contains(&format!(r#"id="template-question-{id}""#)),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"id="template-start-anyway-{id}""#)),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            r#"name="param.duration" id="tpl-{id}-1" value="7""#
        )),
        "{page}"
    );
    let broker = app.broker.url();
    let what = "nothing sent before the confirmation";
    assert_nothing_more(&broker, &mut inbox, "quiet1/outbound", what).await;

    form.push(("confirm", "true"));
    olga.post_form_redirect(&path, &form).await;
    let (_, command) = next_message(&mut inbox).await;
    assert!(
        command.contains(
            r#""parameterObj":{"sensor":"x","duration":7,"frequency":100,"dry_run":true}"#
        ),
        "{command}"
    );
    let (unheard, template): (bool, Option<i64>) =
        sqlx::query_as("SELECT confirmed_unheard, template_id FROM runs")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert_eq!((unheard, template), (true, Some(id)));
}

/// The editor shows a saved template as rows (plus three blank ones), saves an edit as the
/// next version (the old one says so), and deleting the template retires it: the stand is
/// free-form again.
#[tokio::test]
async fn the_editor_edits_a_template_into_its_next_version_and_deletes_it() {
    let (app, ada) = admin_and_operator("rig1").await;
    ada.post_form_redirect("/admin/stands/rig1/templates", &editor_form("60"))
        .await;
    let v1 = template_id(&app, 1).await;

    let page = ada.page(&format!("/admin/templates/{v1}")).await;
    assert_eq!(page.matches(r#"name="p_name""#).count(), 3 + 3, "{page}");
    for want in [
        r#"name="p_name" value="duration""#,
        "x = X axis\ny = Y axis</textarea>",
        r#"name="p_pattern" value="[A-Z]{2}-[0-9]+""#,
        r#"<option value="number" selected>number</option>"#,
        r#"name="p_required" value="0" aria-label="Parameter 1 required" checked"#,
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }

    ada.post_form_redirect(&format!("/admin/templates/{v1}"), &editor_form("120"))
        .await;
    let v2 = template_id(&app, 2).await;
    let admin_page = ada.page("/admin/stands/rig1").await;
    assert!(
        admin_page.contains(r#"<td data-label="Version">v2</td>"#),
        "{admin_page}"
    );
    let old = ada.page(&format!("/admin/templates/{v1}")).await;
    assert!(old.contains(r#"id="older-version""#), "{old}");
    let olga = app.logged_in("olga").await;
    let page = olga.page("/stands/rig1").await;
    assert!(
        page.contains(&format!(r#"id="template-form-{v2}""#)),
        "{page}"
    );
    assert!(page.contains(r#"max="120""#), "{page}");
    assert!(!page.contains(&format!(r#"id="template-form-{v1}""#)));

    ada.post_form_redirect(&format!("/admin/templates/{v2}/retire"), &[])
        .await;
    let admin_page = ada.page("/admin/stands/rig1").await;
    assert!(admin_page.contains("No templates"), "{admin_page}");
    let page = olga.page("/stands/rig1").await;
    assert!(
        page.contains(r#"id="start-form""#),
        "free-form again: {page}"
    );
    assert!(!page.contains("template-forms"));
}
