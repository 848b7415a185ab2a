//! The web interface on port 0 against a fresh database and a real broker, and helpers to
//! arrange users, tokens and stands.
#![allow(dead_code, missing_docs)]

use std::time::Duration;

use domain::store::users::Role;
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;
use webinterface::{AppState, Config};

mod session;
// Each test binary uses some of these.
#[allow(unused_imports)]
pub use session::{
    Api, Download, Session, cookie_client, download, error_of, header_of, json_of, location,
};

pub struct App {
    pub db: TestDb,
    pub broker: Broker,
    pub base: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub const PASSWORD: &str = "correct horse battery";

impl App {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`App::start`], with `adjust` applied to the configuration first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        test_support::init_tracing();
        let db = TestDb::new().await;
        let broker = Broker::start(BrokerKind::Embedded);
        let mut config = Config::new(&db.url, broker.url().parse().expect("broker url"));
        adjust(&mut config);
        let state = AppState::new(db.pool.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = test_support::shutdown_signal();
        let task = tokio::spawn(webinterface::serve(listener, state.clone(), stopped));
        Self {
            db,
            broker,
            base,
            state,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A fresh app with the stand `rig1` ready and the viewer viola, who uses the API.
    pub async fn rig1_and_viewer() -> (Self, Api) {
        Self::rig1_and_viewer_with(|_| {}).await
    }

    /// [`App::rig1_and_viewer`] with `adjust` applied to the configuration first.
    pub async fn rig1_and_viewer_with(adjust: impl FnOnce(&mut Config)) -> (Self, Api) {
        let app = Self::start_with(adjust).await;
        app.stand("rig1", "ready").await;
        let viola = app.api("viola", Role::Viewer).await;
        (app, viola)
    }

    /// Stops the server and waits for it (open event streams included).
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server");
        }
    }

    pub async fn user(&self, name: &str, role: Role) {
        let hash = webinterface::auth::hash_password(PASSWORD).expect("hash");
        domain::store::users::create(&self.db.pool, name, "", &hash, role)
            .await
            .expect("create user");
    }

    /// Takes every password hashing permit, as that many logins being checked right now
    /// would; dropping the answer frees them.
    pub async fn hold_password_permits(&self) -> tokio::sync::OwnedSemaphorePermit {
        let all = u32::try_from(self.state.config().password_hash_concurrency).expect("permits");
        self.state
            .password_permits()
            .clone()
            .acquire_many_owned(all)
            .await
            .expect("every permit")
    }

    /// A user with this role and a bearer token for it.
    pub async fn token(&self, name: &str, role: Role) -> String {
        self.user(name, role).await;
        let user = domain::store::users::by_username(&self.db.pool, name)
            .await
            .expect("user")
            .expect("exists");
        webinterface::auth::create_token(&self.db.pool, &user, "test")
            .await
            .expect("token")
    }

    /// A stand whose derived state is `state` (ready, busy, off, offline, error, unknown).
    pub async fn stand(&self, id: &str, state: &str) {
        self.stand_with(id, state, false).await;
    }

    pub async fn stand_with(&self, id: &str, state: &str, legacy: bool) {
        let (effective, power, last_seen_ago): (Option<i16>, Option<i16>, Option<i64>) = match state
        {
            "ready" => (Some(200), Some(600), Some(1)),
            "busy" => (Some(202), Some(600), Some(1)),
            "off" => (Some(200), Some(610), Some(1)),
            "offline" => (Some(200), Some(600), Some(3600)),
            "error" => (Some(500), Some(600), Some(1)),
            _ => (None, None, None),
        };
        sqlx::query(
            "INSERT INTO stands (id, name, legacy_topics, status_code, effective_code, power_code,
                                 last_seen)
             VALUES ($1, $1, $2, $3, $3, $4, now() - make_interval(secs => $5))",
        )
        .bind(id)
        .bind(legacy)
        .bind(effective)
        .bind(power)
        .bind(last_seen_ago.map(|s| s as f64))
        .execute(&self.db.pool)
        .await
        .expect("insert stand");
        if let Some(code) = effective {
            sqlx::query("INSERT INTO status_history (stand_id, code, sent_by) VALUES ($1, $2, $1)")
                .bind(id)
                .bind(code)
                .execute(&self.db.pool)
                .await
                .expect("history");
        }
    }

    /// `GET path` with a bearer token; `what` names the request if it cannot be sent.
    pub async fn get_with_token(&self, path: &str, token: &str, what: &str) -> reqwest::Response {
        self.client()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect(what)
    }

    /// `GET path` with a bearer token, answered 200: its body.
    pub async fn get_ok_text(&self, path: &str, token: &str) -> String {
        let r = self.get_with_token(path, token, path).await;
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
        r.text().await.expect("body")
    }

    /// `POST path` with a bearer token and a JSON body: the status and the JSON answer (null
    /// when the answer is not JSON).
    pub async fn post_json_with_token(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.json_with_token(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// `method path` with a bearer token and, if given, a JSON body: the status and the JSON
    /// answer (null when the answer is not JSON).
    pub async fn json_with_token(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut req = self
            .client()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await.expect(path);
        let status = r.status();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `GET path` without a login, whatever the answer.
    pub async fn get_anonymous(&self, path: &str) -> reqwest::Response {
        self.client().get(self.url(path)).send().await.expect(path)
    }

    /// A client without cookies that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    }

    /// A browser-like client logged in as `name` (cookie store), and its CSRF token.
    pub async fn login(&self, name: &str) -> (reqwest::Client, String) {
        let client = cookie_client();
        let r = self.post_login_ok(&client, name, "/").await;
        assert_eq!(r.status(), 303, "login of {name} failed");
        let me = self.json(&client, "/api/me").await;
        let csrf = me["csrf"].as_str().expect("csrf").to_owned();
        (client, csrf)
    }
}

/// One user of each role, each using the API: the admin ada, the operator olga, the viewer vic.
pub struct Team {
    pub ada: Api,
    pub olga: Api,
    pub vic: Api,
}

impl App {
    /// Adds a [`Team`].
    pub async fn team(&self) -> Team {
        Team {
            ada: self.api("ada", Role::Admin).await,
            olga: self.api("olga", Role::Operator).await,
            vic: self.api("vic", Role::Viewer).await,
        }
    }
}

/// Loads the login form and returns its CSRF field (the client keeps the cookie).
pub async fn login_form_csrf(client: &reqwest::Client, url: &str) -> String {
    let page = client.get(url).send().await.expect("login page");
    hidden_field(&page.text().await.expect("html"), "csrf")
}

/// A login form post to `url` (`…/login`) with a fresh CSRF field followed by `fields`
/// (user name, password, maybe `next`), ready for headers and `send`.
pub async fn login_request(
    client: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let csrf = login_form_csrf(client, url).await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client.post(url).form(&form)
}

pub use test_support::web::hidden_field;

/// An MQTT client subscribed to `filters` at QoS 2, and a channel of (topic, payload).
pub async fn subscriber(
    url: &str,
    filters: &[&str],
) -> tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)> {
    let id = format!("test-sub-{}", test_support::uuid_like());
    let mut client = test_support::mqtt::TestClient::connect(url, &id);
    client.subscribe(filters, rumqttc::QoS::ExactlyOnce).await;
    client.into_inbox()
}

/// The next message a [`subscriber`] receives (within 20 s): its topic and payload as text.
pub async fn next_message(
    inbox: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>,
) -> (String, String) {
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(20), inbox.recv())
        .await
        .expect("a message arrives")
        .expect("subscriber");
    (topic, String::from_utf8(payload).expect("utf-8"))
}

/// Nothing more arrives at a [`subscriber`] on `broker`: a sentinel published now on
/// `sentinel_topic` (one it subscribed to) is its next message; `what` names the check.
pub async fn assert_nothing_more(
    broker: &str,
    inbox: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    sentinel_topic: &str,
    what: &str,
) {
    let id = format!("test-sentinel-{}", test_support::uuid_like());
    let mut sentinel = test_support::mqtt::TestClient::connect(broker, &id);
    sentinel
        .publish_confirmed(sentinel_topic, rumqttc::QoS::ExactlyOnce, "sentinel")
        .await;
    let next = next_message(inbox).await;
    assert_eq!(
        next,
        (sentinel_topic.to_owned(), "sentinel".to_owned()),
        "{what}"
    );
}

/// Publishes a status message of `code` as `stand` does (on its inbound topic at QoS 2) and
/// waits for the broker's PUBCOMP.
pub async fn publish_status(broker: &str, stand: &str, code: &str) {
    let id = format!("test-stand-{}", test_support::uuid_like());
    let mut client = test_support::mqtt::TestClient::connect(broker, &id);
    let topic = format!("{stand}/inbound");
    client
        .publish_status(&topic, rumqttc::QoS::ExactlyOnce, code, stand)
        .await;
    client.flush().await;
}

/// Stores a message on `stand`'s inbound topic through the handler's ingest path (schema
/// check, results and series, or the quarantine); returns the new result's id, if any.
pub async fn ingest(pool: &sqlx::PgPool, stand: &str, payload: &[u8]) -> Option<i64> {
    ingest_within(pool, stand, payload, Default::default()).await
}

/// [`ingest`] with the quarantine kept within `quarantine` instead of the defaults.
pub async fn ingest_within(
    pool: &sqlx::PgPool,
    stand: &str,
    payload: &[u8],
    quarantine: domain::store::quarantine::QuarantineLimits,
) -> Option<i64> {
    let validator = domain::ProtocolValidator::bundled().expect("schema");
    ingest_with(pool, stand, payload, &validator, quarantine).await
}

/// [`ingest`] with no limit on series per message (as results imported from the old stack,
/// or stored before the limit, may have).
pub async fn ingest_unlimited(pool: &sqlx::PgPool, stand: &str, payload: &[u8]) -> Option<i64> {
    let validator = domain::ProtocolValidator::bundled()
        .expect("schema")
        .with_max_series(usize::MAX);
    ingest_with(pool, stand, payload, &validator, Default::default()).await
}

async fn ingest_with(
    pool: &sqlx::PgPool,
    stand: &str,
    payload: &[u8],
    validator: &domain::ProtocolValidator,
    quarantine: domain::store::quarantine::QuarantineLimits,
) -> Option<i64> {
    use domain::store::ingest::{BatchOptions, Incoming, Quarantined, write_batch};
    let verdict = validator
        .parse(payload)
        .map(|message| domain::Inbound {
            stand: domain::StandId::parse(stand).expect("stand id"),
            legacy: false,
            message,
        })
        .map_err(|reason| Quarantined {
            reason,
            keep_bytes: true,
        });
    let item = Incoming {
        qos2: None,
        topic: format!("{stand}/inbound"),
        payload: axum::body::Bytes::copy_from_slice(payload),
        payload_hash: [0; 32],
        received_at: chrono::Utc::now(),
        verdict,
    };
    let opts = BatchOptions {
        client_id: "test",
        registration: domain::store::ingest::Registration::capped(),
        session_lost: false,
        quarantine,
    };
    let report = write_batch(pool, &opts, &[item], &[])
        .await
        .expect("ingest");
    if report.results == 0 {
        return None;
    }
    sqlx::query_scalar("SELECT max(id) FROM results")
        .fetch_one(pool)
        .await
        .expect("result id")
}

/// When result `id` was received.
pub async fn received_at(pool: &sqlx::PgPool, id: i64) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("SELECT received_at FROM results WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("received_at")
}

/// A data message's payload.
pub fn data_message(sent_by: &str, parameters: serde_json::Value, data: &str) -> Vec<u8> {
    test_support::messages::data_text(sent_by, &["start", "<b>measure</b>"], &parameters, data)
        .into_bytes()
}

/// The real message handler on the app's broker and database, subscribed.
pub async fn start_handler(
    app: &App,
) -> (tokio::sync::oneshot::Sender<()>, messagehandler::Running) {
    let (stop, stopped) = test_support::shutdown_signal();
    let mut handler = messagehandler::spawn(
        messagehandler::Config::new(&app.db.url, app.broker.url().parse().expect("url")),
        stopped,
    );
    test_support::wait_first_subscription(&mut handler.subscriptions).await;
    (stop, handler)
}

/// Stops a handler from [`start_handler`] and checks that it ran cleanly.
pub async fn stop_handler(
    stop: tokio::sync::oneshot::Sender<()>,
    handler: messagehandler::Running,
) {
    let _ = stop.send(());
    handler
        .task
        .await
        .expect("handler task")
        .expect("handler ran cleanly");
}

/// A CSV download read back: its header and its records.
pub fn read_csv(body: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(body);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader.records().map(|r| r.expect("row")).collect();
    (header, rows)
}

/// A classic-layout CSV download read back: every row as its cells (the rows differ in length).
pub fn read_csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect()
}

/// The parameters of a classic-layout CSV (names in its third row, values in its fourth) as
/// pairs of name and value.
pub fn classic_parameters(rows: &[Vec<String>]) -> Vec<(&str, &str)> {
    rows[2]
        .iter()
        .map(String::as_str)
        .zip(rows[3].iter().map(String::as_str))
        .collect()
}

/// The accelerometer sweep: a test template with a parameter of each type (choices with
/// labels, a number with a unit and bounds, a text with a pattern, a boolean).
pub fn accelerometer() -> serde_json::Value {
    serde_json::json!({
        "name": "Sweep",
        "description": "A frequency sweep of the accelerometer",
        "commands": ["calibrate", "measure"],
        "parameters": [
            {"name": "sensor", "label": "Sensor", "type": "choice", "required": true,
             "choices": [{"value": "x", "label": "X axis"}, {"value": "y", "label": "Y axis"}]},
            {"name": "duration", "type": "number", "unit": "s", "min": 1, "max": 60, "step": 0.5,
             "default": 10},
            {"name": "frequency", "type": "choice", "default": 100,
             "choices": [{"value": 10, "label": "10 Hz"}, {"value": 100, "label": "100 Hz"},
                         {"value": 1000, "label": "1 kHz"}, {"value": 10000, "label": "10 kHz"}]},
            {"name": "operator_note", "type": "text", "pattern": "[A-Z]{2}-[0-9]+"},
            {"name": "dry_run", "type": "boolean", "default": false}
        ]
    })
}

/// Runs the `webinterface` binary with `args` on the database `db_url` and the broker `mqtt`,
/// with nothing of this environment but `PATH`, plus `env`; `stdin` is written to it, if given.
pub fn run_webinterface(
    db_url: &str,
    mqtt: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_webinterface"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("MQTT_URL", mqtt)
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    test_support::output_with_input(&mut cmd, stdin.unwrap_or(""))
}

/// The text of the file `name` in the zip archive `body` (an xlsx, say).
pub fn zip_entry(body: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .expect("text");
    text
}
