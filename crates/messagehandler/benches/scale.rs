//! Scale-out benchmark: one, two and three `messagehandler` processes on one MQTT shared
//! subscription (`HANDLER_SHARE_GROUP`, a group per case) behind Mosquitto (the project's limits), storing a
//! flood of status messages from 50 stands into PostgreSQL (a private cluster, fsync on). Not
//! part of `cargo nextest run`.
//!
//! Run (release): `cargo bench -p messagehandler --bench scale` (`BENCH_SCALE=0.2` for a quick
//! run, `BENCH_HANDLERS=1,3` for some of the counts, `BENCH_ROUNDS=3` repeats each count).
//!
//! On a machine with few cores, shared by the load generator and the servers, wall-clock rates
//! say little about what more cores would give; CPU time does. Per handler count this prints
//! the wall rate and, per 1,000 messages, the CPU time (user + system, from
//! `/proc/<pid>/stat` before and after) of the broker, each handler, the PostgreSQL backends
//! serving the handlers, PostgreSQL's own background processes (WAL writer, checkpointer, …)
//! and the load generator (this process: the publisher and the one polling connection).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, MqttOptions, QoS};
use sqlx::{Connection, PgConnection};
use test_support::messages;
use test_support::mqtt::{Broker, BrokerKind, mosquitto_bin};
use test_support::pg::{PgCluster, TestDb};

const STANDS: usize = 50;

/// CPU time (user + system) of a process so far, in clock ticks; `None` once it is gone.
fn ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses: state is the 3rd
    // field of the line, utime the 14th, stime the 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn handler(db_url: &str, broker_url: &str, base_id: &str) -> Child {
    let bin = std::env::var_os("BENCH_HANDLER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_messagehandler")));
    Command::new(bin)
        .env("DATABASE_URL", db_url)
        .env("MQTT_URL", broker_url)
        .env("MQTT_CLIENT_ID", base_id)
        .env("INBOUND_TOPICS", "+/inbound")
        // A group per case: the killed handlers of the case before stay members of theirs
        // (Mosquitto would queue their share of this case's messages for them).
        .env("HANDLER_SHARE_GROUP", format!("g{base_id}"))
        .env("HANDLER_MAX_NEW_STANDS_PER_MINUTE", "1000")
        .env("HEALTH_FILE", format!("/tmp/bench-{base_id}.health"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .expect("start messagehandler")
}

fn publisher(url: &str, id: &str) -> AsyncClient {
    let url: domain::config::MqttUrl = url.parse().expect("broker url");
    let mut options = MqttOptions::new(id, url.host, url.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_inflight(100);
    let (client, mut eventloop) = messagehandler::mqtt::nodelay_client(options, 10_000);
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(_) => {}
                Err(rumqttc::ConnectionError::RequestsDone) => break,
                Err(e) => {
                    eprintln!("publisher: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    client
}

async fn count(conn: &mut PgConnection, like: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM status_history WHERE sent_by LIKE $1")
        .bind(like)
        .fetch_one(conn)
        .await
        .unwrap_or(0)
}

/// The server processes of the bench database other than `own` (the poller), by kind:
/// `true` for client backends (the handlers' sessions), `false` for the rest.
async fn server_pids(conn: &mut PgConnection, own: i32) -> Vec<(u32, bool)> {
    let rows: Vec<(i32, bool)> = sqlx::query_as(
        "SELECT pid, backend_type = 'client backend' FROM pg_stat_activity
         WHERE pid <> $1 AND (datname = current_database() OR datname IS NULL)",
    )
    .bind(own)
    .fetch_all(conn)
    .await
    .expect("pg_stat_activity");
    rows.into_iter().map(|(p, c)| (p as u32, c)).collect()
}

struct Sample {
    groups: Vec<(String, Vec<u32>)>,
    before: HashMap<u32, u64>,
}

impl Sample {
    fn start(groups: Vec<(String, Vec<u32>)>) -> Self {
        let before = groups
            .iter()
            .flat_map(|(_, pids)| pids.iter())
            .filter_map(|&p| Some((p, ticks(p)?)))
            .collect();
        Self { groups, before }
    }

    /// Seconds of CPU per group since the start (processes started since count from zero).
    fn finish(&self, late: &[(String, Vec<u32>)]) -> Vec<(String, f64)> {
        let hz = clock_ticks_per_second();
        let mut out: Vec<(String, f64)> = Vec::new();
        for (name, pids) in self.groups.iter().chain(late) {
            let mut total = 0u64;
            for p in pids {
                let now = ticks(*p).unwrap_or(0);
                total += now.saturating_sub(self.before.get(p).copied().unwrap_or(0));
            }
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, t)) => *t = total as f64 / hz,
                None => out.push((name.clone(), total as f64 / hz)),
            }
        }
        out
    }
}

async fn run(cluster: &PgCluster, broker: &Broker, handlers: usize, total: usize, round: usize) {
    let db = TestDb::on_cluster(cluster).await;
    let mut poll = PgConnection::connect(&db.url).await.expect("poller");
    let own: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut poll)
        .await
        .expect("pid");
    let tag = test_support::uuid_like();
    let mut children: Vec<Child> = (0..handlers)
        .map(|_| handler(&db.url, &broker.url(), &format!("bench-{tag}")))
        .collect();
    let client = publisher(&broker.url(), &format!("bench-pub-{tag}"));
    // Ready when every handler took its slot and a round of probes is stored.
    let ready = Instant::now();
    loop {
        let slots: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1",
        )
        .bind(domain::store::replica_slots::REPLICA_LOCK_CLASS)
        .fetch_one(&mut poll)
        .await
        .unwrap_or(0);
        if slots == handlers as i64 {
            break;
        }
        assert!(
            ready.elapsed() < Duration::from_secs(60),
            "{slots} slots taken"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let probes = handlers * 6;
    for probe in 0..probes {
        let body = messages::status("200", &format!("probe-{probe}")).to_string();
        client
            .publish("probe/inbound", QoS::ExactlyOnce, false, body)
            .await
            .expect("probe");
    }
    while count(&mut poll, "probe-%").await < probes as i64 {
        assert!(
            ready.elapsed() < Duration::from_secs(120),
            "probes not stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let payloads: Vec<(String, Vec<u8>)> = (0..total)
        .map(|i| {
            let body = messages::status("200", &format!("m{round}-{i}"));
            (
                format!("s{}/inbound", i % STANDS),
                body.to_string().into_bytes(),
            )
        })
        .collect();

    let backends = server_pids(&mut poll, own).await;
    let pick = |client: bool| -> Vec<u32> {
        backends
            .iter()
            .filter(|(_, c)| *c == client)
            .map(|(p, _)| *p)
            .collect()
    };
    let mut groups = vec![(
        "broker".to_owned(),
        broker.pid().into_iter().collect::<Vec<_>>(),
    )];
    for (i, c) in children.iter().enumerate() {
        groups.push((format!("handler {}", i + 1), vec![c.id()]));
    }
    groups.push(("PostgreSQL backends".to_owned(), pick(true)));
    groups.push(("PostgreSQL background".to_owned(), pick(false)));
    groups.push(("load generator".to_owned(), vec![std::process::id()]));
    let sample = Sample::start(groups);
    let start = Instant::now();
    for (topic, body) in payloads {
        client
            .publish(topic, QoS::ExactlyOnce, false, body)
            .await
            .expect("publish");
    }
    let like = format!("m{round}-%");
    while count(&mut poll, &like).await < total as i64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(start.elapsed() < Duration::from_secs(600), "not stored");
    }
    let wall = start.elapsed();
    // Backends opened during the flood count from zero.
    let later = server_pids(&mut poll, own).await;
    let late_backends: Vec<u32> = later
        .iter()
        .filter(|(p, c)| *c && !backends.iter().any(|(q, _)| q == p))
        .map(|(p, _)| *p)
        .collect();
    let cpu = sample.finish(&[("PostgreSQL backends".to_owned(), {
        let mut all = pick(true);
        all.extend(late_backends);
        all
    })]);
    let per_k = |secs: f64| secs * 1000.0 * 1000.0 / total as f64;
    let all: f64 = cpu.iter().map(|(_, s)| s).sum();
    let handlers_sum: f64 = cpu
        .iter()
        .filter(|(n, _)| n.starts_with("handler"))
        .map(|(_, s)| s)
        .sum();
    let parts: Vec<String> = cpu
        .iter()
        .map(|(n, s)| format!("{n} {:.1}", per_k(*s)))
        .collect();
    println!(
        "| {handlers} | {total} | {:.0} | {:.1} | {:.1} | {:.1} | {} |",
        total as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        per_k(handlers_sum),
        per_k(all),
        parts.join("; ")
    );
    drop(client);
    for c in &mut children {
        // SIGTERM: the handler leaves the group and disconnects.
        let pid = nix::unistd::Pid::from_raw(c.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = c.wait();
    }
}

#[tokio::main]
async fn main() {
    assert!(mosquitto_bin().is_some(), "the benchmark needs mosquitto");
    let scale: f64 = test_support::env_number("BENCH_SCALE", 1.0);
    let total = ((20_000.0 * scale) as usize).max(STANDS);
    let counts: Vec<usize> = std::env::var("BENCH_HANDLERS")
        .unwrap_or_else(|_| "1,2,3".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let rounds: usize = test_support::env_number("BENCH_ROUNDS", 1);
    let cluster = PgCluster::private(true);
    let broker = Broker::start(BrokerKind::Mosquitto);
    println!(
        "scale-out benchmark: {total} status messages of {STANDS} stands, QoS 2, Mosquitto, \
         handlers on one shared subscription, PostgreSQL fsync on; CPU ms per 1,000 messages"
    );
    println!(
        "| handlers | messages | msg/s | wall s | handlers CPU | all CPU | per process (ms / 1,000 msg) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for round in 0..rounds {
        for &n in &counts {
            run(&cluster, &broker, n, total, round * 10 + n).await;
        }
    }
}
