//! The relay as an attacker on the lab network sees it: the install API takes an admin, camera
//! URLs cannot point at this machine, link-local or metadata addresses or the stack's own
//! services (checked after DNS, at install and at fetch), no redirect is followed, viewers need
//! a signed link, passwords never show, only images are relayed, and slow or too many clients
//! are cut off.

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{KEY, Relay, Viewer, link, now, refused, test_settings, token};
use domain::camera_policy::{own_service_from_url, parse_networks};
use domain::store::users::Role;
use serde_json::{Value, json};
use test_support::camera::{CameraOptions, FakeCamera};
use test_support::pg::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn stand_count(db: &TestDb) -> i64 {
    db.count("SELECT count(*) FROM stands").await
}

#[tokio::test]
async fn installing_takes_an_admin_token() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    let viewer_token = token(&db.pool, "viewer1", Role::Viewer).await;
    let client = reqwest::Client::new();
    let url = relay.url("/install-test-stand/s1");

    for (method, auth) in [
        ("PUT", None),
        ("put", None),
        ("PUT", Some("Bearer sht_not_a_token")),
        ("PUT", Some("Basic YWRtaW46YWRtaW4=")),
        ("GET", None),
        ("get", None),
    ] {
        let mut r = client
            .request(method.parse().expect("method"), &url)
            .form(&[("data", "http://10.0.0.7/video")]);
        if let Some(auth) = auth {
            r = r.header("authorization", auth);
        }
        let r = r.send().await.expect("request");
        assert_eq!(r.status(), 401, "{method} {auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: Value = r.json().await.expect("JSON error");
        assert!(
            body["error"].as_str().is_some_and(|m| m.contains("admin")),
            "{body}"
        );
    }
    let r = client
        .put(&url)
        .bearer_auth(&viewer_token)
        .form(&[("data", "http://10.0.0.7/video")])
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), 403);
    assert_eq!(stand_count(&db).await, 0, "no stand was created");

    assert_eq!(
        relay.install("s1", "http://10.0.0.7/video").await.status(),
        200
    );
    assert_eq!(stand_count(&db).await, 1);
    relay.stop().await;

    // The old, open API only behind its explicit setting.
    let open = Relay::with(&db.pool, |s| s.open_install = true).await;
    let r = client
        .put(open.url("/install-test-stand/s2"))
        .form(&[("data", "http://10.0.0.7/video")])
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), 200);
    open.stop().await;
}

#[tokio::test]
async fn camera_urls_at_forbidden_addresses_are_refused_at_install() {
    let db = TestDb::new().await;
    // The default rules: no loopback.
    let relay = Relay::with_default_rules(&db.pool, |_| {}).await;
    for url in [
        "http://127.0.0.1:8080/video",
        "http://127.1.2.3/video",
        "http://localhost:8080/video",
        "http://[::1]/video",
        "http://[::ffff:127.0.0.1]/video",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.1/video",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/video",
        "http://0.0.0.0:5432/",
        "http://224.0.0.1/video",
        "http://no-such-host.invalid/video",
    ] {
        refused(
            relay.install("s1", url).await,
            400,
            "camera URL refused",
            url,
        )
        .await;
    }
    assert_eq!(stand_count(&db).await, 0);
    relay.stop().await;

    // With loopback allowed (a simulator on this machine), the stack's own services are still
    // refused: here the test database, as DATABASE_URL names it.
    let mut settings = test_settings();
    settings.policy.own_services =
        vec![own_service_from_url("the database", &db.url, 5432).expect("db url")];
    let db_port = url::Url::parse(&db.url).expect("url").port().expect("port");
    let relay = Relay::start(db.pool.clone(), settings.clone()).await;
    for url in [
        format!("http://127.0.0.1:{db_port}/"),
        format!("http://localhost:{db_port}/"),
    ] {
        let r = relay.install("s1", &url).await;
        refused(r, 400, "the database", &url).await;
    }
    relay.stop().await;

    // CAMERA_ALLOWED_NETWORKS narrows further.
    settings.policy.allowed_networks = parse_networks("10.0.0.0/8").expect("networks");
    let relay = Relay::start(db.pool.clone(), settings).await;
    assert_eq!(relay.install("s1", "http://10.1.1.1/v").await.status(), 200);
    assert_eq!(
        relay.install("s1", "http://192.168.1.5/v").await.status(),
        400
    );
    relay.stop().await;
}

/// A stored URL the install API never saw (the web admin writes the column too) is checked
/// again when a viewer comes: no connection is made.
#[tokio::test]
async fn forbidden_addresses_are_refused_at_fetch_time_too() {
    let db = TestDb::new().await;
    let camera = FakeCamera::start(CameraOptions::default()).await;
    let relay =
        Relay::with_default_rules(&db.pool, |s| s.first_frame_timeout = Duration::from_secs(5))
            .await;
    sqlx::query("INSERT INTO stands (id, name, camera_url) VALUES ('s1', 's1', $1)")
        .bind(camera.url())
        .execute(&db.pool)
        .await
        .expect("stand");
    never_reached(relay, &camera, "the loopback camera was never reached").await;
}

/// A server on a free loopback port that reads each connection's request, then lets `answer`
/// write to the connection; the URL of its `/video`.
async fn server<F, Fut>(answer: F) -> String
where
    F: Fn(TcpStream) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                answer(socket).await;
            });
        }
    });
    format!("http://{addr}/video")
}

/// A server that answers every request with a redirect to `location`.
async fn redirecting_server(location: String) -> String {
    server(move |mut socket| {
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n"
        );
        async move {
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    })
    .await
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let db = TestDb::new().await;
    let camera = FakeCamera::start(CameraOptions::default()).await;
    let redirect = redirecting_server(camera.url()).await;
    // Loopback allowed here, so only the redirect rule can stop the relay reaching the camera.
    let relay = Relay::with(&db.pool, |s| s.first_frame_timeout = Duration::from_secs(5)).await;
    assert_eq!(relay.install("s1", &redirect).await.status(), 200);
    never_reached(relay, &camera, "the redirect's target was not fetched").await;
}

/// Watching `s1` on `relay` is answered 502 and `camera` was never connected to (`why`).
async fn never_reached(relay: Relay, camera: &FakeCamera, why: &str) {
    let r = relay.watch("s1").await;
    assert_eq!(r.status(), 502);
    assert_eq!(camera.connections(), 0, "{why}");
    relay.stop().await;
}

#[tokio::test]
async fn watching_takes_a_valid_signed_link() {
    let (db, relay, _camera) = common::camera_on_s1().await;
    let sig_of = |q: &str| q.split_once("&sig=").expect("sig").1.to_owned();
    let stale = domain::signing::stream_link_query(KEY.as_bytes(), "s1", now() - 120, 60);
    let other_key = domain::signing::stream_link_query(b"another key", "s1", now(), 60);
    let exp = now() + 60;
    let tampered = format!("exp={}&sig={}", exp + 3600, sig_of(&link("s1")));
    for path in [
        "/vstream-direct/test-stand/s1",
        "/videostream/vstream/test-stand/s1",
    ] {
        for (query, status) in [
            (String::new(), 401),
            (format!("exp={exp}"), 401),
            (stale.clone(), 403),
            (other_key.clone(), 403),
            (tampered.clone(), 403),
            (link("s2"), 403),
        ] {
            let r = reqwest::get(relay.url(&format!("{path}?{query}")))
                .await
                .expect("GET");
            assert_eq!(r.status(), status, "{path}?{query}");
            let text = r.text().await.expect("page");
            assert!(text.contains("link"), "{text}");
        }
    }
    // The valid link works, at the root and under the nginx prefix.
    let mut v = Viewer::connect(&relay, "s1").await;
    v.seq().await;
    let r = reqwest::get(relay.url(&format!(
        "/videostream/vstream-direct/test-stand/s1?{}",
        link("s1")
    )))
    .await
    .expect("GET");
    assert_eq!(r.status(), 200);
    drop(r);
    relay.stop().await;

    // Old, open viewing only behind its explicit setting.
    let open = Relay::with(&db.pool, |s| s.public_view = true).await;
    let r = reqwest::get(open.url("/vstream/test-stand/s1"))
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    open.stop().await;
}

/// Log lines written while a test runs, for checking what they say.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_camera_password_never_shows() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This test's runtime is single-threaded: every task of the relay logs on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (db, relay) = common::relay_with(|s| s.first_frame_timeout = Duration::from_secs(3)).await;
    let closed = test_support::free_port();
    let camera = format!("http://admin:s3cretpw@127.0.0.1:{closed}/video?pwd=s3cretpw");
    let shown = format!("http://admin:***@127.0.0.1:{closed}/video?pwd=***");
    let r = relay.install("s1", &camera).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({ "s1": shown })
    );
    assert_eq!(relay.installed("s1").await, (200, json!({ "s1": shown })));
    let r = relay.watch("s1").await;
    assert_eq!(r.status(), 502);
    let page = r.text().await.expect("page");
    assert!(
        !page.contains("s3cretpw") && !page.contains("127.0.0.1"),
        "{page}"
    );
    // A bad URL's error does not echo the password either.
    let r = relay.install("s1", "ftp://admin:s3cretpw@cam/").await;
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.expect("body").contains("s3cretpw"));
    relay.stop().await;

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        log.contains("camera installed"),
        "the log was captured: {log}"
    );
    assert!(
        log.contains("a viewer got no stream") && log.contains("admin:***@127.0.0.1"),
        "the cause is logged, redacted: {log}"
    );
    assert!(!log.contains("s3cretpw"), "{log}");
    // The stored URL keeps the password: the relay needs it.
    let stored: String = sqlx::query_scalar("SELECT camera_url FROM stands WHERE id = 's1'")
        .fetch_one(&db.pool)
        .await
        .expect("stored");
    assert_eq!(stored, camera);
}

/// A camera whose stream mixes other parts in with its JPEGs.
async fn mixed_camera() -> String {
    server(|mut socket| async move {
        let head = b"HTTP/1.1 200 OK\r\n\
                    Content-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n";
        if socket.write_all(head).await.is_err() {
            return;
        }
        let jpeg = test_support::camera::frame_bytes(1, 100);
        let parts: [(&str, &[u8]); 4] = [
            ("image/jpeg", &jpeg),
            ("text/html", b"<script>alert(1)</script>"),
            ("image/jpeg", b"<html><script>alert(2)</script></html>"),
            ("image/svg+xml", b"<svg onload=alert(3)></svg>"),
        ];
        // One part at a time with pauses, so a viewer would see every part relayed
        // (the feed keeps only the newest).
        for _ in 0..100 {
            for (content_type, body) in parts {
                let mut out = Vec::new();
                out.extend(format!("--b\r\nContent-Type: {content_type}\r\n").as_bytes());
                out.extend(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend(body);
                out.extend(b"\r\n");
                if socket.write_all(&out).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        }
    })
    .await
}

#[tokio::test]
async fn only_image_parts_are_relayed_with_the_relays_own_headers() {
    let db = TestDb::new().await;
    let relay = Relay::test(&db.pool).await;
    relay.install("s1", &mixed_camera().await).await;
    // `Viewer::frame` asserts each part it gets is `image/jpeg`.
    let mut v = Viewer::connect(&relay, "s1").await;
    for _ in 0..8 {
        let frame = v.frame().await.expect("frame");
        assert!(frame.starts_with(&[0xFF, 0xD8]), "{frame:?}");
    }
    for path in [
        format!("/vstream/test-stand/s1?{}", link("s1")),
        format!("/vstream-direct/test-stand/s1?{}", link("s1")),
        "/install-test-stand/s1".to_owned(),
        "/healthz".to_owned(),
    ] {
        let r = reqwest::get(relay.url(&path)).await.expect("GET");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .expect("ascii");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    relay.stop().await;
}

#[tokio::test]
async fn slow_and_surplus_clients_are_cut_off() {
    let (_db, relay) = common::relay_with(|s| {
        s.header_read_timeout = Duration::from_millis(500);
        s.max_connections = 3;
    })
    .await;
    let addr = relay.base.trim_start_matches("http://").to_owned();
    // Slowloris: headers that never end are cut off after the time-out.
    let mut slow = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the slow client was disconnected");

    // Three idle connections take every slot: a fourth is closed at once, unanswered.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(
            tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect"),
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    // Closed, not merely slow: the read ends (EOF or reset) instead of waiting for an answer.
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), extra.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the fourth connection was left open");
    assert!(
        !String::from_utf8_lossy(&buf).contains("200 OK"),
        "a fourth connection was served"
    );
    drop(idle);
    relay.stop().await;
    let _ = std::io::stdout().flush();
}
