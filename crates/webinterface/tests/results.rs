//! Results over real HTTP against a real database, seeded through the handler's ingest path:
//! exports that round-trip exactly (CSV and xlsx parsed back), unequal and non-numeric series,
//! nested parameters, HTML escaped everywhere, filters and paging, keep/delete per role and
//! CSRF, and the quarantine's raw payloads (and its old `/rejected` paths).

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{App, data_message, ingest, read_csv};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Numbers chosen to catch any lossy formatting on the way out.
fn tricky() -> Vec<f64> {
    vec![
        0.1,
        -0.0,
        1e-300,
        5e-324,
        123_456_789.123_456_79,
        -2.5e17,
        std::f64::consts::PI,
        1.0 / 3.0,
        f64::MAX,
        42.0,
    ]
}

fn data_json(a: &[f64], b: &[f64]) -> String {
    format!(
        r#"{{"a": {}, "b short": {}, "labels": ["x", 1, {{"k": "<i>v</i>"}}], "note": "<script>alert(1)</script>"}}"#,
        serde_json::to_string(a).expect("a"),
        serde_json::to_string(b).expect("b"),
    )
}

async fn arrange() -> (App, i64, String) {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("viola", Role::Viewer).await;
    let params = json!({"fs": 100, "nested": {"gain": [1, 2, {"x": null}]}, "mode": "sine"});
    let payload = data_message("rig1-pc", params, &data_json(&tricky(), &[7.0, -1.5]));
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");
    (app, id, token)
}

#[tokio::test]
async fn the_api_gives_the_series_exactly_as_received() {
    let (app, id, token) = arrange().await;
    let c = app.client();
    let r = c
        .get(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.expect("body");
    // The series are the stored text: key order and number spelling as sent.
    let sent = data_json(&tricky(), &[7.0, -1.5]);
    assert!(text.contains(&sent), "{text}");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["id"], id);
    assert_eq!(body["stand"], "rig1");
    assert_eq!(body["sent_by"], "rig1-pc");
    assert_eq!(body["run"], Value::Null);
    assert_eq!(body["keep"], false);
    assert_eq!(body["commands"], json!(["start", "<b>measure</b>"]));
    assert_eq!(
        body["parameters"]["nested"],
        json!({"gain": [1, 2, {"x": null}]})
    );
    let names: Vec<&String> = body["series"].as_object().expect("series").keys().collect();
    assert_eq!(names, ["a", "b short", "labels", "note"]);
    let a: Vec<f64> = serde_json::from_value(body["series"]["a"].clone()).expect("a");
    assert_eq!(a, tricky());
    assert!(body["received_at"].as_str().expect("time").ends_with('Z'));

    // Unknown and malformed ids are JSON 404s.
    for path in ["/api/results/999999", "/api/results/abc", "/api/results/-1"] {
        let r = c
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let e: Value = r.json().await.expect("json error");
        assert!(
            e["error"].as_str().expect("message").contains("no result"),
            "{path}"
        );
    }
    for path in [
        "/results/999999",
        "/results/999999.csv",
        "/results/999999.xlsx",
    ] {
        let r = c
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn csv_round_trips_every_value() {
    let (app, id, token) = arrange().await;
    let r = app
        .client()
        .get(app.url(&format!("/results/{id}.csv")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains(".csv")
    );
    let (header, rows) = read_csv(&r.bytes().await.expect("body"));
    assert_eq!(header, ["a", "b short", "labels", "note"]);
    let a = tricky();
    assert_eq!(
        rows.len(),
        a.len(),
        "one row per sample of the longest series"
    );
    for (i, row) in rows.iter().enumerate() {
        let got: f64 = row[0].parse().expect("number");
        assert_eq!(got.to_bits(), a[i].to_bits(), "row {i}: {}", &row[0]);
    }
    assert_eq!(&rows[0][1], "7");
    assert_eq!(&rows[1][1], "-1.5");
    assert!(
        rows[2..].iter().all(|r| r[1].is_empty()),
        "shorter series leave empty cells"
    );
    // Non-numeric series are text: strings as they are, other values as JSON.
    assert_eq!(&rows[0][2], "x");
    assert_eq!(&rows[1][2], "1");
    assert_eq!(&rows[2][2], r#"{"k":"<i>v</i>"}"#);
    assert_eq!(&rows[0][3], "<script>alert(1)</script>");
    assert!(rows[1][3].is_empty());
}

#[tokio::test]
async fn xlsx_round_trips_every_value_with_all_sheets() {
    let (app, id, token) = arrange().await;
    let r = app
        .client()
        .get(app.url(&format!("/results/{id}.xlsx")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains(".xlsx")
    );
    let body = r.bytes().await.expect("body").to_vec();
    // The Chart sheet holds a line chart of the numeric series, drawn from the Data sheet.
    let mut zip = zip::ZipArchive::new(Cursor::new(body.clone())).expect("a zip");
    let mut chart = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/charts/chart1.xml").expect("a chart"),
        &mut chart,
    )
    .expect("chart xml");
    assert!(chart.contains("<c:lineChart>"), "{chart}");
    assert!(chart.contains("Data!$A$2:$A$11"), "series a: {chart}");
    assert!(chart.contains("Data!$B$2:$B$3"), "series b: {chart}");
    assert!(!chart.contains("Data!$C$"), "no chart of the text series");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
    assert_eq!(wb.sheet_names(), ["Data", "Chart", "Parameters", "Info"]);

    let data = wb.worksheet_range("Data").expect("Data");
    let rows: Vec<&[Data]> = data.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["a", "b short", "labels", "note"]);
    let a = tricky();
    assert_eq!(rows.len(), a.len() + 1);
    for (i, want) in a.iter().enumerate() {
        match &rows[i + 1][0] {
            Data::Float(got) => assert_eq!(got.to_bits(), want.to_bits(), "row {i}"),
            Data::Int(got) => assert_eq!(*got as f64, *want, "row {i}"),
            other => panic!("row {i}: {other:?}"),
        }
    }
    assert_eq!(rows[1][1], Data::Float(7.0));
    assert_eq!(rows[2][1], Data::Float(-1.5));
    assert!(rows[3..].iter().all(|r| r[1] == Data::Empty));
    assert_eq!(rows[1][2], Data::String("x".into()));
    assert_eq!(
        rows[2][2],
        Data::String("1".into()),
        "non-numeric series are text"
    );
    assert_eq!(rows[3][2], Data::String(r#"{"k":"<i>v</i>"}"#.into()));
    assert_eq!(rows[1][3], Data::String("<script>alert(1)</script>".into()));

    let params = wb.worksheet_range("Parameters").expect("Parameters");
    let params: Vec<(String, String)> = params
        .rows()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert!(params.contains(&("fs".into(), "100".into())), "{params:?}");
    assert!(params.contains(&("mode".into(), "sine".into())));
    assert!(params.contains(&("nested".into(), r#"{"gain":[1,2,{"x":null}]}"#.into())));

    let info = wb.worksheet_range("Info").expect("Info");
    let info: Vec<(String, String)> = info
        .rows()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert!(
        info.contains(&("Result".into(), id.to_string())),
        "{info:?}"
    );
    assert!(info.contains(&("Stand".into(), "rig1".into())));
    assert!(info.contains(&("Sent by".into(), "rig1-pc".into())));
    assert!(info.contains(&("Commands".into(), r#"["start","<b>measure</b>"]"#.into())));
}

#[tokio::test]
async fn the_result_page_shows_master_data_and_escapes_html() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("viola", Role::Viewer).await;
    let evil = "<script>alert(1)</script>";
    let params = json!({evil: evil, "fs": "250", "nested": {"deep": [evil]}});
    let data = format!(
        r#"{{"{e}": [1, 2, 3], "raw": ["{e}", 2]}}"#,
        e = "<script>alert(1)<\\/script>"
    );
    let id = ingest(&app.db.pool, "rig1", &data_message(evil, params, &data))
        .await
        .expect("result");
    let topic_bytes = format!("{{\"not\": \"schema\", \"x\": \"{evil}\"}}");
    assert!(
        ingest(&app.db.pool, "rig1", topic_bytes.as_bytes())
            .await
            .is_none()
    );
    let (c, _) = app.login("viola").await;
    for path in [
        format!("/results/{id}"),
        "/results".to_owned(),
        "/quarantine".to_owned(),
    ] {
        let r = c.get(app.url(&path)).send().await.expect("page");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.expect("html");
        assert!(!html.contains("<script>alert"), "{path} is not escaped");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;"),
            "{path} does not show the text"
        );
    }
    let html = c
        .get(app.url(&format!("/results/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("250 Hz"),
        "sample rate from a string parameter"
    );
    assert!(
        html.contains("data-kind=\"time\""),
        "a plot for the numeric series"
    );
    assert!(html.contains("data-kind=\"spectrum\""));
    assert!(
        html.contains("class=\"raw-series\""),
        "the non-numeric series shown raw"
    );
    assert!(html.contains("/results/") && html.contains(".csv"));
    assert!(
        !html.contains("id=\"delete-button\""),
        "a viewer gets no delete button"
    );
    // The plot data: downsampled series and a spectrum in Hz.
    let plot: Value = c
        .get(app.url(&format!("/api/results/{id}/plot")))
        .send()
        .await
        .expect("plot")
        .json()
        .await
        .expect("json");
    assert_eq!(plot["rate"], 250.0);
    assert_eq!(plot["frequency_unit"], "Hz");
    assert_eq!(plot["series"].as_array().expect("series").len(), 1);
    assert_eq!(plot["series"][0]["time"]["y"], json!([1.0, 2.0, 3.0]));
    assert_eq!(
        plot["series"][0]["spectrum"]["x"],
        json!([0.0, 250.0 / 3.0])
    );
    // A spectrum window in Hz at full resolution (3 samples at 250 Hz: bins 0 and 83.3 Hz).
    let w: Value = c
        .get(app.url(&format!(
            "/api/results/{id}/series/0/spectrum?from=50&to=125"
        )))
        .send()
        .await
        .expect("spectrum window")
        .json()
        .await
        .expect("json");
    assert_eq!(w["x"], json!([250.0 / 3.0]));
    assert_eq!(w["y"], json!([plot["series"][0]["spectrum"]["y"][1]]));
    // A zoom window, and refusals in JSON.
    let w: Value = c
        .get(app.url(&format!("/api/results/{id}/series/0?from=1&to=2")))
        .send()
        .await
        .expect("window")
        .json()
        .await
        .expect("json");
    assert_eq!(w, json!({"x": [1.0, 2.0], "y": [2.0, 3.0]}));
    for (path, status) in [
        (
            format!("/api/results/{id}/series/0?from=abc"),
            StatusCode::BAD_REQUEST,
        ),
        (format!("/api/results/{id}/series/1"), StatusCode::NOT_FOUND),
        (format!("/api/results/{id}/series/x"), StatusCode::NOT_FOUND),
    ] {
        let r = c.get(app.url(&path)).send().await.expect("get");
        assert_eq!(r.status(), status, "{path}");
        let e: Value = r.json().await.expect("json error");
        assert!(e["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn filters_and_paging_newest_first() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.stand("rig2", "ready").await;
    let token = app.token("viola", Role::Viewer).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let stand = if i % 2 == 0 { "rig1" } else { "rig2" };
        let by = if i < 3 { "anna" } else { "ben" };
        let payload = data_message(by, json!({}), &format!(r#"{{"v": [{i}]}}"#));
        ids.push(ingest(&app.db.pool, stand, &payload).await.expect("result"));
    }
    domain::store::results::set_keep(&app.db.pool, ids[1], true)
        .await
        .expect("keep");
    let c = app.client();
    let get = |q: &str| {
        let c = c.clone();
        let url = app.url(&format!("/api/results{q}"));
        let token = token.clone();
        async move {
            let r = c.get(url).bearer_auth(token).send().await.expect("list");
            let status = r.status();
            (status, r.json::<Value>().await.expect("json"))
        }
    };
    let ids_of = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_i64().expect("id"))
            .collect()
    };
    let (s, all) = get("").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(all["total"], 7);
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
    assert_eq!(ids_of(&all), newest_first);
    let (_, p2) = get("?per_page=3&page=2").await;
    assert_eq!(ids_of(&p2), newest_first[3..6]);
    assert_eq!(p2["total"], 7);
    let (_, rig1) = get("?stand=rig1").await;
    assert_eq!(rig1["total"], 4);
    let (_, ben) = get("?user=BEN").await;
    assert_eq!(ben["total"], 4);
    let (_, kept) = get("?kept=true").await;
    assert_eq!(ids_of(&kept), [ids[1]]);
    let (_, not_kept) = get("?kept=false&stand=rig2").await;
    assert_eq!(not_kept["total"], 2);
    let today = chrono::Utc::now().date_naive();
    let (_, dated) = get(&format!("?from={today}&to={today}")).await;
    assert_eq!(dated["total"], 7);
    let (_, future) = get(&format!("?from={}", today.succ_opt().expect("day"))).await;
    assert_eq!(future["total"], 0);
    let item = &all["items"][0];
    for key in [
        "id",
        "stand",
        "run",
        "sent_by",
        "received_at",
        "point_count",
        "keep",
    ] {
        assert!(item.get(key).is_some(), "{key}");
    }

    for (q, says) in [
        ("?page=0", "page="),
        ("?per_page=abc", "per_page="),
        ("?kept=perhaps", "kept="),
        ("?from=last-week", "from="),
        ("?stand=no%20such!", "stand="),
    ] {
        let (s, e) = get(q).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert!(
            e["error"].as_str().expect("message").contains(says),
            "{q}: {e}"
        );
    }

    // The page: filters, paging links that keep the filters, and a clear refusal.
    let (pc, _) = {
        app.user("pia", Role::Viewer).await;
        app.login("pia").await
    };
    let html = pc
        .get(app.url("/results?stand=rig1&per_page=2"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("id=\"result-{}\"", ids[6])));
    assert!(!html.contains(&format!("id=\"result-{}\"", ids[5])));
    assert!(
        html.contains("/results?stand=rig1&#38;per_page=2&#38;page=2"),
        "paging keeps the filters: {html}"
    );
    let r = pc
        .get(app.url("/results?from=nope"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.expect("html").contains("from="));
}

#[tokio::test]
async fn keep_and_delete_by_role_and_with_csrf_only() {
    let (app, id, viewer_token) = arrange().await;
    let c = app.client();
    let operator_token = app.token("otto", Role::Operator).await;

    // A viewer may not, by API or form.
    let r = c
        .patch(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&viewer_token)
        .json(&json!({"keep": true}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .delete(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&viewer_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let e: Value = r.json().await.expect("json");
    assert!(e["error"].as_str().expect("message").contains("role"));
    app.user("vera", Role::Viewer).await;
    let (vc, vcsrf) = app.login("vera").await;
    let r = vc
        .post(app.url(&format!("/results/{id}/delete")))
        .form(&[("csrf", vcsrf.as_str())])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // An operator may, through the API …
    let r = c
        .patch(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&operator_token)
        .json(&json!({"keep": true}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({"id": id, "keep": true})
    );
    let r = c
        .patch(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&operator_token)
        .json(&json!({"keep": "yes"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Plot data is computed once and then served from the cache, until the result goes.
    let plot_url = app.url(&format!("/api/results/{id}/plot"));
    let first = c
        .get(&plot_url)
        .bearer_auth(&viewer_token)
        .send()
        .await
        .expect("plot");
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.text().await.expect("body");
    let again = c
        .get(&plot_url)
        .bearer_auth(&viewer_token)
        .send()
        .await
        .expect("plot");
    assert_eq!(again.text().await.expect("body"), first);

    // … and through the page's forms, but only with the CSRF token.
    app.user("olga", Role::Operator).await;
    let (oc, csrf) = app.login("olga").await;
    let html = oc
        .get(app.url(&format!("/results/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"delete-button\"") && html.contains("kept forever"));
    let r = oc
        .post(app.url(&format!("/results/{id}/keep")))
        .form(&[("keep", "false")])
        .send()
        .await
        .expect("form");
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a form without CSRF is refused"
    );
    let r = oc
        .post(app.url(&format!("/results/{id}/keep")))
        .form(&[("csrf", csrf.as_str()), ("keep", "false")])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let d = domain::store::results::get(&app.db.pool, id)
        .await
        .expect("get")
        .expect("exists");
    assert!(!d.keep);
    let r = oc
        .post(app.url(&format!("/results/{id}/delete")))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = oc
        .post(app.url(&format!("/results/{id}/delete")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/results?deleted={id}"));
    let r = c
        .get(&plot_url)
        .bearer_auth(&viewer_token)
        .send()
        .await
        .expect("plot");
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no plot of a deleted result"
    );
    let series: i64 = sqlx::query_scalar("SELECT count(*) FROM result_series WHERE result_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(series, 0);
    let r = c
        .delete(app.url(&format!("/api/results/{id}")))
        .bearer_auth(&operator_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_quarantine_shows_payloads_safely_and_gives_the_raw_bytes() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("viola", Role::Viewer).await;
    let binary: Vec<u8> = vec![0xff, 0xfe, 0x00, b'<', b'b', b'>', 0x80];
    let text = br#"{"msgType": "<b>bold</b>"}"#.to_vec();
    assert!(ingest(&app.db.pool, "rig1", &binary).await.is_none());
    assert!(ingest(&app.db.pool, "rig1", &text).await.is_none());
    let (c, _) = app.login("viola").await;
    let html = c
        .get(app.url("/quarantine"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("ff fe 00 3c 62 3e 80"), "binary shown as hex");
    assert!(html.contains("not UTF-8"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;") || html.contains("&#60;b&#62;bold"));
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("rig1/inbound"));
    let listed: Value = c
        .get(app.url("/api/quarantine"))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["total"], 2);
    for item in listed["items"].as_array().expect("items") {
        let qid = item["id"].as_i64().expect("id");
        let r = c
            .get(app.url(&format!("/quarantine/{qid}/payload")))
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .expect("cd")
                .starts_with("attachment")
        );
        let got = r.bytes().await.expect("bytes").to_vec();
        assert!(got == binary || got == text);
        assert_eq!(item["size"].as_u64(), Some(got.len() as u64));
    }
    let r = c
        .get(app.url("/quarantine/99999/payload"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Too large to keep: the page says so and the download explains.
    let big: i64 = sqlx::query_scalar(
        "INSERT INTO quarantine (topic, reason, size, payload)
         VALUES ('rig1/inbound', 'too big', 99999999, NULL) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("insert");
    let html = c
        .get(app.url("/quarantine"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("payload not kept: larger than MAX_PAYLOAD_BYTES"));
    let r = c
        .get(app.url(&format!("/api/quarantine/{big}/payload")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: Value = r.json().await.expect("json");
    assert!(
        e["error"]
            .as_str()
            .expect("message")
            .contains("its bytes are not kept")
    );
}

#[tokio::test]
async fn the_old_quarantine_pages_redirect_and_its_old_api_paths_answer_the_same() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    assert!(ingest(&app.db.pool, "rig1", b"not json").await.is_none());
    // The old page paths point to the new ones (308 keeps the method), query and all.
    let c = app.client();
    for (old, new) in [
        ("/rejected", "/quarantine"),
        ("/rejected?page=2", "/quarantine?page=2"),
        ("/rejected/7/payload", "/quarantine/7/payload"),
        (
            "/rejected/7/payload?x=%C3%A9",
            "/quarantine/7/payload?x=%C3%A9",
        ),
    ] {
        let r = c.get(app.url(old)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(r.headers()["location"], new, "{old}");
    }
    // The old API paths are aliases (API clients need not follow redirects).
    let token = app.token("viola", Role::Viewer).await;
    let list = |path: &'static str| {
        let c = c.clone();
        let url = app.url(path);
        let token = token.clone();
        async move {
            let r = c.get(url).bearer_auth(token).send().await.expect("list");
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.json::<Value>().await.expect("json")
        }
    };
    let new = list("/api/quarantine").await;
    assert_eq!(new["total"], 1);
    assert_eq!(list("/api/rejected").await, new);
    let qid = new["items"][0]["id"].as_i64().expect("id");
    for path in [
        format!("/api/quarantine/{qid}/payload"),
        format!("/api/rejected/{qid}/payload"),
    ] {
        let r = c
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("payload");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.bytes().await.expect("bytes").as_ref(),
            b"not json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn large_unequal_series_round_trip_through_both_downloads() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("viola", Role::Viewer).await;
    // Values with full 17-digit mantissas, so any rounding on the way shows.
    let long: Vec<f64> = (0..150_000)
        .map(|i| (i as f64 * 0.731).sin() * 1e3 / 7.0)
        .collect();
    let short: Vec<f64> = (0..70_000).map(|i| (i as f64).sqrt() * -1e-7).collect();
    let data = format!(
        r#"{{"long": {}, "short": {}}}"#,
        serde_json::to_string(&long).expect("long"),
        serde_json::to_string(&short).expect("short")
    );
    let id = ingest(&app.db.pool, "rig1", &data_message("pc", json!({}), &data))
        .await
        .expect("result");
    let c = app.client();
    let get = |path: String| {
        let c = c.clone();
        let token = token.clone();
        let url = app.url(&path);
        async move {
            let r = c
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("download");
            assert_eq!(r.status(), StatusCode::OK);
            r.bytes().await.expect("body").to_vec()
        }
    };

    let csv_bytes = get(format!("/results/{id}.csv")).await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let mut rows = 0;
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("row");
        let a: f64 = row[0].parse().expect("long value");
        assert_eq!(a.to_bits(), long[i].to_bits(), "long, row {i}");
        match short.get(i) {
            Some(b) => assert_eq!(row[1].parse::<f64>().expect("short").to_bits(), b.to_bits()),
            None => assert!(row[1].is_empty(), "row {i}"),
        }
        rows += 1;
    }
    assert_eq!(rows, long.len());

    let xlsx = get(format!("/results/{id}.xlsx")).await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).expect("xlsx");
    let sheet = wb.worksheet_range("Data").expect("Data");
    assert_eq!(sheet.height(), long.len() + 1);
    for (i, row) in sheet.rows().skip(1).enumerate() {
        assert_eq!(row[0], Data::Float(long[i]), "long, row {i}");
        match short.get(i) {
            Some(b) => assert_eq!(row[1], Data::Float(*b), "short, row {i}"),
            None => assert_eq!(row[1], Data::Empty, "row {i}"),
        }
    }
}

#[tokio::test]
async fn a_result_of_a_run_shows_who_started_it_and_keeps_the_runs_choice() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    app.user("viola", Role::Viewer).await;
    let run: i64 = sqlx::query_scalar(
        "INSERT INTO runs (stand_id, requested_by, keep) VALUES ('rig1', 'olga', true) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("run");
    let id = ingest(
        &app.db.pool,
        "rig1",
        &data_message("rig1-pc", json!({"sampleRate": 20}), r#"{"v": [1, 2]}"#),
    )
    .await
    .expect("result");
    let (c, _) = app.login("viola").await;
    let body: Value = c
        .get(app.url(&format!("/api/results/{id}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(body["run"], run);
    assert_eq!(body["requested_by"], "olga");
    assert_eq!(body["keep"], true, "the run asked to keep it");
    let list: Value = c
        .get(app.url("/api/results?user=olga&kept=true"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["requested_by"], "olga");
    let html = c
        .get(app.url(&format!("/results/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("<dd data-field=\"requested_by\">olga</dd>"),
        "{html}"
    );
    assert!(html.contains("20 Hz"));
    assert!(html.contains("kept forever"));
    let list_html = c
        .get(app.url("/results"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(list_html.contains("olga (sent by rig1-pc)"));
}
