//! A result through the API and its page: the series as received, HTML escaped everywhere,
//! plot data and windows, filters and paging, keep and delete per role and with CSRF only,
//! and the run that asked for it.

use domain::store::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{App, data_message, error_of, ingest, json_of, location};
use crate::{arrange, data_json, tricky};

#[tokio::test]
async fn the_api_gives_the_series_exactly_as_received() {
    let (_app, id, viewer) = arrange().await;
    let text = viewer.text(&format!("/api/results/{id}")).await;
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

    // Unknown ids are JSON 404s; an id that is not a number is a JSON 400.
    let r = viewer.get("/api/results/abc").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e = error_of(r).await;
    assert!(e.contains("abc"), "{e}");
    for path in ["/api/results/999999", "/api/results/-1"] {
        let r = viewer.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(error_of(r).await.contains("no result"), "{path}");
    }
    for path in [
        "/results/999999",
        "/results/999999.csv",
        "/results/999999.xlsx",
    ] {
        let r = viewer.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_result_page_shows_master_data_and_escapes_html() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
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
    let viola = app.session("viola", Role::Viewer).await;
    for path in [
        format!("/results/{id}"),
        "/results".to_owned(),
        "/quarantine".to_owned(),
    ] {
        let html = viola.page(&path).await;
        assert!(!html.contains("<script>alert"), "{path} is not escaped");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;"),
            "{path} does not show the text"
        );
    }
    let html = viola.page(&format!("/results/{id}")).await;
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
    let plot = viola.json(&format!("/api/results/{id}/plot")).await;
    assert_eq!(plot["rate"], 250.0);
    assert_eq!(plot["frequency_unit"], "Hz");
    assert_eq!(plot["series"].as_array().expect("series").len(), 1);
    assert_eq!(plot["series"][0]["time"]["y"], json!([1.0, 2.0, 3.0]));
    assert_eq!(
        plot["series"][0]["spectrum"]["x"],
        json!([0.0, 250.0 / 3.0])
    );
    // A spectrum window in Hz at full resolution (3 samples at 250 Hz: bins 0 and 83.3 Hz).
    let w = viola
        .json(&format!(
            "/api/results/{id}/series/0/spectrum?from=50&to=125"
        ))
        .await;
    assert_eq!(w["x"], json!([250.0 / 3.0]));
    assert_eq!(w["y"], json!([plot["series"][0]["spectrum"]["y"][1]]));
    // A zoom window, and refusals in JSON.
    let w = viola
        .json(&format!("/api/results/{id}/series/0?from=1&to=2"))
        .await;
    assert_eq!(w, json!({"x": [1.0, 2.0], "y": [2.0, 3.0]}));
    for (path, status) in [
        (
            format!("/api/results/{id}/series/0?from=abc"),
            StatusCode::BAD_REQUEST,
        ),
        (format!("/api/results/{id}/series/1"), StatusCode::NOT_FOUND),
        (
            format!("/api/results/{id}/series/x"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = viola.get(&path).await;
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
    let viewer = app.api("viola", Role::Viewer).await;
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
    let viewer = &viewer;
    let get = move |q: &str| {
        let path = format!("/api/results{q}");
        async move { viewer.json(&path).await }
    };
    let ids_of = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_i64().expect("id"))
            .collect()
    };
    let all = get("").await;
    assert_eq!(all["total"], 7);
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
    assert_eq!(ids_of(&all), newest_first);
    let p2 = get("?per_page=3&page=2").await;
    assert_eq!(ids_of(&p2), newest_first[3..6]);
    assert_eq!(p2["total"], 7);
    assert_eq!(get("?stand=rig1").await["total"], 4);
    assert_eq!(get("?user=BEN").await["total"], 4);
    assert_eq!(ids_of(&get("?kept=true").await), [ids[1]]);
    assert_eq!(get("?kept=false&stand=rig2").await["total"], 2);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(get(&format!("?from={today}&to={today}")).await["total"], 7);
    let tomorrow = today.succ_opt().expect("day");
    assert_eq!(get(&format!("?from={tomorrow}")).await["total"], 0);
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
        let r = viewer.get(&format!("/api/results{q}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        let e = error_of(r).await;
        assert!(e.contains(says), "{q}: {e}");
    }

    // The page: filters, paging links that keep the filters, and a clear refusal.
    let pia = app.session("pia", Role::Viewer).await;
    let html = pia.page("/results?stand=rig1&per_page=2").await;
    assert!(html.contains(&format!("id=\"result-{}\"", ids[6])));
    assert!(!html.contains(&format!("id=\"result-{}\"", ids[5])));
    assert!(
        html.contains("/results?stand=rig1&#38;per_page=2&#38;page=2"),
        "paging keeps the filters: {html}"
    );
    let html = pia
        .page_with("/results?from=nope", StatusCode::BAD_REQUEST)
        .await;
    assert!(html.contains("from="));
}

#[tokio::test]
async fn keep_and_delete_by_role_and_with_csrf_only() {
    let (app, id, viewer) = arrange().await;
    let operator = app.api("otto", Role::Operator).await;
    let api_path = format!("/api/results/{id}");

    // A viewer may not, by API or form.
    let r = viewer.patch(&api_path, &json!({"keep": true})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = viewer.send(Method::DELETE, &api_path, None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(error_of(r).await.contains("role"));
    let vera = app.session("vera", Role::Viewer).await;
    let r = vera.post_form(&format!("/results/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // An operator may, through the API …
    let r = operator.patch(&api_path, &json!({"keep": true})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await, json!({"id": id, "keep": true}));
    let r = operator.patch(&api_path, &json!({"keep": "yes"})).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Plot data is computed once and then served from the cache, until the result goes.
    let plot_path = format!("/api/results/{id}/plot");
    let first = viewer.text(&plot_path).await;
    assert_eq!(viewer.text(&plot_path).await, first);

    // … and through the page's forms, but only with the CSRF token.
    let olga = app.session("olga", Role::Operator).await;
    let html = olga.page(&format!("/results/{id}")).await;
    assert!(html.contains("id=\"delete-button\"") && html.contains("kept forever"));
    let keep_path = format!("/results/{id}/keep");
    let delete_path = format!("/results/{id}/delete");
    let r = olga.post_form_as_is(&keep_path, &[("keep", "false")]).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a form without CSRF is refused"
    );
    olga.post_form_redirect(&keep_path, &[("keep", "false")])
        .await;
    let d = domain::store::results::get(&app.db.pool, id)
        .await
        .expect("get")
        .expect("exists");
    assert!(!d.keep);
    let r = olga
        .post_form_as_is(&delete_path, &[("csrf", "wrong")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = olga.post_form(&delete_path, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/results?deleted={id}"));
    assert_eq!(
        viewer.get(&plot_path).await.status(),
        StatusCode::NOT_FOUND,
        "no plot of a deleted result"
    );
    let series: i64 = sqlx::query_scalar("SELECT count(*) FROM result_series WHERE result_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(series, 0);
    let r = operator.send(Method::DELETE, &api_path, None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_result_of_a_run_shows_who_started_it_and_keeps_the_runs_choice() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
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
    let viola = app.session("viola", Role::Viewer).await;
    let body = viola.json(&format!("/api/results/{id}")).await;
    assert_eq!(body["run"], run);
    assert_eq!(body["requested_by"], "olga");
    assert_eq!(body["keep"], true, "the run asked to keep it");
    let list = viola.json("/api/results?user=olga&kept=true").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["requested_by"], "olga");
    let html = viola.page(&format!("/results/{id}")).await;
    assert!(
        html.contains("<dd data-field=\"requested_by\">olga</dd>"),
        "{html}"
    );
    assert!(html.contains("20 Hz"));
    assert!(html.contains("kept forever"));
    assert!(
        viola
            .page("/results")
            .await
            .contains("olga (sent by rig1-pc)")
    );
}
