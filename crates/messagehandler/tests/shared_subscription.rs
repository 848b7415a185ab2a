//! Several handlers on one MQTT shared subscription (`HANDLER_SHARE_GROUP`) against Mosquitto:
//! the stand id comes from the topic (nothing lands in the quarantine), each handler takes a
//! replica slot of its own (so a session of its own), and a handler killed with SIGKILL while
//! it holds unacknowledged messages, started again, takes its slot and session back and
//! finishes them: every message stored exactly once.

mod common;

use std::ffi::OsStr;
use std::time::Duration;

use common::*;
use test_support::mqtt::{Broker, BrokerKind, mosquitto_bin};
use test_support::pg::TestDb;
use test_support::require_tool;

const STANDS: usize = 15;
const PER_STAND: usize = 100;

fn start(db: &TestDb, broker: &Broker, base: &str) -> HandlerProcess {
    HandlerProcess::start_logged_with(
        &db.url,
        &broker.url(),
        base,
        &[
            ("HANDLER_SHARE_GROUP", OsStr::new("handlers")),
            ("RUST_LOG", OsStr::new("info")),
        ],
    )
}

async fn slots_held(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1")
        .bind(domain::store::replica_slots::REPLICA_LOCK_CLASS)
        .fetch_one(&db.pool)
        .await
        .expect("pg_locks")
}

async fn wait_slots(db: &TestDb, n: i64) {
    test_support::wait_for(
        "the handlers' replica slots",
        Duration::from_secs(60),
        || async { (slots_held(db).await == n).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_share_the_messages_and_a_killed_one_finishes_its_own_exactly_once() {
    if !require_tool(
        mosquitto_bin().is_some(),
        "mosquitto (shared subscriptions are tested against it)",
        "Debian: apt-get install -y mosquitto",
    ) {
        return;
    }
    let db = TestDb::new().await;
    sqlx::query(
        "INSERT INTO stands (id, name) SELECT 'sh' || n, 'sh' || n FROM generate_series(0, $1) n",
    )
    .bind(STANDS as i32)
    .execute(&db.pool)
    .await
    .expect("stands");
    let broker = Broker::start(BrokerKind::Mosquitto);
    let base = format!("shared-{}", uuid_like());
    let mut handlers: Vec<HandlerProcess> = (0..3).map(|_| start(&db, &broker, &base)).collect();
    wait_slots(&db, 3).await;
    let mut stand = TestClient::connect(&broker.url(), "shared-stands");
    probe_until_stored(&db.pool, &mut stand).await;

    let total = STANDS * PER_STAND;
    for i in 0..total {
        if i == total / 3 {
            // Stop the first handler's process (the broker keeps sending it messages it
            // never acknowledges), then kill it.
            stand.flush().await;
            let pid = handlers[0].pid();
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).expect("SIGSTOP");
            for j in 0..60 {
                let body = status("101", &format!("stopped-{j}")).to_string();
                stand.publish("sh0/inbound", QoS::ExactlyOnce, body).await;
            }
            stand.flush().await;
            handlers[0].kill();
            wait_slots(&db, 2).await;
            handlers[0] = start(&db, &broker, &base);
            wait_slots(&db, 3).await;
        }
        let s = i % STANDS;
        let body = status("200", &format!("sh{s}-{i}")).to_string();
        stand
            .publish(&format!("sh{s}/inbound"), QoS::ExactlyOnce, body)
            .await;
    }
    stand.flush().await;
    let want = (total + 60) as i64;
    let stored = wait_count(
        &db.pool,
        "SELECT count(DISTINCT sent_by) FROM status_history WHERE sent_by NOT LIKE 'probe-%'",
        want,
    )
    .await;
    assert_eq!(stored, want);
    // A sentinel after everything, through every handler: once all are stored, no duplicate
    // is still on its way.
    for n in 0..9 {
        let body = status("101", &format!("sentinel-{n}")).to_string();
        stand
            .publish("sentinel/inbound", QoS::ExactlyOnce, body)
            .await;
    }
    stand.flush().await;
    wait_count(
        &db.pool,
        "SELECT count(*) FROM status_history WHERE stand_id = 'sentinel'",
        9,
    )
    .await;
    let rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM status_history WHERE sent_by NOT LIKE 'probe-%' AND stand_id <> 'sentinel'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("rows");
    assert_eq!(rows, want, "every message stored once");
    let quarantined: i64 = sqlx::query_scalar("SELECT count(*) FROM quarantine")
        .fetch_one(&db.pool)
        .await
        .expect("quarantine");
    assert_eq!(
        quarantined, 0,
        "the stand id is read from the delivered topic"
    );
    let log = handlers[0].log();
    assert!(
        log.contains("redelivers messages this session left unacknowledged"),
        "the killed handler held nothing unacknowledged (no DUP after its restart):\n{log}"
    );
    // Three sessions: slot 0 keeps the base id, the others add -r1, -r2.
    let logs: String = handlers.iter().map(HandlerProcess::log).collect();
    for slot in 0..3 {
        assert!(
            logs.contains(&format!("took replica slot {slot}")),
            "{logs}"
        );
    }
}
