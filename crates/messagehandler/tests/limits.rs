//! Sizes and queues are bounded: one stand sending huge payloads cannot take the handler above
//! its documented memory ceiling (README, "Memory"), cannot stop it storing the other stands'
//! messages, and cannot make it crash-loop. The handler runs as its own process so its peak
//! RSS (`VmHWM`) is its own.

mod common;

use std::time::Duration;

use common::*;
use test_support::mqtt::{Broker, available_brokers};
use test_support::pg::TestDb;

const MIB: usize = 1024 * 1024;

/// The documented ceiling with the default settings: 48 MiB + `HANDLER_BUFFER_BYTES` +
/// 2 × the largest packet + 3 × max(`HANDLER_BATCH_BYTES`, `MAX_PAYLOAD_BYTES`).
fn documented_ceiling_bytes() -> usize {
    use messagehandler::config::{
        DEFAULT_BATCH_BYTES, DEFAULT_BUFFER_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, MAX_PACKET_BYTES,
    };
    48 * MIB
        + DEFAULT_BUFFER_BYTES
        + 2 * MAX_PACKET_BYTES
        + 3 * DEFAULT_BATCH_BYTES.max(DEFAULT_MAX_PAYLOAD_BYTES)
}

/// A data message of about `bytes` bytes: one numeric series (the costliest kind to parse).
fn numeric_data(sent_by: &str, bytes: usize) -> String {
    let point = "0.123456789012,";
    let n = bytes / point.len();
    let mut series = String::with_capacity(bytes + 64);
    series.push('[');
    for i in 0..n {
        if i > 0 {
            series.push(',');
        }
        series.push_str(&point[..point.len() - 1]);
    }
    series.push(']');
    format!(
        r#"{{"protocolVersion":1.1,"sentBy":"{sent_by}","msgType":"data","statusCode":"200","dataObj":{{"v":{series}}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_payloads_stay_under_the_memory_ceiling_and_others_are_stored_meanwhile() {
    test_support::init_tracing();
    const FLOOD: usize = 24;
    const OTHERS: usize = 200;
    for kind in available_brokers() {
        let db = TestDb::new().await;
        let broker = Broker::start(kind);
        let (mut handler, _probe, _) = probed_handler(&db, &broker, "probe-client", &[]).await;

        // One stand: a 20 MiB payload (above MAX_PAYLOAD_BYTES, under the brokers' limit),
        // then a flood of 5 MiB results, all published before the handler can take them.
        let mut big = TestClient::connect(&broker.url(), "big-client");
        big.publish(
            "big/inbound",
            QoS::ExactlyOnce,
            numeric_data("huge", 20 * MIB),
        )
        .await;
        let five = numeric_data("five", 5 * MIB);
        for i in 0..FLOOD {
            let msg = five.replacen("\"five\"", &format!("\"five-{i}\""), 1);
            big.publish("big/inbound", QoS::ExactlyOnce, msg).await;
        }
        // Another stand keeps sending statuses meanwhile.
        let mut other = TestClient::connect(&broker.url(), "other-client");
        for i in 0..OTHERS {
            let msg = status("200", &format!("other-{i}")).to_string();
            other.publish("other/inbound", QoS::ExactlyOnce, msg).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        other.flush().await;
        wait_count(
            &db.pool,
            "SELECT count(*) FROM status_history WHERE stand_id = 'other'",
            OTHERS as i64,
        )
        .await;
        big.flush().await;
        for (sql, n) in [
            ("SELECT count(*) FROM results WHERE stand_id = 'big'", FLOOD),
            (
                "SELECT count(*) FROM quarantine WHERE topic = 'big/inbound'",
                1,
            ),
        ] {
            wait_count(&db.pool, sql, n as i64).await;
        }

        let (size, kept): (i64, bool) = sqlx::query_as(
            "SELECT size, payload IS NOT NULL FROM quarantine WHERE topic = 'big/inbound'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("quarantined");
        assert!(
            size > 20 * MIB as i64,
            "{kind:?}: the size is kept ({size})"
        );
        assert!(
            !kept,
            "{kind:?}: the bytes of an oversized message are not kept"
        );
        let points = db
            .count("SELECT min(point_count) FROM results WHERE stand_id = 'big'")
            .await;
        assert!(
            points > 300_000,
            "{kind:?}: whole results ({points} points)"
        );

        assert!(
            handler.running(),
            "{kind:?}: the handler is still running (no crash)"
        );
        // It started itself again with glibc's mmap threshold fixed (`heap`), the same process.
        assert!(
            handler
                .environment()
                .contains(&"MALLOC_MMAP_THRESHOLD_=1048576".to_owned()),
            "{kind:?}: the handler runs with a fixed mmap threshold"
        );
        let peak = handler.peak_rss_bytes().expect("VmHWM of the handler");
        let ceiling = documented_ceiling_bytes();
        assert!(
            peak <= ceiling,
            "{kind:?}: handler peak RSS {} MiB is above the documented ceiling {} MiB",
            peak / MIB,
            ceiling / MIB
        );
        eprintln!(
            "{kind:?}: handler peak RSS {} MiB (ceiling {} MiB)",
            peak / MIB,
            ceiling / MIB
        );
        let log = handler.log();
        assert!(
            !log.contains("panicked"),
            "{kind:?}: the handler panicked:\n{log}"
        );
    }
}
