//! Verdicts: a result of a run started from a test template with limits is measured after it
//! is stored — pass, fail, or error when a named value is missing — and a result without a
//! template has no verdict, never "pass". Real PostgreSQL, a real broker, the handler.

mod common;

use std::time::Duration;

use common::{InProcess, QoS, TestClient, config, status};
use domain::StandId;
use domain::store::templates;
use domain::store::verdicts::{self, Judged};
use domain::template::Template;
use domain::verdict::{Outcome, Verdict};
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

/// Starts a run of `template_id` (none: free form) on `stand`, as the web interface does.
async fn run(db: &TestDb, stand: &StandId, template_id: Option<i64>) -> i64 {
    let (params, cmds) = (json!({"fs": 1000}), json!(["start"]));
    test_support::runs::start(&db.pool, stand, &params, &cmds, template_id).await
}

/// The stand sends the result of its run; the id of the stored result.
async fn result(db: &TestDb, stand: &mut TestClient, run: i64, series: serde_json::Value) -> i64 {
    let data = json!({"protocolVersion": 1.1, "sentBy": "rig", "msgType": "data",
        "statusCode": "200", "commandList": ["start"], "parameterObj": {"fs": 1000},
        "dataObj": series});
    stand
        .publish_confirmed("rig/inbound", QoS::ExactlyOnce, data.to_string())
        .await;
    wait_for("the result stored", Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT id FROM results WHERE run_id = $1")
            .bind(run)
            .fetch_optional(&db.pool)
            .await
            .expect("results")
    })
    .await
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
    let db = TestDb::new().await;
    let broker = Broker::start(BrokerKind::Embedded);
    let handler = InProcess::start(config(&db.url, &broker.url())).await;
    let mut stand =
        TestClient::connect(&broker.url(), &format!("rig-{}", test_support::uuid_like()));
    stand
        .publish_confirmed(
            "rig/inbound",
            QoS::ExactlyOnce,
            status("200", "rig").to_string(),
        )
        .await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_templated_runs_get_a_verdict_and_others_none() {
    let Setup {
        db,
        broker: _broker,
        handler,
        mut stand,
        rig,
        template: t,
    } = setup().await;

    // Peak 4 g passes; mean 3 fails: the verdict is fail, each measurement marked.
    let r1 = run(&db, &rig, Some(t)).await;
    let id = result(&db, &mut stand, r1, json!({"x": [2, 3, 4]})).await;
    let Judged::Done {
        verdict,
        measurements,
    } = judged(&db, id).await
    else {
        panic!("no verdict for a templated run's result");
    };
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
    let r2 = run(&db, &rig, Some(t)).await;
    let id = result(&db, &mut stand, r2, json!({"y": [1.5]})).await;
    let Judged::Done {
        verdict,
        measurements,
    } = judged(&db, id).await
    else {
        panic!("no verdict");
    };
    assert_eq!(verdict, Verdict::Error);
    assert!(
        measurements
            .iter()
            .all(|m| m.outcome.reason().is_some_and(|r| r.contains('x'))),
        "{measurements:?}"
    );

    // Within both limits: pass. The dashboard's stand shows its last verdict.
    let r3 = run(&db, &rig, Some(t)).await;
    let id = result(&db, &mut stand, r3, json!({"x": [1, 1.5, 2]})).await;
    assert!(matches!(
        judged(&db, id).await,
        Judged::Done {
            verdict: Verdict::Pass,
            ..
        }
    ));
    let view = domain::store::stands::get(&db.pool, &rig, chrono::Duration::seconds(300))
        .await
        .expect("stand")
        .expect("rig");
    assert_eq!(view.last_verdict, Some(Verdict::Pass));

    // A free-form run's result: no verdict at all, however wild its data.
    let r4 = run(&db, &rig, None).await;
    let free = result(&db, &mut stand, r4, json!({"x": [100]})).await;
    // A templated run's result after it is the sentinel: results are judged in the order they
    // are stored, so once the sentinel has its verdict the free one has had its turn.
    let r5 = run(&db, &rig, Some(t)).await;
    let sentinel = result(&db, &mut stand, r5, json!({"x": [1, 1.5, 2]})).await;
    assert!(matches!(judged(&db, sentinel).await, Judged::Done { .. }));
    assert_eq!(
        verdicts::get(&db.pool, free).await.expect("get"),
        Judged::None
    );
    handler.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_left_without_a_verdict_are_judged_when_the_handler_starts() {
    let Setup {
        db,
        broker,
        handler,
        mut stand,
        rig,
        template: t,
    } = setup().await;
    let r = run(&db, &rig, Some(t)).await;
    let id = result(&db, &mut stand, r, json!({"x": [1, 2]})).await;
    judged(&db, id).await;
    // The handler stops before it could judge (as if it crashed right after the commit).
    handler.stop().await;
    sqlx::query("DELETE FROM result_verdicts WHERE result_id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .expect("delete");
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
