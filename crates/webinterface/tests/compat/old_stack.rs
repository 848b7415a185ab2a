//! The old stack's addresses and layouts: a never-heard-of stand started after confirmation,
//! old addresses redirected, the classic CSV cell by cell, stand ids percent-encoded.

use crate::common::{Api, App, classic_parameters, next_message, read_csv_rows, subscriber};
use crate::*;
use domain::store::users::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn a_never_heard_of_stand_starts_after_confirmation_by_api_and_form() {
    let mut app = App::start().await;
    app.stand("prøvestand_9", "unknown").await;
    app.stand("prøvestand_4", "offline").await;
    app.stand("b1", "busy").await;
    let token = app.token("olga", Role::Operator).await;
    let olga = Api::new(&app, &token);
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;

    // API, as a script would: without `confirm` a 409 naming it; busy stays refused.
    let (status, said) = olga
        .post_call(
            "/api/stands/prøvestand_9/runs",
            &json!({"parameters": {"fs": "007"}}),
        )
        .await;
    assert_eq!(status, 409);
    let msg = said["error"].as_str().expect("message");
    assert!(
        msg.contains("unknown") && msg.contains("\"confirm\": true"),
        "{msg}"
    );
    let (status, _) = olga
        .post_call("/api/stands/b1/runs", &json!({"confirm": true}))
        .await;
    assert_eq!(status, 409, "busy is refused even when confirmed");
    let run_id = start_run(
        &app,
        &token,
        "prøvestand_9",
        json!({"parameters": {"fs": "007"}, "confirm": true}),
    )
    .await;
    let (topic, payload) = next_message(&mut inbox).await;
    assert_eq!(topic, "prøvestand_9/outbound");
    let message: Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"fs": "007"}));
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |_| true).await;
    assert_eq!(run["confirmed_unheard"], true);
    assert_eq!(run["stand"], "prøvestand_9");

    // The form, as the operator uses it: asked first, then "start anyway".
    let ole = app.session("ole", Role::Operator).await;
    let fields = [
        ("param_name", "gain"),
        ("param_value", "1.10"),
        ("commands", "start\n"),
        ("keep", "true"),
    ];
    let r = ole.post_form("/stands/prøvestand_4/runs", &fields).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.expect("html");
    assert!(html.contains("id=\"start-anyway\""), "{html}");
    assert!(html.contains("Start it anyway?"), "{html}");
    assert_eq!(common::hidden_field(&html, "confirm"), "true");
    assert!(
        html.contains(r#"name="param_value" value="1.10""#),
        "the typed values are kept for the second submit"
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE stand_id = 'prøvestand_4'")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(runs, 0, "asking sends nothing");
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "true"));
    let location = ole
        .post_form_redirect("/stands/prøvestand_4/runs", &confirmed)
        .await;
    assert!(
        location.starts_with("/stands/pr%C3%B8vestand_4?started="),
        "the stand id is percent-encoded: {location}"
    );
    let (topic, payload) = next_message(&mut inbox).await;
    assert_eq!(topic, "prøvestand_4/outbound");
    let message: Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"gain": "1.10"}));
    let (confirmed_unheard, keep): (bool, bool) =
        sqlx::query_as("SELECT confirmed_unheard, keep FROM runs WHERE stand_id = 'prøvestand_4'")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert!(confirmed_unheard && keep);
    let page = ole.page(&location).await;
    assert!(page.contains("started on confirmation"), "{page}");
    assert!(
        page.contains(domain::parameters::PARAMETER_RULE),
        "the parameter rule is shown next to the form"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn old_addresses_redirect_to_the_new_pages_and_downloads() {
    let mut app = App::start().await;
    let payload = common::data_message("demo_module", json!({"fs": 10}), r#"{"x": [1, 2]}"#);
    let ours = common::ingest(&app.db.pool, "demo_module", &payload)
        .await
        .expect("stored");
    // An old result id 17 that import-django took over as `ours`.
    sqlx::query("INSERT INTO django_imports (kind, old_id, result_id) VALUES ('package', 17, $1)")
        .bind(ours)
        .execute(&app.db.pool)
        .await
        .expect("mapping");
    let c = app.client();
    // Each with and without the slash Django's APPEND_SLASH added.
    let slashed = [
        ("/demo_module/saved_data/17/", format!("/results/{ours}")),
        (
            "/demo_module/saved_data/csv/17/",
            format!("/results/{ours}.csv?layout=classic"),
        ),
        (
            "/demo_module/saved_data/excel/17/",
            format!("/results/{ours}.xlsx"),
        ),
        ("/demo_module/saved_data/", "/results".into()),
        ("/demo_module/", "/".into()),
    ];
    let unslashed = slashed
        .iter()
        .map(|(old, new)| (old.trim_end_matches('/'), new.clone()));
    let others: [(&str, String); 9] = [
        ("/demo_module/start_test/", "/stands/demo_module".into()),
        ("/demo_module/running_test/", "/stands/demo_module".into()),
        ("/demo_module/show_info", "/stands/demo_module".into()),
        ("/demo_module/no_such_page/", "/".into()),
        ("/admin/", "/admin/stands".into()),
        // The Django admin's own pages.
        ("/admin/demo_module/status/", "/admin/stands".into()),
        ("/admin/login/?next=/admin/", "/admin/stands".into()),
        ("/admin/auth/user/", "/admin/users".into()),
        ("/admin/auth/user/3/change/", "/admin/users".into()),
    ];
    for (old, new) in slashed.clone().into_iter().chain(unslashed).chain(others) {
        let r = c.get(app.url(old)).send().await.expect("get");
        assert_eq!(r.status(), 308, "{old}");
        assert_eq!(location_of(&r), new, "{old}");
    }
    // An old id that was not imported is not taken as ours (result `ours` + 1 exists too: it
    // would be another test's data), nor is one that is not a number.
    let other = common::ingest(&app.db.pool, "demo_module", &payload)
        .await
        .expect("stored");
    for old in [
        format!("/demo_module/saved_data/{other}/"),
        format!("/demo_module/saved_data/csv/{other}/"),
        format!("/demo_module/saved_data/excel/{other}"),
        "/demo_module/saved_data/abc/".to_owned(),
    ] {
        let r = app.navigate(&c, &old).await;
        assert_eq!(r.status(), 404, "{old}");
        let page = r.text().await.expect("page");
        assert!(page.contains("was not imported here"), "{old}: {page}");
        assert!(page.contains("import-django"), "{old}");
    }
    // Followed with a session, the old CSV address downloads the classic layout.
    let vera = app.session("vera", Role::Viewer).await;
    let r = vera.get("/demo_module/saved_data/csv/17/").await;
    let body = vera.page(&location_of(&r)).await;
    assert!(
        body.starts_with("Testdato,Oprettet af,Kommandoliste\r\n"),
        "{body}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_classic_csv_has_the_old_layout_cell_by_cell() {
    let mut app = App::start().await;
    let payload = common::data_message(
        "prøvestand_1",
        json!({"fs": 100, "gain": "007", "wave": "sine"}),
        r#"{"x": [1, 2, 3], "y": [2.5, 4, 6], "label": ["a", "b"]}"#,
    );
    let id = common::ingest(&app.db.pool, "prøvestand_1", &payload)
        .await
        .expect("stored");
    let received = crate::common::received_at(&app.db.pool, id).await;
    let vera = app.api("vera", Role::Viewer).await;
    let body = vera
        .download(&format!("/results/{id}.csv?layout=classic"), "text/csv")
        .await
        .body;
    let rows = read_csv_rows(&body);
    assert_eq!(rows[0], ["Testdato", "Oprettet af", "Kommandoliste"]);
    assert_eq!(
        rows[1][0],
        received.format("%d/%m/%Y-%H:%M:%S").to_string(),
        "no run: the date the result arrived, written as the old stack stored it"
    );
    assert_eq!(rows[1][1], "prøvestand_1");
    assert_eq!(
        rows[1][2], "['start', '<b>measure</b>']",
        "the command list as the old CSV printed it (Python)"
    );
    assert_eq!(rows[1].len(), 3);
    let params = classic_parameters(&rows);
    assert_eq!(rows[2].len(), 3);
    assert_eq!(rows[3].len(), 3);
    for want in [("fs", "100"), ("gain", "007"), ("wave", "sine")] {
        assert!(params.contains(&want), "{want:?} in {params:?}");
    }
    assert_eq!(rows[4], ["x", "y", "label"]);
    // As the old stack's: CRLF, numbers as Python read them back, cut to the shortest series.
    assert_eq!(rows[5], ["1", "2.5", "a"]);
    assert_eq!(rows[6], ["2", "4", "b"]);
    assert_eq!(
        rows.len(),
        7,
        "uneven series are cut, as the old export did"
    );
    assert!(body.ends_with(b"2,4,b\r\n"), "CRLF line ends");
    // The default layout is unchanged: the series' names first.
    let plain = vera.text(&format!("/results/{id}.csv")).await;
    assert!(plain.starts_with("x,y,label\n1,2.5,a\n"), "{plain}");
    // The result page offers the classic layout.
    let page = vera.text(&format!("/results/{id}")).await;
    assert!(
        page.contains(&format!(
            r#"<a href="/results/{id}.csv?layout=classic" download id="csv-classic-link""#
        )),
        "{page}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn stand_ids_in_redirects_are_percent_encoded() {
    let mut app = App::start().await;
    let ada = app.session("ada", Role::Admin).await;
    // Creating a stand with a Danish id leads to its admin page.
    let to = ada
        .post_form_redirect("/admin/stands", &[("id", "prøvestand_5"), ("name", "")])
        .await;
    assert_eq!(to, "/admin/stands/pr%C3%B8vestand_5");
    ada.page(&to).await;
    // The login page sends a logged-in user on to `next`, encoded.
    let r = ada.get("/login?next=%2Fstands%2Fpr%C3%B8vestand_5").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location_of(&r), "/stands/pr%C3%B8vestand_5");
    app.shutdown().await;
}
