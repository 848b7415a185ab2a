//! Shared pieces of the handler's integration tests: a stand that publishes at QoS 2 and
//! waits for the broker's PUBCOMP, the handler in-process or as a process, and waits on rows.

#![allow(dead_code)]

use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration;

use domain::config::MqttUrl;
use messagehandler::Config;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

/// A status message.
pub fn status(code: &str, sent_by: &str) -> Value {
    json!({"protocolVersion": 1.1, "sentBy": sent_by, "msgType": "status", "statusCode": code})
}

/// A data message with the given series.
pub fn data(sent_by: &str, series: Value) -> Value {
    json!({"protocolVersion": 1.1, "sentBy": sent_by, "msgType": "data", "statusCode": "200",
        "commandList": ["measure"], "parameterObj": {"fs": 1000}, "dataObj": series})
}

/// A test stand: an MQTT client that publishes at QoS 2 and knows what the broker confirmed.
pub struct Stand {
    pub client: AsyncClient,
    completed: mpsc::UnboundedReceiver<u16>,
    queued: usize,
}

impl Stand {
    /// Connects a stand client to `url`.
    pub fn connect(url: &str, id: &str) -> Self {
        let url: MqttUrl = url.parse().expect("broker url");
        let mut options = MqttOptions::new(id, url.host, url.port);
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(64 << 20, 64 << 20);
        options.set_inflight(100);
        let (client, mut eventloop) = AsyncClient::new(options, 10_000);
        let (tx, completed) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::PubComp(c))) => {
                        let _ = tx.send(c.pkid);
                    }
                    Ok(Event::Incoming(Packet::PubAck(a))) => {
                        let _ = tx.send(a.pkid);
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        Self {
            client,
            completed,
            queued: 0,
        }
    }

    /// Publishes raw bytes at QoS 2 (not waiting for the broker).
    pub async fn send_raw(&mut self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::ExactlyOnce, false, payload.into())
            .await
            .expect("queue publish");
        self.queued += 1;
    }

    /// Publishes a JSON message at QoS 2.
    pub async fn send(&mut self, topic: &str, message: &Value) {
        self.send_raw(topic, message.to_string()).await;
    }

    /// Waits until the broker confirmed (PUBCOMP) everything sent so far.
    pub async fn flush(&mut self) {
        while self.queued > 0 {
            tokio::time::timeout(Duration::from_secs(60), self.completed.recv())
                .await
                .expect("broker confirmation within a minute")
                .expect("stand client running");
            self.queued -= 1;
        }
    }
}

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
}

impl HandlerProcess {
    /// Starts `messagehandler` with the given database, broker and client id.
    pub fn start(database_url: &str, broker_url: &str, client_id: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_messagehandler"))
            .env("DATABASE_URL", database_url)
            .env("MQTT_URL", broker_url)
            .env("MQTT_CLIENT_ID", client_id)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start messagehandler");
        Self { child }
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
pub async fn probe_until_stored(pool: &PgPool, stand: &mut Stand) {
    for i in 0.. {
        stand
            .send("probe/inbound", &status("200", &format!("probe-{i}")))
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

/// A handler configuration for a test database and broker.
pub fn config(db_url: &str, broker_url: &str) -> Config {
    let mut c = Config::new(db_url, broker_url.parse().expect("broker url"));
    c.client_id = format!("handler-{}", uuid_like());
    c
}

/// A short unique suffix.
pub fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos, std::process::id())
}
