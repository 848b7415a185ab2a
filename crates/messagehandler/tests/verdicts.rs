//! Verdicts: a result of a run started from a test template with limits is measured after it
//! is stored — pass, fail, or error when a named value is missing — and a result without a
//! template has no verdict, never "pass". Real PostgreSQL, a real broker, the handler.

mod common;

use std::time::Duration;

use common::{InProcess, QoS, TestClient, config, db_and_broker};
use domain::StandId;
use domain::store::templates;
use domain::store::verdicts::{self, Judged};
use domain::template::Template;
use domain::verdict::{Measurement, Outcome, Verdict};
use serde_json::json;
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;
use test_support::wait_for;

/// A template with two limits: the peak of `x` within 0–5 g, its mean within 1–2.
fn template() -> Template {
    Template::from_json(
        &json!({
            "name": "Shake",
            "commands": ["start"],
            "parameters": [{"name": "fs", "type": "integer", "default": 1000}],
            "limits": [
                {"name": "x_peak", "label": "Peak of x", "series": "x", "measure": "max",
                 "low": 0, "high": 5, "unit": "g"},
                {"name": "x_mean", "series": "x", "measure": "mean", "low": 1, "high": 2}
            ]
        })
        .to_string(),
    )
    .expect("template")
}

/// Waits for result `id`'s verdict to be recorded.
async fn judged(db: &TestDb, id: i64) -> Judged {
    wait_for("the verdict", Duration::from_secs(30), || async {
        match verdicts::get(&db.pool, id).await.expect("verdict") {
            Judged::Pending => None,
            other => Some(other),
        }
    })
    .await
}

/// Waits for result `id`'s verdict; fails the test when the result gets none.
async fn verdict_of(db: &TestDb, id: i64) -> (Verdict, Vec<Measurement>) {
    match judged(db, id).await {
        Judged::Done {
            verdict,
            measurements,
        } => (verdict, measurements),
        other => panic!("no verdict for result {id}: {other:?}"),
    }
}

/// A database, a broker, the handler, the stand `rig` heard once, and a template on it.
struct Setup {
    db: TestDb,
    broker: Broker,
    handler: InProcess,
    stand: TestClient,
    rig: StandId,
    template: i64,
}

async fn setup() -> Setup {
    test_support::init_tracing();
    let (db, broker, config) = db_and_broker(BrokerKind::Embedded).await;
    let handler = InProcess::start(config).await;
    let mut stand =
        TestClient::connect(&broker.url(), &format!("rig-{}", test_support::uuid_like()));
    stand
        .publish_status("rig/inbound", QoS::ExactlyOnce, "200", "rig")
        .await;
    stand.flush().await;
    let rig = StandId::parse("rig").expect("id");
    wait_for("the stand", Duration::from_secs(30), || async {
        domain::store::stands::get(&db.pool, &rig, chrono::Duration::seconds(300))
            .await
            .expect("stand")
    })
    .await;
    let template = templates::create(&db.pool, &rig, &template(), "admin")
        .await
        .expect("template")
        .id;
    Setup {
        db,
        broker,
        handler,
        stand,
        rig,
        template,
    }
}

impl Setup {
    /// Starts a run on `rig`, of the template or (`templated` false) free form, as the web
    /// interface does; then the stand sends its result with `series`. The id of the stored
    /// result.
    async fn result(&mut self, templated: bool, series: serde_json::Value) -> i64 {
        let (params, cmds) = (json!({"fs": 1000}), json!(["start"]));
        let template = templated.then_some(self.template);
        let pool = &self.db.pool;
        let run = test_support::runs::start(pool, &self.rig, &params, &cmds, template).await;
        let data = json!({"protocolVersion": 1.1, "sentBy": "rig", "msgType": "data",
            "statusCode": "200", "commandList": ["start"], "parameterObj": {"fs": 1000},
            "dataObj": series});
        (self.stand)
            .publish_confirmed("rig/inbound", QoS::ExactlyOnce, data.to_string())
            .await;
        wait_for("the result stored", Duration::from_secs(30), || async {
            sqlx::query_scalar::<_, i64>("SELECT id FROM results WHERE run_id = $1")
                .bind(run)
                .fetch_optional(pool)
                .await
                .expect("results")
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_templated_runs_get_a_verdict_and_others_none() {
    let mut s = setup().await;

    // Peak 4 g passes; mean 3 fails: the verdict is fail, each measurement marked.
    let id = s.result(true, json!({"x": [2, 3, 4]})).await;
    let (verdict, measurements) = verdict_of(&s.db, id).await;
    assert_eq!(verdict, Verdict::Fail);
    let outcomes: Vec<(&str, Option<f64>, &Outcome)> = measurements
        .iter()
        .map(|m| (m.name.as_str(), m.value, &m.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("x_peak", Some(4.0), &Outcome::Pass),
            ("x_mean", Some(3.0), &Outcome::Fail)
        ]
    );
    assert_eq!(measurements[0].label.as_deref(), Some("Peak of x"));

    // The series is missing: error, not pass.
    let id = s.result(true, json!({"y": [1.5]})).await;
    let (verdict, measurements) = verdict_of(&s.db, id).await;
    assert_eq!(verdict, Verdict::Error);
    assert!(
        measurements
            .iter()
            .all(|m| m.outcome.reason().is_some_and(|r| r.contains('x'))),
        "{measurements:?}"
    );

    // Within both limits: pass. The dashboard's stand shows its last verdict.
    let id = s.result(true, json!({"x": [1, 1.5, 2]})).await;
    assert!(matches!(
        judged(&s.db, id).await,
        Judged::Done {
            verdict: Verdict::Pass,
            ..
        }
    ));
    let view = domain::store::stands::get(&s.db.pool, &s.rig, chrono::Duration::seconds(300))
        .await
        .expect("stand")
        .expect("rig");
    assert_eq!(view.last_verdict, Some(Verdict::Pass));

    // A free-form run's result: no verdict at all, however wild its data.
    let free = s.result(false, json!({"x": [100]})).await;
    // A templated run's result after it is the sentinel: results are judged in the order they
    // are stored, so once the sentinel has its verdict the free one has had its turn.
    let sentinel = s.result(true, json!({"x": [1, 1.5, 2]})).await;
    assert!(matches!(judged(&s.db, sentinel).await, Judged::Done { .. }));
    assert_eq!(
        verdicts::get(&s.db.pool, free).await.expect("get"),
        Judged::None
    );
    s.handler.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_left_without_a_verdict_are_judged_when_the_handler_starts() {
    let mut s = setup().await;
    let id = s.result(true, json!({"x": [1, 2]})).await;
    let Setup {
        db,
        broker,
        handler,
        ..
    } = s;
    judged(&db, id).await;
    // The handler stops before it could judge (as if it crashed right after the commit).
    handler.stop().await;
    db.exec(&format!(
        "DELETE FROM result_verdicts WHERE result_id = {id}"
    ))
    .await;
    assert_eq!(
        verdicts::get(&db.pool, id).await.expect("get"),
        Judged::Pending
    );

    // The handler starts: its catch-up judges it (mean 1.5 passes, the peak 2 too).
    let handler = InProcess::start(config(&db.url, &broker.url())).await;
    assert!(matches!(
        judged(&db, id).await,
        Judged::Done {
            verdict: Verdict::Pass,
            ..
        }
    ));
    handler.stop().await;
}
