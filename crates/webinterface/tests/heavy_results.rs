//! Results with very many series: a page reads the stored data once (linear, not once per
//! series), shows a page of series at a time, and the queries of a viewer who leaves, or that
//! run past the statement time-out, end in PostgreSQL.

mod common;

use std::time::Duration;

use common::{App, data_message, ingest_unlimited};
use reqwest::StatusCode;
use serde_json::json;

/// A result of `n` text series on `rig1` (each two values, one a string).
async fn text_result(app: &App, n: usize) -> i64 {
    let series: Vec<String> = (0..n)
        .map(|i| format!(r#""label {i}": ["t{i}", {i}]"#))
        .collect();
    let data = format!("{{{}}}", series.join(","));
    let payload = data_message("s1", json!({}), &data);
    ingest_unlimited(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result")
}

#[tokio::test]
async fn a_result_with_twenty_thousand_text_series_reads_in_linear_time() {
    let (app, viola) = App::rig1_and_viewer().await;
    let small = text_result(&app, 10_000).await;
    let large = text_result(&app, 20_000).await;

    let (status, page) = viola.get_text(&format!("/results/{large}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Series 1–50 of 20000"),
        "the page says which series it shows"
    );
    assert!(
        page.contains("t49") && !page.contains("t50"),
        "a page of 50 series"
    );
    assert!(page.len() < 200_000, "a bounded page: {} bytes", page.len());

    let page_of = |id: i64| {
        let viola = &viola;
        async move {
            let (status, _) = viola.get_text(&format!("/results/{id}")).await;
            assert_eq!(status, StatusCode::OK);
        }
    };
    test_support::assert_linear("the result page", small, large, page_of).await;
    let csv_of = |id: i64| {
        let viola = &viola;
        async move {
            let (status, csv) = viola.get_text(&format!("/results/{id}.csv")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(csv.starts_with("label 0,"), "every series in the download");
        }
    };
    test_support::assert_linear("the CSV download", small, large, csv_of).await;
}

#[tokio::test]
async fn twenty_one_viewers_of_a_heavy_result_and_everyone_else_get_answers() {
    let (app, viola) = App::rig1_and_viewer().await;
    let id = text_result(&app, 20_000).await;
    let viewers = (0..21).map(|i| {
        let viola = &viola;
        async move {
            let path = match i % 3 {
                0 => format!("/results/{id}"),
                1 => format!("/results/{id}?series={}", i * 10),
                _ => format!("/results/{id}.csv"),
            };
            viola.get_text(&path).await.0
        }
    });
    let others = (0..21).map(|_| async { viola.get_text("/api/stands").await.0 });
    let (viewers, others) = tokio::join!(
        futures::future::join_all(viewers),
        futures::future::join_all(others)
    );
    assert!(
        viewers.iter().all(|s| *s == StatusCode::OK),
        "viewers: {viewers:?}"
    );
    assert!(
        others.iter().all(|s| *s == StatusCode::OK),
        "others: {others:?}"
    );
}

#[tokio::test]
async fn the_series_come_a_page_at_a_time_with_their_names_cut() {
    let (app, viola) = App::rig1_and_viewer().await;
    let long = "n".repeat(5_000);
    let mut series: Vec<String> = (0..120).map(|i| format!(r#""v{i}": [{i}, 1]"#)).collect();
    series.push(format!(r#""{long}": ["x"]"#));
    let payload = data_message("s1", json!({}), &format!("{{{}}}", series.join(",")));
    let id = ingest_unlimited(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");

    let (_, first) = viola.get_text(&format!("/results/{id}")).await;
    assert!(first.contains("Series 1–50 of 121"));
    assert!(first.contains(&format!("/results/{id}?series=2#series")));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("data-position=\"49\"") && !first.contains("data-position=\"50\""));
    let (_, second) = viola.get_text(&format!("/results/{id}?series=2")).await;
    assert!(second.contains("Series 51–100 of 121"));
    assert!(second.contains("data-position=\"50\"") && !second.contains("data-position=\"100\""));
    assert!(second.contains("rel=\"prev\"") && second.contains("rel=\"next\""));
    // Every numeric series can still be the x axis from any page.
    assert!(second.contains("<option value=\"0\">v0</option>"));
    assert!(second.contains("<option value=\"119\">v119</option>"));
    // Past the end: the last page, whose long name is cut.
    let (status, last) = viola.get_text(&format!("/results/{id}?series=99")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(last.contains("Series 101–121 of 121"));
    assert!(last.contains(&format!("{}…", &long[..200])) && !last.contains(&long[..201]));
    let (status, _) = viola.get_text(&format!("/results/{id}?series=x")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a page that is not a number"
    );
}

/// How many of this database's server processes wait for a lock in a query on
/// `result_series` (a result page's reads while the test holds the table).
async fn waiting_on_series(app: &App) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock' AND query LIKE '%FROM result_series%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("pg_stat_activity")
}

/// A transaction holding `result_series` locked, so reading a result's series waits.
async fn lock_series(app: &App) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut lock = app.db.pool.begin().await.expect("begin");
    sqlx::query("LOCK TABLE result_series IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .expect("lock");
    lock
}

#[tokio::test]
async fn the_query_of_a_viewer_who_leaves_ends_in_postgresql() {
    let (app, viola) = App::rig1_and_viewer().await;
    let id = text_result(&app, 10).await;
    let lock = lock_series(&app).await;

    let viewer = tokio::spawn({
        let (client, url, token) = (
            viola.client.clone(),
            viola.url(&format!("/results/{id}")),
            viola.token.clone(),
        );
        async move { client.get(url).bearer_auth(token).send().await }
    });
    test_support::wait_for(
        "the page's query to wait",
        Duration::from_secs(10),
        || async { (waiting_on_series(&app).await == 1).then_some(()) },
    )
    .await;
    // The viewer gives up: its connection closes.
    viewer.abort();
    test_support::wait_for(
        "the abandoned query to be cancelled (the statement time-out is 30 s)",
        Duration::from_secs(10),
        || async { (waiting_on_series(&app).await == 0).then_some(()) },
    )
    .await;
    lock.rollback().await.expect("rollback");
    let (status, _) = viola.get_text(&format!("/results/{id}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the connection went back to the pool in order"
    );
}

#[tokio::test]
async fn a_statement_past_the_time_out_answers_an_error_and_the_rest_goes_on() {
    let (app, viola) =
        App::rig1_and_viewer_with(|c| c.statement_timeout = Duration::from_secs(1)).await;
    let id = text_result(&app, 10).await;
    let lock = lock_series(&app).await;
    let started = std::time::Instant::now();
    let (status, body) = viola.get_text(&format!("/results/{id}")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "cut by the time-out"
    );
    assert_eq!(waiting_on_series(&app).await, 0, "nothing left waiting");
    let (status, _) = viola.get_text("/api/stands").await;
    assert_eq!(status, StatusCode::OK);
    lock.rollback().await.expect("rollback");
}
