//! What the relay's integration tests share: a relay on a free port with an admin token and a
//! signing key, viewers that read frames with the relay's own parser.

#![allow(dead_code)]

use std::time::Duration;

use domain::store::users::{self, Role};
use futures::StreamExt;
use serde_json::Value;
use test_support::camera::frame_seq;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use videostream::multipart::{Parser, boundary_of};
use videostream::{AppState, RunError, Settings};

/// The signing key of the test relays.
pub const KEY: &str = "test-secret-key-test-secret-key-0123456789";

/// Makes a user with `role` and an API token for it; returns the token.
pub async fn token(pool: &sqlx::PgPool, name: &str, role: Role) -> String {
    let id = users::create(pool, name, &format!("{name}@example.org"), "x", role)
        .await
        .expect("user");
    let token = format!("sht_test_{name}_{}", test_support::uuid_like());
    domain::store::tokens::create(pool, id, "test", &domain::store::tokens::hash(&token), None)
        .await
        .expect("token");
    token
}

/// A signed link's query for `stand`, valid for a minute.
pub fn link(stand: &str) -> String {
    domain::signing::stream_link_query(KEY.as_bytes(), stand, now(), 60)
}

/// Unix time now.
pub fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

/// Short back-offs so recovery tests do not wait long; generous limits elsewhere.
/// The fake cameras listen on loopback, so these settings allow it (the address rules are
/// tested with the defaults in `security.rs`).
pub fn test_settings() -> Settings {
    let mut s = Settings {
        connect_timeout: Duration::from_secs(5),
        first_frame_timeout: Duration::from_secs(10),
        stall_timeout: Duration::from_secs(10),
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        max_frame_bytes: 16 << 20,
        secret_key: Some(domain::config::Secret::new(KEY)),
        ..Settings::default()
    };
    s.policy.allow_loopback = true;
    s
}

/// A relay on a free port, stopped by [`Relay::stop`].
pub struct Relay {
    pub base: String,
    pub state: AppState,
    /// An admin's API token.
    pub admin: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), RunError>>,
}

impl Relay {
    pub async fn start(pool: sqlx::PgPool, settings: Settings) -> Self {
        test_support::init_tracing();
        let name = format!("admin{}", &test_support::uuid_like()[..8]);
        let admin = token(&pool, &name, Role::Admin).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::new(pool, settings);
        let (tx, shutdown) = test_support::shutdown_signal();
        let task = tokio::spawn(videostream::serve(listener, state.clone(), shutdown));
        Self {
            base,
            state,
            admin,
            shutdown: Some(tx),
            task,
        }
    }

    /// A relay with the test settings ([`test_settings`]).
    pub async fn test(pool: &sqlx::PgPool) -> Self {
        Self::start(pool.clone(), test_settings()).await
    }

    /// A relay with the test settings as `adjust` changes them.
    pub async fn with(pool: &sqlx::PgPool, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings();
        adjust(&mut settings);
        Self::start(pool.clone(), settings).await
    }

    /// A relay with the default address rules (no loopback cameras) and the test signing key,
    /// as `adjust` changes them.
    pub async fn with_default_rules(
        pool: &sqlx::PgPool,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings {
            secret_key: Some(domain::config::Secret::new(KEY)),
            ..Settings::default()
        };
        adjust(&mut settings);
        Self::start(pool.clone(), settings).await
    }

    /// `GET` of the direct stream of `stand` with a valid signed link: the answer, unread.
    pub async fn watch(&self, stand: &str) -> reqwest::Response {
        reqwest::get(self.url(&format!(
            "/vstream-direct/test-stand/{stand}?{}",
            link(stand)
        )))
        .await
        .expect("GET stream")
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task)
            .await
            .expect("relay task")
            .expect("relay ran cleanly");
    }

    /// `GET path` with a signed link for `stand`: asserts an HTML answer with `status` and
    /// returns its text.
    pub async fn html(&self, path: &str, stand: &str, status: u16) -> String {
        let r = reqwest::get(self.url(&format!("{path}?{}", link(stand))))
            .await
            .expect("GET");
        assert_eq!(r.status(), status, "{path}");
        let content_type = r.headers()["content-type"].to_str().expect("ascii");
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        r.text().await.expect("html")
    }

    /// Its address (host and port).
    pub fn addr(&self) -> std::net::SocketAddr {
        (self.base.trim_start_matches("http://"))
            .parse()
            .expect("address")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn install(&self, stand: &str, camera: &str) -> reqwest::Response {
        reqwest::Client::new()
            .put(self.url(&format!("/install-test-stand/{stand}")))
            .bearer_auth(&self.admin)
            .form(&[("data", camera)])
            .send()
            .await
            .expect("PUT install")
    }

    pub async fn installed(&self, stand: &str) -> (u16, Value) {
        let r = reqwest::Client::new()
            .get(self.url(&format!("/install-test-stand/{stand}")))
            .bearer_auth(&self.admin)
            .send()
            .await
            .expect("GET install");
        (r.status().as_u16(), r.json().await.expect("JSON"))
    }
}

/// A viewer of `/vstream-direct/...`, reading frames with the relay's own parser.
pub struct Viewer {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: Parser,
}

impl Viewer {
    pub async fn connect(relay: &Relay, stand: &str) -> Self {
        let r = reqwest::get(relay.url(&format!(
            "/vstream-direct/test-stand/{stand}?{}",
            link(stand)
        )))
        .await
        .expect("GET stream");
        assert_eq!(r.status(), 200, "stream status");
        let ct = r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let boundary = boundary_of(&ct).expect("multipart/x-mixed-replace with a boundary");
        Self {
            body: r.bytes_stream().boxed(),
            parser: Parser::new(&boundary, 16 << 20),
        }
    }

    /// The next frame's bytes; `None` when the stream ended.
    pub async fn frame(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(part) = self.parser.next_part().expect("relay output parses") {
                assert_eq!(part.content_type.as_deref(), Some("image/jpeg"));
                return Some(part.body.to_vec());
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.parser.push(&chunk),
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn seq(&mut self) -> u64 {
        let frame = self.frame().await.expect("a frame");
        frame_seq(&frame).expect("a frame of the fake camera")
    }
}

/// Checks that `r` is a refusal with `status` and a JSON error saying `says`; `what` names the
/// case in a failure.
pub async fn refused(r: reqwest::Response, status: u16, says: &str, what: &str) {
    assert_eq!(r.status(), status, "{what}");
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"].as_str().is_some_and(|m| m.contains(says)),
        "{what}: {body}"
    );
}

/// A fresh database and a relay on it with the test settings as `adjust` changes them.
pub async fn relay_with(adjust: impl FnOnce(&mut Settings)) -> (test_support::pg::TestDb, Relay) {
    let db = test_support::pg::TestDb::new().await;
    let relay = Relay::with(&db.pool, adjust).await;
    (db, relay)
}

/// A fresh database, a test relay, and a fake camera installed on stand `s1`.
pub async fn camera_on_s1() -> (
    test_support::pg::TestDb,
    Relay,
    test_support::camera::FakeCamera,
) {
    camera_on_s1_with(test_support::camera::CameraOptions::default()).await
}

/// [`camera_on_s1`] with a camera of `options`.
pub async fn camera_on_s1_with(
    options: test_support::camera::CameraOptions,
) -> (
    test_support::pg::TestDb,
    Relay,
    test_support::camera::FakeCamera,
) {
    let db = test_support::pg::TestDb::new().await;
    let camera = test_support::camera::FakeCamera::start(options).await;
    let relay = Relay::test(&db.pool).await;
    relay.install("s1", &camera.url()).await;
    (db, relay, camera)
}
