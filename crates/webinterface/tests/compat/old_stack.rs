//! The old stack's addresses and layouts: a never-heard-of stand started after confirmation,
//! old addresses redirected, the classic CSV cell by cell, stand ids percent-encoded.

use crate::common::{App, subscriber};
use crate::*;
use domain::store::users::Role;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_never_heard_of_stand_starts_after_confirmation_by_api_and_form() {
    let mut app = App::start().await;
    app.stand("prøvestand_9", "unknown").await;
    app.stand("prøvestand_4", "offline").await;
    app.stand("b1", "busy").await;
    let token = app.token("olga", Role::Operator).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound"]).await;
    let c = app.client();
    let start = |stand: &str, body: Value| {
        c.post(app.url(&format!("/api/stands/{stand}/runs")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    // API, as a script would: without `confirm` a 409 naming it; busy stays refused.
    let r = start("prøvestand_9", json!({"parameters": {"fs": "007"}}))
        .await
        .expect("post");
    assert_eq!(r.status(), 409);
    let msg = r.json::<Value>().await.expect("json")["error"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        msg.contains("unknown") && msg.contains("\"confirm\": true"),
        "{msg}"
    );
    let r = start("b1", json!({"confirm": true})).await.expect("post");
    assert_eq!(r.status(), 409, "busy is refused even when confirmed");
    let r = start(
        "prøvestand_9",
        json!({"parameters": {"fs": "007"}, "confirm": true}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 201);
    let run_id = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "prøvestand_9/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"fs": "007"}));
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |_| true).await;
    assert_eq!(run["confirmed_unheard"], true);
    assert_eq!(run["stand"], "prøvestand_9");

    // The form, as the operator uses it: asked first, then "start anyway".
    app.user("ole", Role::Operator).await;
    let (browser, csrf) = app.login("ole").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("param_name", "gain"),
        ("param_value", "1.10"),
        ("commands", "start\n"),
        ("keep", "true"),
    ];
    let r = browser
        .post(app.url("/stands/prøvestand_4/runs"))
        .form(&fields)
        .send()
        .await
        .expect("post");
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
    let r = browser
        .post(app.url("/stands/prøvestand_4/runs"))
        .form(&confirmed)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let location = location_of(&r);
    assert!(
        location.starts_with("/stands/pr%C3%B8vestand_4?started="),
        "the stand id is percent-encoded: {location}"
    );
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("arrives")
        .expect("alive");
    assert_eq!(topic, "prøvestand_4/outbound");
    let message: Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(message["parameterObj"], json!({"gain": "1.10"}));
    let (confirmed_unheard, keep): (bool, bool) =
        sqlx::query_as("SELECT confirmed_unheard, keep FROM runs WHERE stand_id = 'prøvestand_4'")
            .fetch_one(&app.db.pool)
            .await
            .expect("run");
    assert!(confirmed_unheard && keep);
    let page = app.text(&browser, &location).await;
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
    for (old, new) in [
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
        ("/demo_module", "/".into()),
        ("/demo_module/start_test/", "/stands/demo_module".into()),
        ("/demo_module/running_test/", "/stands/demo_module".into()),
        ("/demo_module/show_info", "/stands/demo_module".into()),
        ("/demo_module/no_such_page/", "/".into()),
        ("/admin/", "/admin/stands".into()),
        // Without the slash Django's APPEND_SLASH added, and the Django admin's own pages.
        ("/demo_module/saved_data/17", format!("/results/{ours}")),
        (
            "/demo_module/saved_data/csv/17",
            format!("/results/{ours}.csv?layout=classic"),
        ),
        (
            "/demo_module/saved_data/excel/17",
            format!("/results/{ours}.xlsx"),
        ),
        ("/demo_module/saved_data", "/results".into()),
        ("/admin/demo_module/status/", "/admin/stands".into()),
        ("/admin/login/?next=/admin/", "/admin/stands".into()),
        ("/admin/auth/user/", "/admin/users".into()),
        ("/admin/auth/user/3/change/", "/admin/users".into()),
    ] {
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
        let r = c
            .get(app.url(&old))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 404, "{old}");
        let page = r.text().await.expect("page");
        assert!(page.contains("was not imported here"), "{old}: {page}");
        assert!(page.contains("import-django"), "{old}");
    }
    // Followed with a session, the old CSV address downloads the classic layout.
    app.user("vera", Role::Viewer).await;
    let (browser, _) = app.login("vera").await;
    let r = browser
        .get(app.url("/demo_module/saved_data/csv/17/"))
        .send()
        .await
        .expect("get");
    let next = location_of(&r);
    let body = app.text(&browser, &next).await;
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
    let token = app.token("vera", Role::Viewer).await;
    let get = |query: &str| {
        app.client()
            .get(app.url(&format!("/results/{id}.csv{query}")))
            .bearer_auth(&token)
            .send()
    };
    let body = get("?layout=classic")
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("body");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_ref())
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
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
    let params: Vec<(&str, &str)> = rows[2]
        .iter()
        .map(String::as_str)
        .zip(rows[3].iter().map(String::as_str))
        .collect();
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
    let plain = get("").await.expect("csv").text().await.expect("text");
    assert!(plain.starts_with("x,y,label\n1,2.5,a\n"), "{plain}");
    // The result page offers the classic layout.
    let page = app.text_with_token(&format!("/results/{id}"), &token).await;
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
    app.user("ada", Role::Admin).await;
    let (browser, csrf) = app.login("ada").await;
    // Creating a stand with a Danish id leads to its admin page.
    let r = app
        .post_form(
            &browser,
            "/admin/stands",
            &csrf,
            &[("id", "prøvestand_5"), ("name", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location_of(&r), "/admin/stands/pr%C3%B8vestand_5");
    let page = browser
        .get(app.url(&location_of(&r)))
        .send()
        .await
        .expect("admin page");
    assert_eq!(page.status(), 200);
    // The login page sends a logged-in user on to `next`, encoded.
    let r = browser
        .get(app.url("/login?next=%2Fstands%2Fpr%C3%B8vestand_5"))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);
    assert_eq!(location_of(&r), "/stands/pr%C3%B8vestand_5");
    app.shutdown().await;
}
