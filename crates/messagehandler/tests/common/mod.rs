//! Shared pieces of the handler's integration tests: the handler in-process or as a process,
//! and waits on rows. Stands are `test_support::mqtt::TestClient`s publishing at QoS 2.

#![allow(dead_code, unused_imports)]

use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration;

use messagehandler::Config;
use sqlx::PgPool;
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;
use tokio::sync::oneshot;

pub use rumqttc::QoS;
pub use test_support::messages::{data, status};
pub use test_support::mqtt::TestClient;
pub use test_support::uuid_like;

/// The handler running in this process.
pub struct InProcess {
    pub running: messagehandler::Running,
    stop: Option<oneshot::Sender<()>>,
}

impl InProcess {
    /// Starts a handler and waits for its first subscription.
    pub async fn start(config: Config) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let mut running = messagehandler::spawn(config, async {
            let _ = stopped.await;
        });
        wait_subscribed(&mut running.subscriptions, 1).await;
        Self {
            running,
            stop: Some(stop),
        }
    }

    /// Shuts it down gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), &mut self.running.task)
            .await
            .expect("handler stops within 30 s")
            .expect("handler task")
            .expect("handler result");
    }
}

/// Waits until the handler has received at least `n` SUBACKs.
pub async fn wait_subscribed(subs: &mut tokio::sync::watch::Receiver<u64>, n: u64) {
    tokio::time::timeout(Duration::from_secs(60), subs.wait_for(|c| *c >= n))
        .await
        .expect("handler subscribed within a minute")
        .expect("handler running");
}

/// The handler binary as a child process.
pub struct HandlerProcess {
    child: Child,
    log: Option<tempfile::NamedTempFile>,
}

impl HandlerProcess {
    /// Starts `messagehandler` with the given database, broker and client id.
    pub fn start(database_url: &str, broker_url: &str, client_id: &str) -> Self {
        let child = Self::command(database_url, broker_url, client_id)
            .spawn()
            .expect("start messagehandler");
        Self { child, log: None }
    }

    /// Like [`HandlerProcess::start`], with its output (warnings and up) kept for
    /// [`HandlerProcess::log`].
    pub fn start_logged(database_url: &str, broker_url: &str, client_id: &str) -> Self {
        Self::start_logged_with(database_url, broker_url, client_id, &[])
    }

    /// Like [`HandlerProcess::start_logged`], with more variables in its environment.
    pub fn start_logged_with(
        database_url: &str,
        broker_url: &str,
        client_id: &str,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Self {
        let log = tempfile::NamedTempFile::new().expect("handler log file");
        let out = log.reopen().expect("handler log");
        let err = log.reopen().expect("handler log");
        let child = Self::command(database_url, broker_url, client_id)
            .envs(env.iter().copied())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start messagehandler");
        Self {
            child,
            log: Some(log),
        }
    }

    fn command(database_url: &str, broker_url: &str, client_id: &str) -> Command {
        let mut command = handler_command();
        command
            .env("DATABASE_URL", database_url)
            .env("MQTT_URL", broker_url)
            .env("MQTT_CLIENT_ID", client_id)
            .env("RUST_LOG", "warn");
        command
    }

    /// Its output so far (empty unless started with [`HandlerProcess::start_logged`]).
    pub fn log(&self) -> String {
        self.log
            .as_ref()
            .and_then(|l| std::fs::read_to_string(l.path()).ok())
            .unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Its environment as the running process has it (`/proc/<pid>/environ`).
    pub fn environment(&self) -> Vec<String> {
        std::fs::read(format!("/proc/{}/environ", self.child.id()))
            .map(|env| {
                env.split(|b| *b == 0)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Its peak resident memory so far (`VmHWM` in `/proc/<pid>/status`).
    pub fn peak_rss_bytes(&self) -> Option<usize> {
        let kib = test_support::memory_kib(Some(self.child.id()), "VmHWM:")?;
        usize::try_from(kib * 1024).ok()
    }

    /// Its process id (to signal it).
    pub fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.id() as i32)
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        self.child.wait().expect("wait for messagehandler")
    }
}

impl Drop for HandlerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `messagehandler` binary, to be given its arguments and environment.
pub fn handler_command() -> Command {
    // `MESSAGEHANDLER_BIN` runs another build of the handler (e.g. to see a test fail on an
    // older one).
    let bin = std::env::var_os("MESSAGEHANDLER_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_messagehandler").into());
    Command::new(bin)
}

/// Waits until `sql` (a count) returns at least `n`; returns the count.
pub async fn wait_count(pool: &PgPool, sql: &'static str, n: i64) -> i64 {
    let what = format!("{sql} to reach {n}");
    test_support::wait_for(&what, Duration::from_secs(120), || async {
        let c: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap_or(-1);
        (c >= n).then_some(c)
    })
    .await
}

/// Sends status probes from stand `probe` until one is stored: the handler is subscribed.
pub async fn probe_until_stored(pool: &PgPool, stand: &mut TestClient) {
    for i in 0.. {
        let probe = status("200", &format!("probe-{i}")).to_string();
        stand
            .publish("probe/inbound", QoS::ExactlyOnce, probe)
            .await;
        let found: i64 =
            sqlx::query_scalar("SELECT count(*) FROM status_history WHERE stand_id = 'probe'")
                .fetch_one(pool)
                .await
                .unwrap_or(0);
        if found > 0 {
            return;
        }
        assert!(i < 600, "the handler never stored a probe");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `sent_by` values stored for a stand's statuses, with duplicates counted.
pub async fn stored_senders(pool: &PgPool, stand: &str) -> (usize, HashSet<String>) {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT sent_by FROM status_history WHERE stand_id = $1")
            .bind(stand)
            .fetch_all(pool)
            .await
            .expect("senders");
    let n = rows.len();
    (n, rows.into_iter().collect())
}

/// A fresh database, a broker of `kind`, and a handler configuration for both.
pub async fn db_and_broker(kind: BrokerKind) -> (TestDb, Broker, Config) {
    let db = TestDb::new().await;
    let broker = Broker::start(kind);
    let config = config(&db.url, &broker.url());
    (db, broker, config)
}

/// The handler as a process on `db` and `broker` (client id `handler-…`, its output kept for
/// [`HandlerProcess::log`], `env` added to its environment), and a stand client `stand` whose
/// probe it has stored, so it is subscribed. Also returns the handler's client id (to start it
/// again on the same session).
pub async fn probed_handler(
    db: &TestDb,
    broker: &Broker,
    stand: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> (HandlerProcess, TestClient, String) {
    let client_id = format!("handler-{}", uuid_like());
    let handler = HandlerProcess::start_logged_with(&db.url, &broker.url(), &client_id, env);
    let mut client = TestClient::connect(&broker.url(), stand);
    probe_until_stored(&db.pool, &mut client).await;
    (handler, client, client_id)
}

/// A handler configuration for a test database and broker.
pub fn config(db_url: &str, broker_url: &str) -> Config {
    let mut c = Config::new(db_url, broker_url.parse().expect("broker url"));
    c.client_id = format!("handler-{}", uuid_like());
    c
}

/// A QoS 0 PUBLISH with a short topic and payload (one-byte remaining length), for the
/// scripted brokers of `unknown_pubrel.rs` and `keep_alive.rs`.
pub fn publish_qos0(topic: &str, payload: &[u8]) -> Vec<u8> {
    let topic_len = u16::try_from(topic.len()).expect("short topic");
    let len = u8::try_from(2 + topic.len() + payload.len()).expect("short packet");
    let mut packet = vec![0x30, len];
    packet.extend_from_slice(&topic_len.to_be_bytes());
    packet.extend_from_slice(topic.as_bytes());
    packet.extend_from_slice(payload);
    packet
}
