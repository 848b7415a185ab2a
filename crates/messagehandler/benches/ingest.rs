//! Ingest benchmark: real MQTT clients publish through a real broker (the embedded one, and
//! Mosquitto when installed) into PostgreSQL (a private cluster with fsync on) via the message
//! handler. Reports messages/second and publish-to-commit latency (p50, p99).
//!
//! Run: `cargo bench -p messagehandler --bench ingest` (set `BENCH_SCALE=0.2` for a quick run).
//! Latency is measured from the moment the publisher hands a message to its MQTT client to the
//! moment a `LISTEN`ing connection sees the committed row (the handler's NOTIFY fires at commit).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rumqttc::QoS;
use serde_json::json;
use sqlx::postgres::PgListener;
use test_support::messages;
use test_support::mqtt::{Broker, TestClient, available_brokers};
use test_support::pg::{PgCluster, TestDb};

struct Scenario {
    name: &'static str,
    count: usize,
    make: fn(usize) -> String,
}

fn status_msg(i: usize) -> String {
    messages::status("200", &format!("b-{i}")).to_string()
}

fn data_msg(i: usize, series: usize, points: usize) -> String {
    let mut data = serde_json::Map::new();
    for s in 0..series {
        let values: Vec<f64> = (0..points)
            .map(|p| ((p + s) as f64 * 0.001).sin())
            .collect();
        data.insert(format!("series{s}"), json!(values));
    }
    let series = serde_json::Value::Object(data).to_string();
    messages::data_text(&format!("b-{i}"), &["run"], &json!({"fs": 1000}), &series)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn run_scenario(db: &TestDb, broker: &Broker, sc: &Scenario) -> (f64, Duration, Duration) {
    sqlx::query("TRUNCATE status_history, results, result_series, quarantine CASCADE")
        .execute(&db.pool)
        .await
        .expect("truncate");
    let payloads: Vec<String> = (0..sc.count).map(sc.make).collect();
    let mut listener = PgListener::connect(&db.url).await.expect("listen");
    listener
        .listen(domain::notification::CHANNEL)
        .await
        .expect("listen");

    let mut client = TestClient::connect(&broker.url(), &format!("bench-{}", sc.name));
    let start = Instant::now();
    let publisher = tokio::spawn(async move {
        let mut sent = Vec::with_capacity(payloads.len());
        for p in payloads {
            client.publish("bench/inbound", QoS::ExactlyOnce, p).await;
            sent.push(Instant::now());
        }
        sent
    });
    let mut seen: HashMap<usize, Instant> = HashMap::new();
    let mut last_id = 0i64;
    while seen.len() < sc.count {
        let _ = tokio::time::timeout(Duration::from_millis(200), listener.recv()).await;
        let now = Instant::now();
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, sent_by FROM status_history WHERE id > $1 ORDER BY id")
                .bind(last_id)
                .fetch_all(&db.pool)
                .await
                .expect("rows");
        for (id, sent_by) in rows {
            last_id = id;
            if let Some(i) = sent_by.strip_prefix("b-").and_then(|n| n.parse().ok()) {
                seen.insert(i, now);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(900),
            "scenario {} stalled",
            sc.name
        );
    }
    let elapsed = start.elapsed();
    let sent = publisher.await.expect("publisher");
    let mut latencies: Vec<Duration> = (0..sc.count)
        .map(|i| seen[&i].saturating_duration_since(sent[i]))
        .collect();
    latencies.sort();
    (
        sc.count as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    )
}

fn main() {
    let scale: f64 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n = |base: usize| ((base as f64 * scale) as usize).max(5);
    let scenarios = [
        Scenario {
            name: "status",
            count: n(20_000),
            make: status_msg,
        },
        Scenario {
            name: "data 2x100",
            count: n(5_000),
            make: |i| data_msg(i, 2, 100),
        },
        Scenario {
            name: "data 1x100000",
            count: n(40),
            make: |i| data_msg(i, 1, 100_000),
        },
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let cluster = PgCluster::private(true);
        println!(
            "ingest benchmark: publisher -> broker -> messagehandler -> PostgreSQL (fsync on)"
        );
        println!(
            "{:<10} {:<14} {:>8} {:>12} {:>10} {:>10}",
            "broker", "messages", "count", "msg/s", "p50", "p99"
        );
        for kind in available_brokers() {
            let db = TestDb::on_cluster(&cluster).await;
            let broker = Broker::start(kind);
            let config = messagehandler::Config::new(&db.url, broker.url().parse().expect("url"));
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let mut running = messagehandler::spawn(config, async {
                let _ = stopped.await;
            });
            let _ = running.subscriptions.wait_for(|n| *n >= 1).await;
            for sc in &scenarios {
                let (rate, p50, p99) = run_scenario(&db, &broker, sc).await;
                println!(
                    "{:<10} {:<14} {:>8} {:>12.0} {:>8.1}ms {:>8.1}ms",
                    format!("{kind:?}"),
                    sc.name,
                    sc.count,
                    rate,
                    p50.as_secs_f64() * 1e3,
                    p99.as_secs_f64() * 1e3
                );
            }
            let _ = stop.send(());
            let _ = running.task.await;
        }
    });
}
