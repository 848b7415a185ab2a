//! The broker's memory is bounded by bytes, whatever the number of topics: 200 MiB published
//! to 10,000 distinct topics that nobody reads while they arrive — the only subscription
//! matching them is a persistent session that is away, as the message handler's may be —
//! raise the broker process's resident memory by at most 64 MiB above its idle level. The
//! session, back, gets the newest messages that fit the budget, in order and ending with the
//! last one published; once it has read them, the memory goes back near its idle level.
//!
//! The broker runs as the `embedded-broker` process, so that its resident memory is its own,
//! with `MALLOC_MMAP_THRESHOLD_` fixed as the launcher runs (`standhub` starts itself again
//! with it: see `messagehandler::mmap_threshold`); with glibc's sliding threshold, freed
//! memory stays with the process.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use test_support::{free_ports, wait_for_port, workspace_bin};
use tokio::sync::mpsc;
use tokio::time::timeout;

const MIB: u64 = 1024 * 1024;
const TOPICS: usize = 10_000;
const PUBLISHED: usize = 200 * 1024 * 1024;
/// How far above idle the broker may go while the 200 MiB arrive.
const MAX_GROWTH: u64 = 64 * MIB;
/// How far above idle it may stay once the backlog was read.
const NEAR_IDLE: u64 = 16 * MIB;
const WAIT: Duration = Duration::from_secs(30);

/// The `embedded-broker` process, killed on drop.
struct BrokerProcess {
    child: Child,
    port: u16,
}

impl BrokerProcess {
    fn start() -> Self {
        let ports = free_ports(2);
        let child = Command::new(workspace_bin("embedded-broker"))
            .arg(format!("127.0.0.1:{}", ports[0]))
            .arg(format!("127.0.0.1:{}", ports[1]))
            .env("RUST_LOG", "error")
            .env("MALLOC_MMAP_THRESHOLD_", "1048576")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start embedded-broker");
        let broker = Self {
            child,
            port: ports[0],
        };
        assert!(wait_for_port(broker.port, WAIT), "the broker listens");
        broker
    }

    /// `VmRSS` (resident now) or `VmHWM` (the peak so far) of the broker, in bytes.
    fn memory(&self, key: &str) -> u64 {
        test_support::memory_kib(Some(self.child.id()), key)
            .unwrap_or_else(|| panic!("{key} in /proc/<broker>/status"))
            * 1024
    }

    fn client(&self, id: &str, clean_session: bool) -> (AsyncClient, EventLoop) {
        let mut options = MqttOptions::new(id, "127.0.0.1", self.port);
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_clean_session(clean_session)
            .set_max_packet_size(MIB as usize, MIB as usize)
            .set_inflight(100);
        AsyncClient::new(options, 1_000)
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `events` until `pick` accepts an incoming packet.
async fn until<T>(events: &mut EventLoop, what: &str, pick: impl Fn(Packet) -> Option<T>) -> T {
    let found = timeout(WAIT, async {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(packet)) => {
                    if let Some(found) = pick(packet) {
                        return found;
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("connection failed while waiting for {what}: {e}"),
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

fn topic(i: usize) -> String {
    format!("stand-{i:05}/inbound")
}

#[tokio::test]
async fn memory_stays_bounded_by_bytes_across_ten_thousand_topics_and_comes_back() {
    let broker = BrokerProcess::start();

    // The handler's persistent session subscribes, then goes away.
    let (handler, mut events) = broker.client("handler", false);
    handler
        .subscribe("+/inbound", QoS::ExactlyOnce)
        .await
        .expect("subscribe");
    until(&mut events, "SUBACK", |p| {
        matches!(p, Packet::SubAck(_)).then_some(())
    })
    .await;
    handler.disconnect().await.expect("disconnect");
    while events.poll().await.is_ok() {}

    let (publisher, mut publisher_events) = broker.client("stand-flood", true);
    until(&mut publisher_events, "CONNACK", |p| {
        matches!(p, Packet::ConnAck(_)).then_some(())
    })
    .await;
    let (acked_tx, mut acked) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match publisher_events.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    let _ = acked_tx.send(());
                }
                Ok(_) => {}
                Err(e) => panic!("the publisher's connection failed: {e}"),
            }
        }
    });
    let idle = broker.memory("VmRSS:");

    // 200 MiB across 10,000 topics, each acknowledged.
    let payload = vec![b'x'; PUBLISHED / TOPICS];
    let started = Instant::now();
    let mut unacked = 0;
    for i in 0..TOPICS {
        publisher
            .publish(topic(i), QoS::AtLeastOnce, false, payload.clone())
            .await
            .expect("queue publish");
        unacked += 1;
        while unacked > 100 {
            next_ack(&mut acked).await;
            unacked -= 1;
        }
    }
    for _ in 0..unacked {
        next_ack(&mut acked).await;
    }
    let published_in = started.elapsed();
    let peak = broker.memory("VmHWM:");

    // The handler comes back to its backlog: the newest messages, in order, up to the last.
    let (_handler, mut events) = broker.client("handler", false);
    let mut received = Vec::new();
    loop {
        let topic = until(&mut events, "the backlog", |p| match p {
            Packet::Publish(p) => Some(p.topic),
            _ => None,
        })
        .await;
        received.push(topic);
        if received.last() == Some(&self::topic(TOPICS - 1)) {
            break;
        }
    }
    let first = received.first().cloned().unwrap_or_default();
    let expected: Vec<String> = (TOPICS - received.len()..TOPICS).map(topic).collect();
    assert_eq!(received, expected, "the backlog: newest messages, in order");
    let kept = (received.len() * payload.len()) as u64;
    assert!(
        kept >= broker::MAX_AWAY_BACKLOG_BYTES as u64 / 2,
        "only {} MiB of the backlog survived within a budget of {} MiB",
        kept / MIB,
        broker::MAX_AWAY_BACKLOG_BYTES as u64 / MIB
    );
    // The last PUBCOMPs go out with the next poll.
    let drain = tokio::spawn(async move { while events.poll().await.is_ok() {} });

    // Read, freed: the memory goes back near idle.
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let now = broker.memory("VmRSS:");
        if now <= idle + NEAR_IDLE || Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drain.abort();
    eprintln!(
        "embedded broker RSS: idle {} MiB, peak {} MiB, after {} MiB; 200 MiB in {published_in:?}; \
         backlog kept {} messages ({} MiB, from {first})",
        idle / MIB,
        peak / MIB,
        after / MIB,
        received.len(),
        kept / MIB,
    );
    assert!(
        peak <= idle + MAX_GROWTH,
        "peak {} MiB, more than {} MiB above idle ({} MiB)",
        peak / MIB,
        MAX_GROWTH / MIB,
        idle / MIB
    );
    assert!(
        after <= idle + NEAR_IDLE,
        "after the backlog was read: {} MiB, idle was {} MiB",
        after / MIB,
        idle / MIB
    );
}

async fn next_ack(acked: &mut mpsc::UnboundedReceiver<()>) {
    timeout(WAIT, acked.recv())
        .await
        .expect("PUBACK within the wait")
        .expect("publisher alive");
}
