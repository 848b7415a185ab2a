//! Several message handlers on a shared subscription commit their batches in any order: a
//! stand's stored codes follow the time each message was received, not the commit order.

mod common;

use chrono::{DateTime, Duration, Utc};
use domain::store::ingest::{BatchOptions, Incoming, Registration, write_batch};
use serde_json::Value;
use test_support::pg::TestDb;

fn incoming(stand: &str, message: Value, received_at: DateTime<Utc>) -> Incoming {
    let payload = message.to_string().into_bytes();
    let verdict = common::verdict(stand, &payload);
    Incoming {
        qos2: None,
        topic: format!("{stand}/inbound"),
        payload: payload.into(),
        payload_hash: [0; 32],
        received_at,
        verdict,
    }
}

/// One handler's batch, written as that handler (its own client id).
async fn commit(db: &TestDb, handler: &str, items: &[Incoming]) {
    let opts = BatchOptions {
        client_id: handler,
        registration: Registration::capped(),
        session_lost: false,
        quarantine: Default::default(),
    };
    write_batch(&db.pool, &opts, items, &[])
        .await
        .expect("batch");
}

async fn stored(db: &TestDb, stand: &str) -> (Option<i16>, Option<i16>, Option<i16>, bool) {
    sqlx::query_as(
        "SELECT status_code, effective_code, power_code, offline FROM stands WHERE id = $1",
    )
    .bind(stand)
    .fetch_one(&db.pool)
    .await
    .expect("stand row")
}

fn status(code: &str) -> Value {
    test_support::messages::status(code, "rig")
}

#[tokio::test]
async fn a_stands_state_follows_the_receive_time_when_batches_commit_out_of_order() {
    let db = TestDb::new().await;
    let t0 = Utc::now() - Duration::seconds(60);
    let at = |ms: i64| t0 + Duration::milliseconds(ms);
    let mut last_will = status("200");
    last_will["lastWill"] = Value::Bool(true);

    // Handler A received 202, power off and the last will first; handler B received 200 and
    // power on after them, and commits first.
    commit(
        &db,
        "handler-b",
        &[
            incoming("rig1", status("200"), at(20)),
            incoming("rig1", status("600"), at(21)),
        ],
    )
    .await;
    commit(
        &db,
        "handler-a",
        &[
            incoming("rig1", status("202"), at(10)),
            incoming("rig1", status("610"), at(11)),
            incoming("rig1", last_will, at(12)),
        ],
    )
    .await;
    assert_eq!(
        stored(&db, "rig1").await,
        (Some(200), Some(200), Some(600), false),
        "the earlier messages, committed last, replaced the later ones"
    );
    let history = db
        .count("SELECT count(*) FROM status_history WHERE stand_id = 'rig1'")
        .await;
    assert_eq!(history, 5, "every message is in the history all the same");

    // In receive order, each replaces the last, field by field: a status without an effect
    // (101) changes the status code, not the effective one.
    commit(&db, "handler-a", &[incoming("rig1", status("500"), at(30))]).await;
    commit(&db, "handler-b", &[incoming("rig1", status("101"), at(31))]).await;
    assert_eq!(
        stored(&db, "rig1").await,
        (Some(101), Some(500), Some(600), false)
    );
    commit(&db, "handler-b", &[incoming("rig1", status("610"), at(40))]).await;
    // A late 202 changes nothing stored, a later power code does.
    commit(&db, "handler-a", &[incoming("rig1", status("202"), at(25))]).await;
    assert_eq!(
        stored(&db, "rig1").await,
        (Some(101), Some(500), Some(610), false)
    );
}
