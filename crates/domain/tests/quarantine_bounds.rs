//! The quarantine's global bounds (hostile input round two): spraying many topics or many
//! small bad messages cannot fill the database. Over all topics at most `max_rows` entries
//! stay (the newest) and at most `total_bytes` of payloads (the newest kept whole, older ones
//! dropped as the per-topic quota drops them). Written through the handler's ingest path as
//! the handler's own role, which must be allowed to delete the oldest entries.

use chrono::{DateTime, Duration, Utc};
use domain::store::ingest::{BatchOptions, Incoming, Quarantined, Registration, write_batch};
use domain::store::quarantine::QuarantineLimits;
use sqlx::Executor;
use sqlx::postgres::{PgPool, PgPoolOptions};
use test_support::pg::TestDb;

/// A fresh database, and a pool on it acting as the handler's role (`SET ROLE` on every
/// connection).
async fn handler_db() -> (TestDb, PgPool) {
    let db = TestDb::new().await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET ROLE standhub_handler").await?;
                Ok(())
            })
        })
        .connect(&db.url)
        .await
        .expect("pool");
    (db, pool)
}

/// A message that is not JSON (quarantined with its bytes), of `size` bytes, on `topic`.
fn bad(topic: &str, size: usize, at: DateTime<Utc>) -> Incoming {
    let mut payload = format!("not json: {topic} ").into_bytes();
    payload.resize(size, b'x');
    let verdict = domain::ProtocolValidator::bundled()
        .expect("schema")
        .parse(&payload)
        .map(|_| panic!("{topic}: the payload must be refused"))
        .map_err(|reason| Quarantined {
            reason,
            keep_bytes: true,
        });
    Incoming {
        qos2: None,
        topic: topic.to_owned(),
        payload: payload.into(),
        payload_hash: [0; 32],
        received_at: at,
        verdict,
    }
}

/// One [`bad`] message of `size` bytes on each of `n` topics `<prefix><i>/inbound`, a
/// millisecond apart from `start`.
fn spray(prefix: &str, n: i64, size: usize, start: DateTime<Utc>) -> Vec<Incoming> {
    (0..n)
        .map(|i| {
            let topic = format!("{prefix}{i}/inbound");
            bad(&topic, size, start + Duration::milliseconds(i))
        })
        .collect()
}

async fn quarantine(pool: &PgPool, limits: QuarantineLimits, items: &[Incoming]) {
    let opts = BatchOptions {
        client_id: "standhub-messagehandler",
        registration: Registration::capped(),
        session_lost: false,
        quarantine: limits,
    };
    let report = write_batch(pool, &opts, items, &[])
        .await
        .expect("the handler's role writes the batch");
    assert_eq!(report.quarantined, items.len());
}

/// Topic, size, bytes kept, dropped; oldest first.
type Row = (String, i64, Option<i32>, bool);

async fn rows(pool: &PgPool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT topic, size, octet_length(payload), payload_dropped
         FROM quarantine ORDER BY received_at, id",
    )
    .fetch_all(pool)
    .await
    .expect("rows")
}

#[tokio::test]
async fn many_topics_cannot_keep_more_than_max_rows_entries_and_the_newest_stay() {
    let (db, pool) = handler_db().await;
    let limits = QuarantineLimits {
        max_rows: 50,
        ..QuarantineLimits::default()
    };
    let start = Utc::now();
    // 120 topics, one bad message each: the per-topic quota never applies. Alone and in
    // batches of several.
    let items = spray("spray", 120, 40, start);
    for item in &items[..60] {
        quarantine(&pool, limits, std::slice::from_ref(item)).await;
    }
    for batch in items[60..].chunks(7) {
        quarantine(&pool, limits, batch).await;
    }

    let kept = rows(&db.pool).await;
    assert!(kept.len() <= 50, "{} rows are kept", kept.len());
    let topics: Vec<&str> = kept.iter().map(|r| r.0.as_str()).collect();
    let newest: Vec<String> = (70..120).map(|i| format!("spray{i}/inbound")).collect();
    assert_eq!(
        topics, newest,
        "the newest 50 entries stay, the oldest are deleted"
    );
    assert!(
        kept.iter().all(|r| r.2 == Some(40) && !r.3),
        "the rows that stay keep their payloads: {kept:?}"
    );
}

#[tokio::test]
async fn many_topics_cannot_keep_more_than_total_bytes_and_the_newest_stay_whole() {
    let (db, pool) = handler_db().await;
    let limits = QuarantineLimits {
        message_bytes: 1000,
        topic_bytes: 3000,
        total_bytes: 5000,
        ..QuarantineLimits::default()
    };
    let start = Utc::now();
    // 30 topics, one 700-byte message each (under every per-message and per-topic bound),
    // in batches of 3; then one 2,500-byte message of which 1,000 bytes are kept.
    let items = spray("rig", 30, 700, start);
    for batch in items.chunks(3) {
        quarantine(&pool, limits, batch).await;
    }
    let all = rows(&db.pool).await;
    assert_eq!(all.len(), 30, "the rows all stay (under max_rows)");
    let kept: i64 = all.iter().filter_map(|r| r.2).map(i64::from).sum();
    assert!(kept <= 5000, "{kept} payload bytes are kept");
    let expected: Vec<Row> = (0..30)
        .map(|i| {
            let whole = i >= 23; // 7 × 700 = 4,900 ≤ 5,000
            (format!("rig{i}/inbound"), 700, whole.then_some(700), !whole)
        })
        .collect();
    assert_eq!(all, expected, "the newest 7 payloads are kept whole");

    quarantine(
        &pool,
        limits,
        &[bad("late/inbound", 2500, start + Duration::seconds(1))],
    )
    .await;
    let all = rows(&db.pool).await;
    let kept: Vec<(&str, Option<i32>)> = all
        .iter()
        .filter(|r| r.2.is_some())
        .map(|r| (r.0.as_str(), r.2))
        .collect();
    assert_eq!(
        kept,
        [
            ("rig25/inbound", Some(700)),
            ("rig26/inbound", Some(700)),
            ("rig27/inbound", Some(700)),
            ("rig28/inbound", Some(700)),
            ("rig29/inbound", Some(700)),
            ("late/inbound", Some(1000)),
        ],
        "1,000 + 5 × 700 = 4,500 bytes: two more of the oldest payloads dropped"
    );
    let dropped = all.iter().filter(|r| r.3).count();
    assert_eq!(dropped, 25, "dropped payloads are marked, their rows stay");
}
