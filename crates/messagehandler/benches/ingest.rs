//! Ingest benchmark: a real MQTT publisher → a real broker (Mosquitto with the project's limits,
//! and the embedded rumqttd) → the `messagehandler` binary as its own process → PostgreSQL (a
//! private cluster with fsync on). Not part of `cargo nextest run`.
//!
//! Run (release): `cargo bench -p messagehandler --bench ingest` (`BENCH_SCALE=0.2` for a quick
//! run; `BENCH_HANDLER_BIN=/path/to/messagehandler` measures another build of the handler;
//! `BENCH_CASES=data,status` runs only the cases whose names contain one of the words;
//! `BENCH_BROKERS=mosquitto` or `embedded` one broker; `BENCH_HANDLER_LOG` the handler's
//! `RUST_LOG`; `BENCH_DB_OPTIONS` server settings for the handler's sessions (see
//! [`handler_db_url`]); `BENCH_PGLZ=1` stores large values with PostgreSQL's default pglz instead of lz4; `BENCH_PERF=out.data` records a `perf`
//! profile of the handler during the data flood, or the case named by `BENCH_PERF_CASE`).
//!
//! Per case: msg/s, MB/s of payload, p50/p95/p99 from the publisher handing a message to its
//! client to the moment a `LISTEN`ing connection sees the committed row (the handler's NOTIFY
//! fires at commit), and the handler's peak RSS during the case (`VmHWM`, reset before each
//! case through `/proc/<pid>/clear_refs`). The broker-only ceiling is the rate at which the same
//! broker delivers the same QoS 2 messages from the same publisher to a subscriber that only
//! acknowledges; each flood's ratio is to the ceiling of its message kind measured in this run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::json;
use sqlx::postgres::PgListener;
use test_support::messages;
use test_support::mqtt::{Broker, BrokerKind, mosquitto_bin};
use test_support::pg::{PgCluster, TestDb};

const TOPIC: &str = "bench/inbound";

fn status_msg(i: usize) -> Vec<u8> {
    messages::status("200", &format!("b-{i}"))
        .to_string()
        .into_bytes()
}

fn data_msg(i: usize, series: usize, points: usize) -> Vec<u8> {
    let mut data = serde_json::Map::new();
    for s in 0..series {
        let values: Vec<f64> = (0..points)
            .map(|p| ((p + s + i) as f64 * 0.001).sin())
            .collect();
        data.insert(format!("series{s}"), json!(values));
    }
    let series = serde_json::Value::Object(data).to_string();
    messages::data_text(&format!("b-{i}"), &["run"], &json!({"fs": 1000}), &series).into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn mqtt(url: &str, id: &str) -> (AsyncClient, EventLoop) {
    let url: domain::config::MqttUrl = url.parse().expect("broker url");
    let mut options = MqttOptions::new(id, url.host, url.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(64 << 20, 64 << 20)
        .set_inflight(100);
    messagehandler::mqtt::nodelay_client(options, 10_000)
}

/// A publisher: QoS 2, up to 100 in flight, TCP_NODELAY (a stand's client should set it too).
fn publisher(url: &str, id: &str) -> AsyncClient {
    let (client, mut eventloop) = mqtt(url, id);
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(_) => {}
                // Its client is dropped, or its broker stopped with its case: done.
                Err(ConnectionError::RequestsDone) => break,
                Err(ConnectionError::Io(e))
                    if e.kind() == std::io::ErrorKind::ConnectionRefused =>
                {
                    break;
                }
                Err(e) => {
                    eprintln!("publisher: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    client
}

/// How messages are sent: as fast as the client takes them, or at a steady rate.
#[derive(Clone, Copy)]
enum Pace {
    Flood,
    Rate(f64),
    /// One at a time, each after the previous one was committed.
    OneByOne,
}

struct Case {
    name: String,
    payloads: Vec<Vec<u8>>,
    pace: Pace,
    /// Which ceiling this case is compared with (floods only).
    ceiling: Option<&'static str>,
}

struct Measured {
    rate: f64,
    mbps: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    rss_kib: Option<u64>,
}

/// The handler's database URL: `BENCH_DB_OPTIONS` adds server settings for its sessions, e.g.
/// `-c%20session_preload_libraries%3Dauto_explain%20-c%20auto_explain.log_min_duration%3D3`
/// to have the private cluster's `server.log` show the plan of every statement over 3 ms.
fn handler_db_url(db_url: &str) -> String {
    match std::env::var("BENCH_DB_OPTIONS") {
        Ok(options) => format!("{db_url}?options={options}"),
        Err(_) => db_url.to_owned(),
    }
}

/// The handler binary as its own process.
struct Handler {
    child: Child,
}

impl Handler {
    fn start(db_url: &str, broker_url: &str) -> Self {
        let bin = std::env::var_os("BENCH_HANDLER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_messagehandler")));
        let child = Command::new(bin)
            .env("DATABASE_URL", handler_db_url(db_url))
            .env("MQTT_URL", broker_url)
            .env(
                "MQTT_CLIENT_ID",
                format!("bench-{}", test_support::uuid_like()),
            )
            .env(
                "RUST_LOG",
                std::env::var("BENCH_HANDLER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .spawn()
            .expect("start messagehandler");
        Self { child }
    }

    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    fn peak_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the handler stored a probe (it is subscribed).
async fn wait_ready(db: &TestDb, client: &AsyncClient) {
    for i in 0..600 {
        let probe = messages::status("200", &format!("probe-{i}")).to_string();
        client
            .publish("probe/inbound", QoS::ExactlyOnce, false, probe)
            .await
            .expect("probe");
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM status_history WHERE stand_id = 'probe'")
                .fetch_one(&db.pool)
                .await
                .unwrap_or(0);
        if n > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the handler never stored a probe");
}

async fn run_case(db: &TestDb, client: &AsyncClient, handler: &Handler, case: &Case) -> Measured {
    sqlx::query("TRUNCATE status_history, results, result_series, quarantine CASCADE")
        .execute(&db.pool)
        .await
        .expect("truncate");
    let count = case.payloads.len();
    let bytes: usize = case.payloads.iter().map(Vec::len).sum();
    let mut listener = PgListener::connect(&db.url).await.expect("listen");
    listener
        .listen(domain::notification::CHANNEL)
        .await
        .expect("listen");
    // The poll's own connection, kept off sequential scans: `status_history` is truncated
    // before each case, so the planner has no statistics for it and read every poll's
    // `id > $1` as a third of the table, scanning all of it. In a data flood those scans took
    // as much of PostgreSQL's time as the handler's writes (`perf record -a`), on the same two
    // cores, and the measurement slowed what it measured.
    let mut poll = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("poll connection");
    sqlx::raw_sql("SET enable_seqscan = off")
        .execute(&mut poll)
        .await
        .expect("poll settings");
    handler.reset_peak();

    let (sent_tx, mut sent_rx) =
        tokio::sync::mpsc::unbounded_channel::<(usize, Instant, chrono::DateTime<chrono::Utc>)>();
    let (next_tx, mut next_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let payloads = case.payloads.clone();
    let pace = case.pace;
    let pub_client = client.clone();
    let start = Instant::now();
    let publisher = tokio::spawn(async move {
        for (i, p) in payloads.into_iter().enumerate() {
            match pace {
                Pace::Flood => {}
                Pace::Rate(r) => {
                    let at = start + Duration::from_secs_f64(i as f64 / r);
                    tokio::time::sleep_until(at.into()).await;
                }
                Pace::OneByOne => {
                    if i > 0 {
                        let _ = next_rx.recv().await;
                    }
                }
            }
            pub_client
                .publish(TOPIC, QoS::ExactlyOnce, false, p)
                .await
                .expect("publish");
            let _ = sent_tx.send((i, Instant::now(), chrono::Utc::now()));
        }
    });
    let mut sent: HashMap<usize, Instant> = HashMap::new();
    let mut seen: HashMap<usize, Instant> = HashMap::new();
    let mut last_id = 0i64;
    while seen.len() < count {
        // One query per commit: a commit that stored statuses announces their stand, after its
        // results, so the poll waits for a stand's notification (or 100 ms without any). A
        // query per notification (500 results' notifications a batch in a data flood) kept a
        // core busy with empty polls, and at 1,000 msg/s fell behind the commits.
        let is_stand = |payload: &str| {
            matches!(
                domain::notification::Notification::decode(payload),
                Ok(domain::notification::Notification::Stand { .. })
            )
        };
        let mut poll_now =
            match tokio::time::timeout(Duration::from_millis(100), listener.recv()).await {
                Ok(Ok(note)) => is_stand(note.payload()),
                Ok(Err(_)) | Err(_) => true,
            };
        while let Some(note) = listener.next_buffered() {
            poll_now |= is_stand(note.payload());
        }
        if !poll_now {
            continue;
        }
        let now = Instant::now();
        // Planned with the value each time (not persistent), and ordered with a limit: the
        // generic plan of `id > $1` guesses a third of the table and scans all of it. Without
        // statistics for the truncated table even the planned-per-value query chose a
        // sequential scan; the poll connection's `enable_seqscan = off` (above) rules it out.
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, sent_by FROM status_history WHERE id > $1 ORDER BY id LIMIT 50000",
        )
        .persistent(false)
        .bind(last_id)
        .fetch_all(&mut poll)
        .await
        .expect("rows");
        for (id, sent_by) in rows {
            last_id = id;
            if let Some(i) = sent_by.strip_prefix("b-").and_then(|n| n.parse().ok()) {
                seen.insert(i, now);
                if matches!(pace, Pace::OneByOne) {
                    let _ = next_tx.send(());
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "case {} stalled",
            case.name
        );
    }
    let elapsed = start.elapsed();
    publisher.await.expect("publisher");
    let mut sent_wall = HashMap::new();
    while let Ok((i, at, wall)) = sent_rx.try_recv() {
        sent.insert(i, at);
        sent_wall.insert(i, wall);
    }
    let mut latencies: Vec<Duration> = (0..count)
        .map(|i| seen[&i].saturating_duration_since(sent[&i]))
        .collect();
    latencies.sort();
    if std::env::var("BENCH_SPLIT").is_ok() {
        split(db, &sent_wall, &latencies).await;
    }
    Measured {
        rate: count as f64 / elapsed.as_secs_f64(),
        mbps: bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p95: percentile(&latencies, 0.95),
        p99: percentile(&latencies, 0.99),
        rss_kib: handler.peak_kib(),
    }
}

/// `BENCH_SPLIT=1`: where the median latency goes, from the handler's `received_at` (its
/// clock, which is this machine's): publisher → handler, and handler → committed row seen.
async fn split(
    db: &TestDb,
    sent: &HashMap<usize, chrono::DateTime<chrono::Utc>>,
    latencies: &[Duration],
) {
    let rows: Vec<(String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT sent_by, received_at FROM status_history")
            .fetch_all(&db.pool)
            .await
            .expect("received_at");
    let mut to_handler: Vec<Duration> = rows
        .iter()
        .filter_map(|(by, at)| {
            let i: usize = by.strip_prefix("b-")?.parse().ok()?;
            (*at - sent.get(&i)?).to_std().ok()
        })
        .collect();
    to_handler.sort();
    let p50 = percentile(&to_handler, 0.5);
    let total = percentile(latencies, 0.5);
    println!(
        "|  | split of the median: publisher → handler {}, handler → seen {} |",
        ms(p50),
        ms(total.saturating_sub(p50))
    );
}

/// The broker alone: the publisher floods, a QoS 2 subscriber only acknowledges. Messages/s
/// from the first publish to the last delivery.
async fn ceiling(broker: &Broker, payloads: &[Vec<u8>]) -> (f64, f64) {
    let (sub, mut events) = mqtt(
        &broker.url(),
        &format!("ceil-sub-{}", test_support::uuid_like()),
    );
    sub.subscribe("ceiling/inbound", QoS::ExactlyOnce)
        .await
        .expect("subscribe");
    loop {
        if let Ok(Event::Incoming(Packet::SubAck(_))) = events.poll().await {
            break;
        }
    }
    let client = publisher(
        &broker.url(),
        &format!("ceil-pub-{}", test_support::uuid_like()),
    );
    let count = payloads.len();
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    let payloads = payloads.to_vec();
    let start = Instant::now();
    let publish = tokio::spawn(async move {
        for p in payloads {
            client
                .publish("ceiling/inbound", QoS::ExactlyOnce, false, p)
                .await
                .expect("publish");
        }
        client
    });
    let mut got = 0;
    while got < count {
        match tokio::time::timeout(Duration::from_secs(60), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::Publish(_)))) => got += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("ceiling subscriber: {e}"),
            Err(_) => panic!("ceiling subscriber: stalled at {got} of {count}"),
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let client = publish.await.expect("publisher");
    let _ = client.disconnect().await;
    let _ = sub.disconnect().await;
    (count as f64 / elapsed, bytes as f64 / 1e6 / elapsed)
}

/// Gives the new cluster WAL files to recycle, as a server that has been running has: a new
/// cluster creates each 16 MB WAL file as it goes, writing it full of zeros first, and in a
/// flood of 100,000-point results that was 24 % of PostgreSQL's time (`perf record -a`), a
/// cost a running server pays only while its WAL grows. 64 files are made (switching to a new
/// one after each small write) and a checkpoint recycles them, `min_wal_size` keeping them
/// all. `BENCH_FRESH_WAL=1` skips this and measures a new cluster.
async fn warm_wal(cluster: &PgCluster) {
    let started = Instant::now();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&cluster.admin_url())
        .await
        .expect("admin connection");
    let mut sql = vec![
        "ALTER SYSTEM SET min_wal_size = '2GB'",
        "SELECT pg_reload_conf()",
        "CREATE TABLE bench_wal_warm (x int)",
    ];
    for _ in 0..64 {
        sql.extend([
            "INSERT INTO bench_wal_warm VALUES (1)",
            "SELECT pg_switch_wal()",
        ]);
    }
    sql.extend(["DROP TABLE bench_wal_warm", "CHECKPOINT"]);
    for statement in sql {
        sqlx::raw_sql(statement)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    eprintln!(
        "(64 WAL files made and recycled in {:.1?})",
        started.elapsed()
    );
}

/// Whether `BENCH_CASES` (comma-separated words; all when unset) selects the case.
fn selected(name: &str) -> bool {
    match std::env::var("BENCH_CASES") {
        Ok(words) => words.split(',').any(|w| name.contains(w.trim())),
        Err(_) => true,
    }
}

/// The payloads of a case, made only when the case runs (the large ones take seconds).
fn only_selected(name: &str, make: impl FnOnce() -> Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if selected(name) { make() } else { Vec::new() }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let scale: f64 = test_support::env_number("BENCH_SCALE", 1.0);
    let n = |base: usize| ((base as f64 * scale) as usize).max(5);
    let status: Vec<Vec<u8>> = (0..n(20_000)).map(status_msg).collect();
    let data: Vec<Vec<u8>> = (0..n(5_000)).map(|i| data_msg(i, 2, 100)).collect();
    let flood_cases = || {
        vec![
            Case {
                name: "status flood".into(),
                payloads: status.clone(),
                pace: Pace::Flood,
                ceiling: Some("status"),
            },
            Case {
                name: "data 2x100 flood".into(),
                payloads: data.clone(),
                pace: Pace::Flood,
                ceiling: Some("data 2x100"),
            },
        ]
    };
    let steady = |name: &str, rate: f64, secs: f64, make: &dyn Fn(usize) -> Vec<u8>| Case {
        name: name.into(),
        payloads: only_selected(name, || {
            (0..((rate * secs * scale.max(0.2)) as usize).max(5))
                .map(make)
                .collect()
        }),
        pace: Pace::Rate(rate),
        ceiling: None,
    };
    let mosquitto_cases = || {
        let mut cases = flood_cases();
        cases.push(steady("status 200/s", 200.0, 5.0, &status_msg));
        cases.push(steady("status 1000/s", 1000.0, 5.0, &status_msg));
        cases.push(steady("data 2x100 200/s", 200.0, 5.0, &|i| {
            data_msg(i, 2, 100)
        }));
        cases.push(Case {
            name: "one 1x100000 result".into(),
            payloads: only_selected("one 1x100000 result", || {
                (0..5).map(|i| data_msg(i, 1, 100_000)).collect()
            }),
            pace: Pace::OneByOne,
            ceiling: None,
        });
        cases.push(Case {
            name: "1x100000 results flood".into(),
            payloads: only_selected("1x100000 results flood", || {
                (0..n(40)).map(|i| data_msg(i, 1, 100_000)).collect()
            }),
            pace: Pace::Flood,
            ceiling: None,
        });
        cases
    };

    let cluster = PgCluster::private(true);
    if std::env::var("BENCH_FRESH_WAL").is_err() {
        warm_wal(&cluster).await;
    }
    println!(
        "ingest benchmark: publisher -> broker -> messagehandler (own process) -> PostgreSQL (fsync on)"
    );
    println!(
        "| broker | case | count | msg/s | MB/s | ceiling msg/s | ratio | p50 | p95 | p99 | handler peak RSS |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let brokers = std::env::var("BENCH_BROKERS").unwrap_or_else(|_| "mosquitto,embedded".into());
    let mut kinds = Vec::new();
    if mosquitto_bin().is_some() && brokers.contains("mosquitto") {
        kinds.push(BrokerKind::Mosquitto);
    }
    if brokers.contains("embedded") {
        kinds.push(BrokerKind::Embedded);
        // Brought up to date now, not between two cases (a build would load the machine).
        test_support::workspace_bin("embedded-broker");
    }
    for kind in kinds {
        let broker = Broker::start(kind);
        let label = match kind {
            BrokerKind::Mosquitto => "Mosquitto",
            BrokerKind::Embedded => "embedded (rumqttd)",
        };
        let mut ceilings: HashMap<&str, f64> = HashMap::new();
        for (what, payloads) in [("status", &status), ("data 2x100", &data)] {
            if !selected(&format!("{what} flood")) {
                continue;
            }
            let (rate, mbps) = ceiling(&broker, payloads).await;
            ceilings.insert(what, rate);
            println!(
                "| {label} | broker only, {what} | {} | {rate:.0} | {mbps:.1} | | | | | | |",
                payloads.len()
            );
        }
        let db = TestDb::on_cluster(&cluster).await;
        if std::env::var("BENCH_PGLZ").is_ok_and(|v| !v.is_empty()) {
            // The compression before migration 20261201030000, for a before/after pair.
            sqlx::raw_sql(
                "ALTER TABLE results ALTER COLUMN data SET COMPRESSION pglz;
                 ALTER TABLE result_series ALTER COLUMN \"values\" SET COMPRESSION pglz;
                 ALTER TABLE quarantine ALTER COLUMN payload SET COMPRESSION pglz",
            )
            .execute(&db.pool)
            .await
            .expect("pglz");
        }
        let handler = Handler::start(&db.url, &broker.url());
        let client = publisher(
            &broker.url(),
            &format!("bench-pub-{}", test_support::uuid_like()),
        );
        wait_ready(&db, &client).await;
        let cases = match kind {
            BrokerKind::Mosquitto => mosquitto_cases(),
            BrokerKind::Embedded => flood_cases(),
        };
        for case in cases.iter().filter(|c| selected(&c.name)) {
            let profiled =
                std::env::var("BENCH_PERF_CASE").unwrap_or_else(|_| "data 2x100 flood".into());
            let perf = (case.name == profiled)
                .then(|| std::env::var("BENCH_PERF").ok())
                .flatten()
                .map(|out| {
                    Command::new("perf")
                        .args([
                            "record",
                            "-e",
                            "cpu-clock",
                            "-F",
                            "999",
                            "-g",
                            "-o",
                            &out,
                            "-p",
                        ])
                        .arg(handler.child.id().to_string())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("start perf")
                });
            let m = run_case(&db, &client, &handler, case).await;
            if let Some(mut perf) = perf {
                let pid = nix::unistd::Pid::from_raw(perf.id() as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
                let _ = perf.wait();
            }
            let (ceil, ratio) = match case.ceiling.and_then(|c| ceilings.get(c)) {
                Some(c) => (format!("{c:.0}"), format!("{:.2}", m.rate / c)),
                None => (String::new(), String::new()),
            };
            println!(
                "| {label} | {} | {} | {:.0} | {:.1} | {ceil} | {ratio} | {} | {} | {} | {} |",
                case.name,
                case.payloads.len(),
                m.rate,
                m.mbps,
                ms(m.p50),
                ms(m.p95),
                ms(m.p99),
                m.rss_kib
                    .map(|k| format!("{:.0} MiB", k as f64 / 1024.0))
                    .unwrap_or_default()
            );
        }
        drop(handler);
    }
}
