//! The writer never waits for room in the MQTT client's request queue. Only the MQTT task
//! drains that queue, while it polls the connection, and it stops polling while the pipeline
//! to the database is full; a writer waiting for room waited for itself. In a flood of
//! 200,000 statuses through Mosquitto the handler stored ~78,000 and then nothing more.
//! Here the request queue holds one acknowledgement and nobody drains it, as when the MQTT
//! task is held up: every batch must still be stored, and the acknowledgements must follow,
//! in order, once the queue is drained.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::ProtocolValidator;
use messagehandler::Config;
use messagehandler::parse::{self, Parser};
use messagehandler::stages::{PARSED_AHEAD, Work};
use messagehandler::writer::Writer;
use rumqttc::{AsyncClient, Publish, QoS, Request};
use test_support::messages;
use test_support::pg::TestDb;
use tokio::sync::{Semaphore, mpsc, watch};

const MESSAGES: u16 = 60;

async fn stored(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM status_history WHERE stand_id = 'acks'")
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

fn drained(rx: &flume::Receiver<Request>) -> Vec<u16> {
    rx.drain()
        .map(|r| match r {
            Request::PubRec(r) => r.pkid,
            other => panic!("not a PUBREC: {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_request_queue_does_not_stop_the_writer_and_acks_follow_in_order() {
    let db = TestDb::new().await;
    let config = Config::new(&db.url, "mqtt://127.0.0.1:1".parse().expect("url"));
    let pool = domain::store::connect_lazy(&db.url, 2, config.batch_work_mem()).expect("pool");
    let (requests, queue) = flume::bounded(1);
    let validator = ProtocolValidator::bundled().expect("schema");
    let parser = Arc::new(Parser::new(config.clone(), validator));
    let writer = Writer::new(config, pool, AsyncClient::from_senders(requests));
    let (work, work_rx) = mpsc::channel(16);
    let (parsed, parsed_rx) = mpsc::channel(PARSED_AHEAD);
    let (stop, stop_rx) = watch::channel(false);
    let parsing = tokio::spawn(parse::run(parser, work_rx, parsed, stop_rx.clone()));
    let running = tokio::spawn(writer.run(parsed_rx, stop_rx));

    // Several batches: a pause every ten messages lets each group commit on its own.
    let budget = Arc::new(Semaphore::new(1 << 20));
    for pkid in 1..=MESSAGES {
        let payload = messages::status("200", &format!("acks-{pkid}")).to_string();
        let mut publish = Publish::new("acks/inbound", QoS::ExactlyOnce, payload);
        publish.pkid = pkid;
        let permit = budget.clone().acquire_owned().await.expect("permit");
        work.send(Work::Publish(publish, Utc::now(), 1, permit))
            .await
            .expect("writer takes work");
        if pkid % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stored(&db).await < i64::from(MESSAGES) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the writer stopped at {} of {MESSAGES} stored: it waited for room for an ack",
            stored(&db).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The queue took one; the rest wait and follow, in order, as it is drained.
    let mut acked = drained(&queue);
    assert_eq!(acked, vec![1]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while acked.len() < usize::from(MESSAGES) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} acks came",
            acked.len()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
        acked.extend(drained(&queue));
    }
    assert_eq!(acked, (1..=MESSAGES).collect::<Vec<_>>());

    stop.send(true).expect("stop");
    running.await.expect("writer stops");
    parsing.await.expect("the parse stage stops");
}
