//! The message handler against a real PostgreSQL and real brokers (the embedded one, and
//! Mosquitto with the project's config when it is installed).

mod common;

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use common::*;
use domain::StandId;
use domain::StandState;
use domain::store::{runs, series, stands, status_history};
use serde_json::json;
use test_support::mqtt::{Broker, BrokerKind, available_brokers};
use test_support::pg::TestDb;

fn id(raw: &str) -> StandId {
    StandId::parse(raw).expect("valid stand id")
}

fn offline_after() -> ChronoDuration {
    ChronoDuration::seconds(300)
}

/// How the dashboard shows `stand` now.
async fn view_of(db: &TestDb, stand: &str) -> stands::StandView {
    stands::get(&db.pool, &id(stand), offline_after())
        .await
        .expect("query")
        .expect("stand")
}

async fn state_of(db: &TestDb, stand: &str) -> StandState {
    view_of(db, stand).await.state
}

async fn statuses(db: &TestDb) -> i64 {
    db.count("SELECT count(*) FROM status_history").await
}

/// Publishes and waits until `n` more status rows are stored.
async fn send_and_wait(db: &TestDb, stand: &mut TestClient, topic: &str, msg: serde_json::Value) {
    let before = statuses(db).await;
    stand
        .publish(topic, QoS::ExactlyOnce, msg.to_string())
        .await;
    stand.flush().await;
    test_support::wait_for("the status row", Duration::from_secs(30), || async {
        (statuses(db).await > before).then_some(())
    })
    .await;
}

/// The fixture of most tests here: a fresh database, a broker of `kind`, the handler on them,
/// and a stand client publishing at QoS 2.
struct Rig {
    db: TestDb,
    _broker: Broker,
    handler: InProcess,
    stand: TestClient,
}

impl Rig {
    async fn start(kind: BrokerKind, client_id: &str) -> Self {
        test_support::init_tracing();
        let (db, broker, config) = db_and_broker(kind).await;
        let handler = InProcess::start(config).await;
        let stand = TestClient::connect(&broker.url(), client_id);
        Self {
            db,
            _broker: broker,
            handler,
            stand,
        }
    }

    /// Publishes `msg` on `topic` and waits until the handler stored it.
    async fn send(&mut self, topic: &str, msg: serde_json::Value) {
        send_and_wait(&self.db, &mut self.stand, topic, msg).await;
    }

    async fn stop(self) {
        self.handler.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_codes_move_the_stand_through_its_states() {
    for kind in available_brokers() {
        let mut rig = Rig::start(kind, "rig1").await;
        let t = "rig1/inbound";

        rig.send(t, status("200", "rig1")).await;
        let db = &rig.db;
        let view = view_of(db, "rig1").await;
        assert_eq!(
            (view.state, view.status_code, view.legacy_topics),
            (StandState::Ready, Some(200), false),
            "{kind:?}"
        );
        rig.send(t, status("202", "rig1")).await;
        assert_eq!(state_of(&rig.db, "rig1").await, StandState::Busy);
        // 1xx and 3xx are shown but do not change the state.
        rig.send(t, status("101", "rig1")).await;
        let view = view_of(&rig.db, "rig1").await;
        assert_eq!(
            (view.state, view.status_code),
            (StandState::Busy, Some(101))
        );
        rig.send(t, status("500", "rig1")).await;
        assert_eq!(state_of(&rig.db, "rig1").await, StandState::Error);
        rig.send(t, status("610", "rig1")).await;
        assert_eq!(state_of(&rig.db, "rig1").await, StandState::Off);
        rig.send(t, status("600", "rig1")).await;
        rig.send(t, status("200", "rig1")).await;
        let view = view_of(&rig.db, "rig1").await;
        assert_eq!(
            (view.state, view.power_code),
            (StandState::Ready, Some(600))
        );
        let mut will = status("200", "rig1");
        will["lastWill"] = json!(true);
        rig.send(t, will).await;
        assert_eq!(state_of(&rig.db, "rig1").await, StandState::Offline);
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_topic_layout_is_accepted_and_remembered_for_answers() {
    for kind in available_brokers() {
        let mut rig = Rig::start(kind, "old-rig").await;
        rig.send("Testdevice/old-rig/Inbound", status("200", "old-rig"))
            .await;
        let view = view_of(&rig.db, "old-rig").await;
        assert_eq!(
            (view.state, view.legacy_topics),
            (StandState::Ready, true),
            "{kind:?}"
        );
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_history_is_newest_first_and_the_latest_is_the_last_sent() {
    for kind in available_brokers() {
        let mut rig = Rig::start(kind, "rig1").await;
        let t = "rig1/inbound";
        for i in 0..40 {
            let code = if i % 2 == 0 { "202" } else { "404" };
            rig.stand
                .publish(t, QoS::ExactlyOnce, status(code, "rig1").to_string())
                .await;
        }
        rig.stand
            .publish(t, QoS::ExactlyOnce, status("200", "rig1").to_string())
            .await;
        rig.stand.flush().await;
        let db = &rig.db;
        wait_count(
            &db.pool,
            "SELECT count(*) FROM status_history WHERE stand_id = 'rig1'",
            41,
        )
        .await;
        let history = status_history::list(&db.pool, &id("rig1"), 3)
            .await
            .expect("history");
        assert_eq!(
            history.iter().map(|h| h.code).collect::<Vec<_>>(),
            [200, 404, 202],
            "{kind:?}"
        );
        assert!(
            history
                .windows(2)
                .all(|w| w[0].received_at >= w[1].received_at)
        );
        let view = view_of(db, "rig1").await;
        assert_eq!(
            (view.state, view.status_code),
            (StandState::Ready, Some(200))
        );
        rig.stop().await;
    }
}

/// A stand `rig2` that said "ready", and a way to ask it for runs.
async fn rig_with_ready_stand(kind: BrokerKind) -> Rig {
    let mut rig = Rig::start(kind, "rig2").await;
    rig.send("rig2/inbound", status("200", "rig2")).await;
    rig
}

/// Requests a run on `rig2` as alice.
async fn create_run(pool: &sqlx::PgPool) -> i64 {
    let id = domain::StandId::parse("rig2").expect("id");
    let (params, cmds) = (json!({"fs": 2000}), json!(["start"]));
    runs::create(
        pool,
        runs::NewRun {
            stand: &id,
            requested_by: "alice",
            user_id: None,
            parameters: &params,
            commands: &cmds,
            keep: true,
        },
    )
    .await
    .expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_message_completes_the_run_in_progress() {
    for kind in available_brokers() {
        let mut rig = rig_with_ready_stand(kind).await;
        let run = create_run(&rig.db.pool).await;
        assert_eq!(
            state_of(&rig.db, "rig2").await,
            StandState::Busy,
            "a run in progress makes it busy"
        );
        rig.send("rig2/inbound", status("202", "rig2")).await;
        let db = &rig.db;
        assert_eq!(
            runs::get(&db.pool, run)
                .await
                .expect("q")
                .expect("run")
                .state,
            domain::RunState::Running
        );

        let text = r#"{"protocolVersion":1.1,"sentBy":"rig2","msgType":"data","statusCode":"200","commandList":["start"],"parameterObj":{"fs":2000},"dataObj":{"volts":[1.5, 2.0, -3e-2],"amps":[0,1],"note":"raw <b>"}}"#;
        rig.stand
            .publish("rig2/inbound", QoS::ExactlyOnce, text)
            .await;
        rig.stand.flush().await;
        let db = &rig.db;
        wait_count(&db.pool, "SELECT count(*) FROM results", 1).await;
        let done = runs::get(&db.pool, run).await.expect("q").expect("run");
        assert_eq!(done.state.as_str(), "completed");
        let result = done.result.expect("linked result");
        let (data_text, keep, run_id): (String, bool, Option<i64>) =
            sqlx::query_as("SELECT data::text, keep, run_id FROM results WHERE id = $1")
                .bind(result)
                .fetch_one(&db.pool)
                .await
                .expect("result");
        assert_eq!(
            data_text, r#"{"volts":[1.5, 2.0, -3e-2],"amps":[0,1],"note":"raw <b>"}"#,
            "dataObj exactly as received"
        );
        assert_eq!((keep, run_id), (true, Some(run)));
        let rows: Vec<(String, bool, i32, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT name, numeric, len, \"values\" FROM result_series WHERE result_id = $1 ORDER BY position",
        )
        .bind(result)
        .fetch_all(&db.pool)
        .await
        .expect("series");
        let series: Vec<(String, bool, i32, Option<Vec<f64>>)> = rows
            .into_iter()
            .map(|(name, numeric, len, values)| {
                let values = values.map(|b| series::decode_values(&b).expect("whole doubles"));
                (name, numeric, len, values)
            })
            .collect();
        assert_eq!(
            series,
            [
                ("volts".into(), true, 3, Some(vec![1.5, 2.0, -0.03])),
                ("amps".into(), true, 2, Some(vec![0.0, 1.0])),
                ("note".into(), false, 1, None),
            ]
        );
        assert_eq!(state_of(db, "rig2").await, StandState::Ready);
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_message_without_a_run_is_stored_as_an_unsolicited_result() {
    for kind in available_brokers() {
        let mut rig = rig_with_ready_stand(kind).await;
        let message = data("rig2", json!({"x": [1, 2, 3]})).to_string();
        rig.stand
            .publish("rig2/inbound", QoS::ExactlyOnce, message)
            .await;
        rig.stand.flush().await;
        wait_count(&rig.db.pool, "SELECT count(*) FROM results", 1).await;
        let unsolicited = (rig.db)
            .count("SELECT count(*) FROM results WHERE run_id IS NULL")
            .await;
        assert_eq!(unsolicited, 1, "{kind:?}");
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_status_fails_the_run_in_progress() {
    for kind in available_brokers() {
        let mut rig = rig_with_ready_stand(kind).await;
        let run = create_run(&rig.db.pool).await;
        rig.send("rig2/inbound", status("405", "rig2")).await;
        let failed = runs::get(&rig.db.pool, run).await.expect("q").expect("run");
        assert_eq!(failed.state.as_str(), "failed", "{kind:?}");
        assert!(
            failed.error.as_deref().is_some_and(|e| e.contains("405")),
            "{:?}",
            failed.error
        );
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_ends_in_the_quarantine_and_the_handler_keeps_going() {
    test_support::init_tracing();
    for kind in available_brokers() {
        let (db, broker, mut cfg) = db_and_broker(kind).await;
        cfg.max_payload_bytes = 4096;
        let handler = InProcess::start(cfg).await;
        let mut stand = TestClient::connect(&broker.url(), "bad");
        let t = "rig3/inbound";
        let mut no_code = status("200", "rig3");
        no_code.as_object_mut().map(|o| o.remove("statusCode"));
        let mut version_text = status("200", "rig3");
        version_text["protocolVersion"] = json!("1.1");
        let mut code_number = status("200", "rig3");
        code_number["statusCode"] = json!(200);
        let mut unknown_type = status("200", "rig3");
        unknown_type["msgType"] = json!("gossip");
        let mut command = status("200", "rig3");
        command["msgType"] = json!("command");
        let mut data_without_obj = status("200", "rig3");
        data_without_obj["msgType"] = json!("data");
        let long_topic = format!("{}/inbound", "x".repeat(65));
        // Valid JSON that PostgreSQL refuses to store (NUL in a jsonb string: the command
        // list; parameters are `json`, which keeps the text and takes it).
        let mut poison = data("rig3", json!({"a": [1]}));
        poison["commandList"] = json!(["nul\u{0}here"]);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (t, b"this is not json".to_vec(), "not JSON"),
            (t, Vec::new(), "empty payload"),
            (t, b"{\"sentBy\": \"\xff\xfe\"}".to_vec(), "not UTF-8"),
            (t, vec![b'x'; 5000], "larger than the limit of 4096"),
            (t, no_code.to_string().into(), "statusCode"),
            (
                t,
                status("abc", "rig3").to_string().into(),
                "\"abc\" is not a three-digit code",
            ),
            (
                t,
                status("2020", "rig3").to_string().into(),
                "\"2020\" is not a three-digit code",
            ),
            (t, version_text.to_string().into(), "protocolVersion"),
            (t, code_number.to_string().into(), "statusCode"),
            (
                t,
                unknown_type.to_string().into(),
                "unknown msgType \"gossip\"",
            ),
            (t, command.to_string().into(), "server-to-stand only"),
            (t, data_without_obj.to_string().into(), "without dataObj"),
            (t, b"[1,2,3]".to_vec(), "schema"),
            (t, poison.to_string().into(), "refused to store"),
            (
                "bad.stand/inbound",
                status("200", "x").to_string().into(),
                "may only contain",
            ),
            (
                &long_topic[..],
                status("200", "x").to_string().into(),
                "at most 64 are allowed",
            ),
        ];
        for (topic, payload, _) in &cases {
            stand
                .publish(topic, QoS::ExactlyOnce, payload.clone())
                .await;
        }
        stand.flush().await;
        wait_count(
            &db.pool,
            "SELECT count(*) FROM quarantine",
            cases.len() as i64,
        )
        .await;
        let rows: Vec<(String, String, i64, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT topic, reason, size, payload FROM quarantine ORDER BY id")
                .fetch_all(&db.pool)
                .await
                .expect("quarantine");
        assert_eq!(rows.len(), cases.len());
        for ((topic, payload, expected), (q_topic, reason, size, raw)) in cases.iter().zip(&rows) {
            assert_eq!(q_topic, topic);
            assert!(
                reason.contains(expected),
                "{kind:?}: reason {reason:?} should mention {expected:?}"
            );
            assert_eq!(*size as usize, payload.len());
            if payload.len() > 4096 {
                assert_eq!(raw, &None, "oversized payloads keep only their size");
            } else {
                assert_eq!(raw.as_deref(), Some(&payload[..]), "raw bytes kept");
            }
        }

        // The old killers that are valid messages are stored, and the handler is still alive.
        let mut long_param = data("rig3", json!({"a": [1.0]}));
        long_param["parameterObj"] = json!({"comment": "p".repeat(150)});
        long_param.as_object_mut().map(|o| o.remove("commandList"));
        stand
            .publish(t, QoS::ExactlyOnce, long_param.to_string())
            .await;
        stand
            .publish(t, QoS::ExactlyOnce, status("200", "rig3").to_string())
            .await;
        stand.flush().await;
        wait_count(&db.pool, "SELECT count(*) FROM results", 1).await;
        wait_count(
            &db.pool,
            "SELECT count(*) FROM status_history WHERE stand_id = 'rig3'",
            2,
        )
        .await;
        assert_eq!(state_of(&db, "rig3").await, StandState::Ready);
        assert!(!handler.running.task.is_finished());
        handler.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_stands_are_quarantined_when_auto_registration_is_off() {
    test_support::init_tracing();
    let db = TestDb::new().await;
    db.exec("INSERT INTO stands (id, name) VALUES ('known', 'Known')")
        .await;
    let broker = Broker::start(test_support::mqtt::BrokerKind::Embedded);
    let mut cfg = config(&db.url, &broker.url());
    cfg.registration = domain::store::ingest::Registration::Off;
    let handler = InProcess::start(cfg).await;
    let mut stand = TestClient::connect(&broker.url(), "s");
    for name in ["stranger", "known"] {
        let topic = format!("{name}/inbound");
        stand
            .publish_status(&topic, QoS::ExactlyOnce, "200", name)
            .await;
    }
    stand.flush().await;
    wait_count(&db.pool, "SELECT count(*) FROM status_history", 1).await;
    wait_count(&db.pool, "SELECT count(*) FROM quarantine", 1).await;
    let (reason, payload): (String, Option<Vec<u8>>) =
        sqlx::query_as("SELECT reason, payload FROM quarantine")
            .fetch_one(&db.pool)
            .await
            .expect("row");
    assert!(reason.contains("not registered"), "{reason}");
    assert!(payload.is_some(), "the message is kept for a later look");
    let strangers = db
        .count("SELECT count(*) FROM stands WHERE id = 'stranger'")
        .await;
    assert_eq!(strangers, 0, "the stranger is not registered");
    handler.stop().await;
}
