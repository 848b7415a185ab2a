//! The relay over real HTTP against a real PostgreSQL and fake MJPEG cameras.

use std::time::Duration;

mod common;

use common::{Relay, Viewer, link, refused};
use serde_json::{Value, json};
use test_support::camera::{CameraOptions, FakeCamera, frame_bytes, frame_seq};
use test_support::pg::TestDb;

#[tokio::test]
async fn install_and_uninstall_round_trip_at_root_and_under_the_proxy_prefix() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;

    assert_eq!(relay.installed("s1").await, (200, json!({ "s1": null })));

    let r = relay.install("s1", "http://10.0.0.7:8080/video.mjpg").await;
    assert_eq!(r.status(), 200);
    let url = "http://10.0.0.7:8080/video.mjpg";
    assert_eq!(r.json::<Value>().await.expect("json"), json!({ "s1": url }));
    assert_eq!(relay.installed("s1").await, (200, json!({ "s1": url })));
    // The unknown stand was created, named after its id, and the web admin sees the URL.
    let (name, camera): (String, Option<String>) =
        sqlx::query_as("SELECT name, camera_url FROM stands WHERE id = 's1'")
            .fetch_one(&db.pool)
            .await
            .expect("stand row");
    assert_eq!((name.as_str(), camera.as_deref()), ("s1", Some(url)));

    // Under the nginx prefix too, and a second install replaces the first.
    let other = "https://10.0.0.8/stream";
    let r = reqwest::Client::new()
        .put(relay.url("/videostream/install-test-stand/s1"))
        .bearer_auth(&relay.admin)
        .form(&[("data", other)])
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), 200);
    let r = reqwest::Client::new()
        .get(relay.url("/videostream/install-test-stand/s1"))
        .bearer_auth(&relay.admin)
        .send()
        .await
        .expect("GET");
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({ "s1": other })
    );

    // Empty data removes it and answers the empty string, as the old relay did; the stand stays.
    let r = relay.install("s1", "").await;
    assert_eq!(r.json::<Value>().await.expect("json"), json!({ "s1": "" }));
    assert_eq!(relay.installed("s1").await, (200, json!({ "s1": null })));
    let stands: i64 = sqlx::query_scalar("SELECT count(*) FROM stands WHERE id = 's1'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(stands, 1);

    let r = reqwest::get(relay.url("/healthz")).await.expect("healthz");
    assert_eq!(r.status(), 200);
    let r = reqwest::get(relay.url("/videostream/healthz"))
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200);
    relay.stop().await;
}

/// Runs curl as the old test script did and returns (status, body).
async fn curl(token: &str, args: &[&str]) -> (u16, String) {
    curl_as(Some(token), args).await
}

/// Runs curl with `args`, with a bearer `token` or none, and returns (status, body).
async fn curl_as(token: Option<&str>, args: &[&str]) -> (u16, String) {
    let auth: Vec<String> = token
        .map(|t| vec!["-H".to_owned(), format!("Authorization: Bearer {t}")])
        .unwrap_or_default();
    let out = tokio::process::Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}"])
        .args(auth)
        .args(args)
        .output()
        .await
        .expect("curl runs (Debian package curl)");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let (body, code) = text.rsplit_once('\n').expect("status line");
    (code.parse().expect("status"), body.to_owned())
}

/// The camera URL of the old test script (`test_videostream_api.sh`); the url crate would
/// write it as http://188.178.124.160/mjpg/video.mjpg.
const OLD_SCRIPT_CAMERA: &str = "http://188.178.124.160:80/mjpg/video.mjpg";

/// The old script's `curl` installing its camera at `install` (`-d data=URL -X put`).
async fn old_script_put(token: Option<&str>, install: &str) -> (u16, String) {
    let data = format!("data={OLD_SCRIPT_CAMERA}");
    curl_as(token, &[install, "-d", &data, "-X", "put"]).await
}

/// The old script's install call for stand 67 (`-d data=URL -X put`, lowercase `put`), with
/// the bearer `token` or none: answered with the URL, which is stored exactly as given.
/// Returns the install address for the calls that follow.
async fn old_script_installs(relay: &Relay, pool: &sqlx::PgPool, token: Option<&str>) -> String {
    let install = relay.url("/install-test-stand/67");
    let (status, body) = old_script_put(token, &install).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({ "67": OLD_SCRIPT_CAMERA })
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT camera_url FROM stands WHERE id = '67'")
            .fetch_one(pool)
            .await
            .expect("stand row");
    assert_eq!(
        stored.as_deref(),
        Some(OLD_SCRIPT_CAMERA),
        "stored as given"
    );
    install
}

/// The old test script's calls (`test_videostream_api.sh`), byte for byte but for the admin
/// token they now send: a lowercase `put` with `-d data=URL` installs, the URL is stored as given, and `-d data=` removes with
/// `{"67": ""}`. A Danish stand id works through its percent-encoded path too.
#[tokio::test]
async fn the_old_test_scripts_curl_calls_work() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    let install = old_script_installs(&relay, &db.pool, Some(&relay.admin)).await;
    let (status, body) = curl(&relay.admin, &[&install, "-X", "get"]).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).expect("json")),
        (200, json!({ "67": OLD_SCRIPT_CAMERA }))
    );

    let (status, body) = curl(&relay.admin, &[&install, "-d", "data=", "-X", "put"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"67":""}"#);
    assert_eq!(relay.installed("67").await, (200, json!({ "67": null })));

    let (status, _) = curl(&relay.admin, &[&install, "-X", "delete"]).await;
    assert_eq!(status, 405);

    let danish = relay.url("/videostream/install-test-stand/pr%C3%B8vestand_3");
    let (status, body) = curl(
        &relay.admin,
        &[&danish, "-d", "data=http://10.0.0.9/x", "-X", "put"],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({ "prøvestand_3": "http://10.0.0.9/x" })
    );
    relay.stop().await;
}

#[tokio::test]
async fn bad_stand_ids_urls_and_forms_are_rejected_clearly() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    let client = reqwest::Client::new();

    for stand in ["bad.id", "a%20b", &"x".repeat(65)] {
        let (status, body) = relay.installed(stand).await;
        assert_eq!(status, 400, "{stand}");
        let msg = body["error"].as_str().expect("error message");
        assert!(msg.contains("invalid stand id"), "{msg}");
        let r = relay.install(stand, "http://10.0.0.7/").await;
        assert_eq!(r.status(), 400, "{stand}");
        let r = reqwest::get(relay.url(&format!("/vstream/test-stand/{stand}?{}", link(stand))))
            .await
            .expect("page");
        assert_eq!(r.status(), 400);
        assert!(r.text().await.expect("html").contains("invalid stand id"));
    }

    for url in ["ftp://cam/x", "not a url", "file:///etc/passwd", "http://"] {
        refused(
            relay.install("s1", url).await,
            400,
            "invalid camera URL",
            url,
        )
        .await;
    }
    // Nothing was stored by the rejected requests.
    let stands: i64 = sqlx::query_scalar("SELECT count(*) FROM stands")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(stands, 0);

    // A form without `data`, and a body that is no form.
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "url=http://10.0.0.7/"),
        ("application/json", "{\"data\": \"http://10.0.0.7/\"}"),
    ] {
        let r = client
            .put(relay.url("/install-test-stand/s1"))
            .bearer_auth(&relay.admin)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("PUT");
        refused(r, 400, "field `data`", content_type).await;
    }
    relay.stop().await;
}

#[tokio::test]
async fn pages_say_when_no_camera_is_installed_and_link_the_stream_relatively() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;

    for path in [
        "/vstream/test-stand/s1",
        "/vstream-direct/test-stand/s1",
        "/videostream/vstream/test-stand/s1",
    ] {
        let text = relay.html(path, "s1", 404).await;
        assert!(text.contains("No camera installed"), "{path}: {text}");
        assert!(text.contains("s1"));
    }

    relay.install("s1", "http://127.0.0.1:9/x").await;
    let query = link("s1");
    let r = reqwest::get(relay.url(&format!("/videostream/vstream/test-stand/s1?{query}")))
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("html");
    // The stream's link carries the page's signed query (`&` escaped in the attribute).
    let src = format!(
        "src=\"../../vstream-direct/test-stand/s1?{}\"",
        query.replace('&', "&amp;")
    );
    assert!(text.contains(&src), "{text}");
    relay.stop().await;
}

#[tokio::test]
async fn fifty_viewers_share_one_upstream_connection_which_closes_after_the_last() {
    let (_db, relay, camera) = common::camera_on_s1().await;

    let viewers = futures::future::join_all((0..50).map(|_| async {
        let mut v = Viewer::connect(&relay, "s1").await;
        let mut last = 0;
        for _ in 0..5 {
            let seq = v.seq().await;
            assert!(seq > last, "frames come in order: {seq} after {last}");
            last = seq;
        }
        v
    }))
    .await;

    assert_eq!(camera.connections(), 1, "one upstream for 50 viewers");
    assert_eq!(camera.active(), 1);
    assert_eq!(relay.state.hub.feed_count(), 1);

    drop(viewers);
    camera.wait_active(0).await;
    test_support::wait_for("the feed to stop", Duration::from_secs(10), || async {
        (relay.state.hub.feed_count() == 0).then_some(())
    })
    .await;

    // A new viewer opens a new upstream connection.
    let mut v = Viewer::connect(&relay, "s1").await;
    v.seq().await;
    assert_eq!(camera.connections(), 2);
    relay.stop().await;
}

#[tokio::test]
async fn frames_pass_through_unchanged_without_content_length_and_with_odd_boundaries() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    for (boundary, delimiter, content_length) in [
        ("--odd", "--odd", false),
        ("--odd", "----odd", false),
        ("plain", "--plain", false),
        ("--odd", "--odd", true),
    ] {
        let camera = FakeCamera::start(CameraOptions {
            frame_bytes: 30_000,
            content_length,
            boundary: boundary.into(),
            delimiter: delimiter.into(),
            ..CameraOptions::default()
        })
        .await;
        relay.install("s1", &camera.url()).await;
        let mut v = Viewer::connect(&relay, "s1").await;
        for _ in 0..3 {
            let frame = v.frame().await.expect("frame");
            let seq = frame_seq(&frame).expect("seq");
            assert_eq!(frame, frame_bytes(seq, 30_000), "{boundary} {delimiter}");
        }
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_camera_restart_is_recovered_by_reconnecting() {
    let (_db, relay, mut camera) = common::camera_on_s1().await;
    let mut v = Viewer::connect(&relay, "s1").await;
    v.seq().await;

    camera.stop().await;
    let made_before_restart = camera.frames_sent();
    camera.start_again().await;

    // The viewer's stream goes on with frames of the new connection.
    while v.seq().await <= made_before_restart {}
    v.seq().await;
    assert_eq!(camera.connections(), 2);
    assert_eq!(camera.active(), 1);
    relay.stop().await;
}

#[tokio::test]
async fn a_stalled_viewer_skips_frames_and_does_not_slow_a_fast_one() {
    let (_db, relay, camera) = common::camera_on_s1_with(CameraOptions {
        frame_bytes: 200_000,
        fps: 100.0,
        ..CameraOptions::default()
    })
    .await;

    let mut stalled = Viewer::connect(&relay, "s1").await;
    let first = stalled.seq().await;
    // The stalled viewer now reads nothing while the fast one takes 150 frames (30 MB, more
    // than all socket buffers between the relay and the stalled viewer hold).
    let mut fast = Viewer::connect(&relay, "s1").await;
    let mut last = fast.seq().await;
    for _ in 0..150 {
        let seq = fast.seq().await;
        assert!(seq > last);
        last = seq;
    }
    assert_eq!(camera.connections(), 1);

    // When it reads again, it gets what was buffered and then the newest frames: it skipped.
    let mut seqs = vec![first];
    while seqs.last().is_some_and(|&s| s < last) {
        seqs.push(stalled.seq().await);
    }
    let skipped = seqs.windows(2).any(|w| w[1] > w[0] + 1);
    assert!(skipped, "the stalled viewer skipped frames: {seqs:?}");
    assert!(
        seqs.len() < 150,
        "the stalled viewer did not get a backlog of every frame: {} frames",
        seqs.len()
    );
    relay.stop().await;
}

#[tokio::test]
async fn bad_cameras_give_error_pages_not_hangs() {
    let (_db, relay) =
        common::relay_with(|s| s.first_frame_timeout = Duration::from_millis(500)).await;

    // Nobody listens there.
    let closed = test_support::free_port();
    relay
        .install("s1", &format!("http://127.0.0.1:{closed}/video"))
        .await;
    // An HTTP server that sends HTML, not MJPEG.
    let html = FakeCamera::start(CameraOptions {
        content_type: Some("text/html; charset=utf-8".into()),
        ..CameraOptions::default()
    })
    .await;
    relay.install("s2", &html.url()).await;
    // An MJPEG stream that never sends a frame.
    let silent = FakeCamera::start(CameraOptions {
        fps: 0.01,
        ..CameraOptions::default()
    })
    .await;
    relay.install("s3", &silent.url()).await;
    // HTTPS is accepted at install, but this build has no TLS: said so, not hung.
    relay.install("s4", "https://127.0.0.1:1/video").await;

    // Every failure looks the same to a viewer (the details are in the log): the relay tells
    // nobody what answers where.
    for (stand, status, hidden) in [
        ("s1", 502, "connect"),
        ("s2", 502, "MJPEG"),
        ("s3", 502, "frame"),
        ("s4", 502, "HTTPS"),
    ] {
        let path = format!("/vstream-direct/test-stand/{stand}");
        let text = relay.html(&path, stand, status).await;
        assert!(!text.contains(hidden), "{stand}: {text}");
        assert!(text.contains("Camera not available"), "{stand}: {text}");
        assert!(text.contains("not available right now"), "{stand}: {text}");
    }
    // No feed is left behind by viewers that gave up.
    test_support::wait_for("the feeds to stop", Duration::from_secs(10), || async {
        (relay.state.hub.feed_count() == 0).then_some(())
    })
    .await;
    relay.stop().await;
}

#[tokio::test]
async fn a_restarted_relay_keeps_installed_cameras_and_shutdown_ends_streams() {
    let db = TestDb::new().await;
    let camera = FakeCamera::start(CameraOptions::default()).await;

    let first = Relay::test(&db.pool).await;
    first.install("s1", &camera.url()).await;
    let mut v = Viewer::connect(&first, "s1").await;
    v.seq().await;
    first.stop().await;
    // Shutting down ended the stream and the upstream connection.
    while v.frame().await.is_some() {}
    camera.wait_active(0).await;

    let second = Relay::test(&db.pool).await;
    assert_eq!(
        second.installed("s1").await,
        (200, json!({ "s1": camera.url() }))
    );
    let mut v = Viewer::connect(&second, "s1").await;
    v.seq().await;
    second.stop().await;
}

#[tokio::test]
async fn uninstalling_ends_the_streams_of_the_old_camera() {
    let (_db, relay, camera) = common::camera_on_s1().await;
    let mut v = Viewer::connect(&relay, "s1").await;
    v.seq().await;

    relay.install("s1", "").await;
    while v.frame().await.is_some() {}
    camera.wait_active(0).await;
    let r = relay.watch("s1").await;
    assert_eq!(r.status(), 404);
    relay.stop().await;
}

/// `test_videostream_api.sh` exactly (no token) works once `VIDEOSTREAM_OPEN_INSTALL=true`:
/// `curl …/install-test-stand/67 -d "data=URL" -X put` installs the URL as given, and
/// `-d "data=" -X put` removes it, answering `{"67":""}`.
#[tokio::test]
async fn the_old_test_script_runs_unchanged_with_open_install() {
    let (db, relay) = common::relay_with(|s| s.open_install = true).await;
    let install = old_script_installs(&relay, &db.pool, None).await;

    let (status, body) = curl_as(None, &[&install, "-d", "data=", "-X", "put"]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"67":""}"#));
    assert_eq!(relay.installed("67").await, (200, json!({ "67": null })));
    relay.stop().await;

    // The default stays token-protected: the same call is refused and changes nothing.
    let closed = Relay::test(&db.pool).await;
    let install = closed.url("/install-test-stand/67");
    let (status, _) = old_script_put(None, &install).await;
    assert_eq!(status, 401);
    assert_eq!(closed.installed("67").await, (200, json!({ "67": null })));
    closed.stop().await;
}

#[tokio::test]
async fn the_old_relays_start_page_and_feed_say_where_the_streams_are() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    let r = reqwest::get(relay.url("/")).await.expect("GET /");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("Open a stand&#39;s page in the web interface"),
        "{page}"
    );
    let r = reqwest::get(relay.url("/video_feed"))
        .await
        .expect("GET /video_feed");
    assert_eq!(r.status(), 410, "the single feed is gone");
    let page = r.text().await.expect("page");
    assert!(
        page.contains("/vstream-direct/test-stand/&lt;stand&gt;"),
        "{page}"
    );
    relay.stop().await;
}
