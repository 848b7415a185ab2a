//! The HTTP server's bounds (issue 11), over real TCP: a client sending its headers a byte at
//! a time is cut, a download nobody reads is cut and gives its slot back, connections above
//! the cap wait, and reading a whole result takes a plot slot.

mod common;

use std::time::{Duration, Instant};

use common::{App, data_message, ingest};
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use webinterface::results::load::{DOWNLOADS, DOWNLOADS_AT_ONCE, PLOTS, PLOTS_AT_ONCE, permit};

fn address(app: &App) -> std::net::SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("address")
}

/// Reads (and drops) until the server closes the connection; false when it is still open
/// after `limit`.
async fn closed_within(stream: &mut (impl AsyncReadExt + Unpin), limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_client_sending_its_headers_a_byte_at_a_time_is_cut() {
    let app = App::start_with(|c| c.server.header_timeout = Duration::from_secs(2)).await;
    let stream = TcpStream::connect(address(&app)).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(60)
    );
    let start = Instant::now();
    let slow = tokio::spawn(async move {
        for b in request.bytes() {
            if write.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let mut answer = Vec::new();
    let cut = tokio::time::timeout(Duration::from_secs(15), read.read_to_end(&mut answer))
        .await
        .is_ok();
    slow.abort();
    assert!(cut, "the slow client was still connected after 15 s");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "cut only after {:?}",
        start.elapsed()
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "the slow request was answered"
    );
    // A prompt client is served as before.
    let r = app.get_anonymous("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_download_nobody_reads_is_cut_and_gives_its_slot_back() {
    let app = App::start_with(|c| c.server.write_timeout = Duration::from_secs(2)).await;
    app.stand("rig1", "ready").await;
    let token = app.token("viola", Role::Viewer).await;
    // About 12 MB of CSV: more than the socket buffers and the export's channel hold.
    let values: Vec<f64> = (0..600_000)
        .map(|i| (i as f64 * 0.731).sin() / 7.0)
        .collect();
    let data = format!(
        r#"{{"a": {}}}"#,
        serde_json::to_string(&values).expect("json")
    );
    let id = ingest(&app.db.pool, "rig1", &data_message("pc", json!({}), &data))
        .await
        .expect("result");
    let path = format!("/results/{id}.csv");

    // As many clients as there are download slots ask for it and never read.
    let mut stalled = Vec::new();
    for _ in 0..DOWNLOADS_AT_ONCE {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small buffer");
        let mut s = socket.connect(address(&app)).await.expect("connect");
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("request");
        stalled.push(s);
    }
    test_support::wait_for(
        "every download slot taken",
        Duration::from_secs(30),
        || async {
            DOWNLOADS
                .get()
                .filter(|s| s.available_permits() == 0)
                .map(|_| ())
        },
    )
    .await;

    // Another viewer still gets the file: the stalled clients are cut and their slots freed.
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        app.get_with_token(&path, &token, "download"),
    )
    .await
    .expect("no download slot came free within 30 s");
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.expect("body");
    assert!(body.len() > 10_000_000, "{} bytes", body.len());
    for s in &mut stalled {
        assert!(
            closed_within(s, Duration::from_secs(10)).await,
            "a stalled client still connected"
        );
    }
}

#[tokio::test]
async fn connections_above_the_cap_wait_for_a_free_one() {
    let app = App::start_with(|c| c.server.max_connections = 2).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(address(&app)).await.expect("connect");
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("request");
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).await.expect("answer");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        open.push(s); // kept alive, holding its connection
    }
    let third = app
        .client()
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(1))
        .send()
        .await;
    assert!(
        third.is_err(),
        "a third connection was served above the cap of 2"
    );
    drop(open);
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        app.client().get(app.url("/healthz")).send(),
    )
    .await
    .expect("served once connections closed")
    .expect("healthz");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn reading_a_whole_result_or_a_window_takes_a_plot_slot() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let token = app.token("viola", Role::Viewer).await;
    let id = ingest(
        &app.db.pool,
        "rig1",
        &data_message("pc", json!({}), r#"{"a": [1, 2, 3]}"#),
    )
    .await
    .expect("result");
    let paths = [
        format!("/api/results/{id}"),
        format!("/api/results/{id}/series/0"),
    ];
    let mut held = Vec::new();
    for _ in 0..PLOTS_AT_ONCE {
        held.push(permit(&PLOTS, PLOTS_AT_ONCE).await.expect("slot"));
    }
    for path in &paths {
        let waited = tokio::time::timeout(
            Duration::from_secs(1),
            app.get_with_token(path, &token, "get"),
        )
        .await;
        assert!(
            waited.is_err(),
            "{path} was answered while every plot slot was taken"
        );
    }
    drop(held);
    for path in &paths {
        let r = app.get_with_token(path, &token, "get").await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
}
