//! The admin editor: saves and refusals, an export imported elsewhere sending the same, a start
//! on an unheard stand asking first, a template edited into its next version and deleted.

use crate::common::{App, next_message, subscriber};
use crate::*;
use domain::store::users::Role;
use reqwest::StatusCode;

/// The editor's form for the accelerometer template (rows: sensor, duration, note).
fn editor_form(csrf: &str, max: &str) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = vec![
        ("csrf", csrf.into()),
        ("name", "Sweep".into()),
        ("description", "A frequency sweep".into()),
        ("commands", "calibrate\nmeasure\n".into()),
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
        for (k, v) in keys.iter().zip(row) {
            f.push((k, v.into()));
        }
    }
    f.push(("p_required", "0".into()));
    f.push(("p_required", "3".into()));
    f
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
    let a = App::start().await;
    a.stand("rig1", "ready").await;
    a.user("ada", Role::Admin).await;
    a.user("olga", Role::Operator).await;
    let (ada, csrf) = a.login("ada").await;

    // A refused template comes back as typed, the error next to its row.
    let r = ada
        .post(a.url("/admin/stands/rig1/templates"))
        .form(&editor_form(&csrf, "6O"))
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(page.contains(r#"id="error-row-1">Row 2: max: "#), "{page}");
    assert!(page.contains(r#"value="6O""#), "the typed text is kept");
    assert!(
        page.contains(r#"value="[A-Z]{2}-[0-9]+""#),
        "the typed pattern is kept"
    );
    assert!(!page.contains("error-row-2"), "the blank row was dropped");

    let r = ada
        .post(a.url("/admin/stands/rig1/templates"))
        .form(&editor_form(&csrf, "60"))
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin_page = a.text(&ada, "/admin/stands/rig1").await;
    assert!(
        admin_page.contains("sensor (choice), duration (number, s), note (text)"),
        "{admin_page}"
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM test_templates")
        .fetch_one(&a.db.pool)
        .await
        .expect("saved");
    let exported = a.text(&ada, &format!("/api/templates/{id}/export")).await;

    // Imported onto another stand of a fresh database (a second app, broker and database).
    let b = App::start().await;
    b.stand("twin7", "ready").await;
    b.user("ada", Role::Admin).await;
    b.user("olga", Role::Operator).await;
    let (ada_b, csrf_b) = b.login("ada").await;
    let r = ada_b
        .post(b.url("/admin/stands/twin7/templates/import"))
        .form(&[("csrf", csrf_b.as_str()), ("json", "{\"name\": \"x\", \"parameters\": [{\"name\": \"a\", \"type\": \"text\", \"min\": 1}]}")])
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(page.contains("parameters[0] (a).min"), "{page}");
    let r = ada_b
        .post(b.url("/admin/stands/twin7/templates/import"))
        .form(&[("csrf", csrf_b.as_str()), ("json", exported.as_str())])
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id_b: i64 = sqlx::query_scalar("SELECT id FROM test_templates")
        .fetch_one(&b.db.pool)
        .await
        .expect("imported");

    // The same form on both stands, and the same command sent.
    let (olga_a, csrf_a) = a.login("olga").await;
    let (olga_b, csrf_ob) = b.login("olga").await;
    let page_a = a.text(&olga_a, "/stands/rig1").await;
    let page_b = b.text(&olga_b, "/stands/twin7").await;
    // Both fresh databases number the template 1.
    assert_eq!(id, id_b);
    let form_a = template_forms(&page_a, "rig1", &csrf_a);
    assert_eq!(form_a, template_forms(&page_b, "twin7", &csrf_ob));
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
    let values = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("param.sensor", "y".to_owned()),
            ("param.duration", "12.5".to_owned()),
            ("param.note", "AB-12".to_owned()),
        ]
    };
    // A wrong value first: refused next to its field, the text kept, nothing sent.
    let mut wrong = values(&csrf_a);
    wrong[2].1 = "61".into();
    let r = olga_a
        .post(a.url(&format!("/stands/rig1/templates/{id}/runs")))
        .form(&wrong)
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.expect("html");
    assert!(
        page.contains(&format!(
            r#"<p class="field-error" id="tpl-{id}-1-error">Duration: at most 60 s</p>"#
        )),
        "{page}"
    );
    assert!(page.contains(r#"value="61""#), "{page}");
    assert!(inbox_a.try_recv().is_err());

    let r = olga_a
        .post(a.url(&format!("/stands/rig1/templates/{id}/runs")))
        .form(&values(&csrf_a))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = olga_b
        .post(b.url(&format!("/stands/twin7/templates/{id_b}/runs")))
        .form(&values(&csrf_ob))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
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
    app.user("olga", Role::Operator).await;
    let (s, created) = admin
        .post_call("/api/stands/quiet1/templates", &accelerometer())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = created["id"].as_i64().expect("id");
    let mut inbox = subscriber(&app.broker.url(), &["quiet1/outbound"]).await;
    let (olga, csrf) = app.login("olga").await;
    let url = app.url(&format!("/stands/quiet1/templates/{id}/runs"));
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("param.sensor", "x".to_owned()),
        ("param.duration", "7".to_owned()),
        ("param.dry_run", "true".to_owned()),
    ];
    let r = olga.post(&url).form(&form).send().await.expect("start");
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
    assert!(
        inbox.try_recv().is_err(),
        "nothing sent before the confirmation"
    );

    form.push(("confirm", "true".to_owned()));
    let r = olga
        .post(&url)
        .form(&form)
        .send()
        .await
        .expect("start anyway");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
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
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("ada", Role::Admin).await;
    app.user("olga", Role::Operator).await;
    let (ada, csrf) = app.login("ada").await;
    let html = |path: String| {
        let ada = ada.clone();
        let url = app.url(&path);
        async move {
            let r = ada.get(url).send().await.expect("get");
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.text().await.expect("html")
        }
    };
    let r = ada
        .post(app.url("/admin/stands/rig1/templates"))
        .form(&editor_form(&csrf, "60"))
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v1: i64 = sqlx::query_scalar("SELECT id FROM test_templates")
        .fetch_one(&app.db.pool)
        .await
        .expect("saved");

    let page = html(format!("/admin/templates/{v1}")).await;
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

    let r = ada
        .post(app.url(&format!("/admin/templates/{v1}")))
        .form(&editor_form(&csrf, "120"))
        .send()
        .await
        .expect("save");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v2: i64 = sqlx::query_scalar("SELECT id FROM test_templates WHERE version = 2")
        .fetch_one(&app.db.pool)
        .await
        .expect("version 2");
    let admin_page = html("/admin/stands/rig1".into()).await;
    assert!(
        admin_page.contains(r#"<td data-label="Version">v2</td>"#),
        "{admin_page}"
    );
    let old = html(format!("/admin/templates/{v1}")).await;
    assert!(old.contains(r#"id="older-version""#), "{old}");
    let (olga, _) = app.login("olga").await;
    let stand_page = |olga: reqwest::Client| {
        let url = app.url("/stands/rig1");
        async move {
            olga.get(url)
                .send()
                .await
                .expect("stand")
                .text()
                .await
                .expect("html")
        }
    };
    let page = stand_page(olga.clone()).await;
    assert!(
        page.contains(&format!(r#"id="template-form-{v2}""#)),
        "{page}"
    );
    assert!(page.contains(r#"max="120""#), "{page}");
    assert!(!page.contains(&format!(r#"id="template-form-{v1}""#)));

    let r = app
        .post_form(&ada, &format!("/admin/templates/{v2}/retire"), &csrf, &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin_page = html("/admin/stands/rig1".into()).await;
    assert!(admin_page.contains("No templates"), "{admin_page}");
    let page = stand_page(olga).await;
    assert!(
        page.contains(r#"id="start-form""#),
        "free-form again: {page}"
    );
    assert!(!page.contains("template-forms"));
}
