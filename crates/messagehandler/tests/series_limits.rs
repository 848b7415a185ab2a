//! A data message's shape is bounded: more series than `MAX_SERIES_PER_MESSAGE`, or a
//! `dataObj` nested deeper than the protocol allows, goes to the quarantine with a reason that
//! names the limit, and another stand's status is stored meanwhile (a message of 160,000 series
//! held every other stand up for 56 s when each key was looked up by a linear search).

mod common;

use std::time::Duration;

use common::*;
use test_support::mqtt::BrokerKind;

/// A `dataObj` of `n` one-point series.
fn many_series(n: usize) -> String {
    let mut text = String::with_capacity(n * 16);
    text.push('{');
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"s{i}\":[{i}]"));
    }
    text.push('}');
    text
}

/// A `dataObj` whose one series is `levels` arrays deep.
fn nested(levels: usize) -> String {
    format!("{{\"deep\":{}1{}}}", "[".repeat(levels), "]".repeat(levels))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_series_or_too_deep_data_is_quarantined_and_others_are_stored_meanwhile() {
    test_support::init_tracing();
    let (db, broker, config) = db_and_broker(BrokerKind::Embedded).await;
    let handler = InProcess::start(config).await;
    let mut probe = TestClient::connect(&broker.url(), "probe-client");
    probe_until_stored(&db.pool, &mut probe).await;

    let mut hostile = TestClient::connect(&broker.url(), "hostile-client");
    let params = serde_json::json!({});
    let messages = [
        test_support::messages::data_text("wide", &[], &params, &many_series(160_000)),
        test_support::messages::data_text("deep", &[], &params, &nested(200_000)),
        test_support::messages::data_text("deep", &[], &params, &nested(40)),
    ];
    for m in &messages {
        hostile
            .publish("hostile/inbound", QoS::ExactlyOnce, m.clone())
            .await;
    }
    hostile.flush().await;
    // Another stand's status right behind them is stored within seconds, not after a minute.
    let mut other = TestClient::connect(&broker.url(), "other-client");
    other
        .publish_status("other/inbound", QoS::ExactlyOnce, "200", "other")
        .await;
    other.flush().await;
    test_support::wait_for("the other stand's status", Duration::from_secs(20), || {
        let pool = db.pool.clone();
        async move {
            let n: i64 =
                sqlx::query_scalar("SELECT count(*) FROM status_history WHERE stand_id = 'other'")
                    .fetch_one(&pool)
                    .await
                    .unwrap_or(0);
            (n > 0).then_some(())
        }
    })
    .await;

    wait_count(
        &db.pool,
        "SELECT count(*) FROM quarantine WHERE topic = 'hostile/inbound'",
        3,
    )
    .await;
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM quarantine WHERE topic = 'hostile/inbound' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("reasons");
    assert!(
        reasons[0].contains("4096") && reasons[0].contains("MAX_SERIES_PER_MESSAGE"),
        "{reasons:?}"
    );
    for deep in &reasons[1..] {
        assert!(deep.contains("nested deeper than 32"), "{reasons:?}");
    }
    let results = db.count("SELECT count(*) FROM results").await;
    assert_eq!(results, 0, "nothing of them is stored as a result");
    handler.stop().await;
}
