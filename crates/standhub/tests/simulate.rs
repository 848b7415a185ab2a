//! `standhub simulate` against the embedded broker and the real message handler: a command
//! published to its outbound topic gives 202, a result built from the parameters, and 200.

use std::time::Duration;

use domain::StandId;
use domain::store::runs::{self, NewRun};
use rumqttc::QoS;
use serde_json::{Value, json};
use standhub::simulate::{SimulateOptions, run};
use test_support::mqtt::{Broker, BrokerKind, TestClient};
use test_support::pg::TestDb;

/// The next message the watcher heard: (topic, payload JSON).
async fn next(watcher: &mut TestClient) -> (String, Value) {
    let (topic, payload) = watcher.recv().await;
    (
        topic,
        serde_json::from_slice(&payload).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_command_to_the_simulated_legacy_stand_gives_202_a_result_and_200() {
    test_support::init_tracing();
    let db = TestDb::new().await;
    // With accounts, as the launcher runs it: the stand logs in with the stand account.
    let broker = Broker::start_with_accounts(
        BrokerKind::Embedded,
        &[
            ("messagehandler", "handler-pw"),
            ("webinterface", "web-pw"),
            ("stand", "stand-pw"),
        ],
    );

    let (stop_handler, handler_stopped) = test_support::shutdown_signal();
    let mut handler = messagehandler::spawn(
        messagehandler::Config::new(
            &db.url,
            broker.url_as("messagehandler").parse().expect("url"),
        ),
        handler_stopped,
    );
    test_support::wait_first_subscription(&mut handler.subscriptions).await;

    let mut watcher = TestClient::connect(&broker.url_as("webinterface"), "simulate-test-watch");
    watcher
        .subscribe(&["Testdevice/demo_module/Inbound"], QoS::ExactlyOnce)
        .await;
    let (stop_stand, stand_stopped) = tokio::sync::oneshot::channel::<()>();
    let stand = tokio::spawn(run(
        SimulateOptions {
            stand: "demo_module".into(),
            legacy: true,
            guide_topics: false,
            busy_seconds: 1,
            mqtt_url: broker.url_as("stand").parse().expect("url"),
        },
        async move {
            let _ = stand_stopped.await;
        },
    ));

    // It reports itself ready, each status message with the protocol's seven keys in order
    // (the old stack's parser takes nothing less).
    let ready = [next(&mut watcher).await, next(&mut watcher).await];
    let codes: Vec<Value> = ready.iter().map(|(_, m)| m["statusCode"].clone()).collect();
    assert_eq!(codes, [json!("600"), json!("200")]);
    for (_, m) in &ready {
        assert_eq!(
            test_support::messages::keys(m),
            domain::protocol::KEY_ORDER,
            "{m}"
        );
    }

    // The handler registered it; a run is started the way the web interface does it.
    let offline_after = chrono::Duration::seconds(300);
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let view = domain::store::stands::get(
                &db.pool,
                &domain::StandId::parse("demo_module").expect("id"),
                offline_after,
            )
            .await
            .expect("query");
            if let Some(view) = view.filter(|v| v.state == domain::StandState::Ready) {
                return view;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the stand becomes ready");
    assert_eq!(ready.outbound_topic, "Testdevice/demo_module/Outbound");
    let id = StandId::parse("demo_module").expect("id");
    let parameters = json!({"samples": 5, "fs": 10, "amplitude": 2});
    let commands = json!(["start"]);
    let run_id = runs::create(
        &db.pool,
        NewRun {
            stand: &id,
            requested_by: "olga",
            user_id: None,
            parameters: &parameters,
            commands: &commands,
            keep: false,
        },
    )
    .await
    .expect("run");
    let command = domain::protocol::command_message("olga", &commands, &parameters);
    watcher
        .publish_confirmed(
            ready.outbound_topic.as_str(),
            QoS::ExactlyOnce,
            command.to_string(),
        )
        .await;

    let (_, accepted) = next(&mut watcher).await;
    assert_eq!(
        (&accepted["msgType"], &accepted["statusCode"]),
        (&json!("status"), &json!("202"))
    );
    let (_, data) = next(&mut watcher).await;
    assert_eq!(data["msgType"], "data");
    assert_eq!(data["statusCode"], "200");
    assert_eq!(data["parameterObj"], parameters);
    assert_eq!(data["dataObj"]["time"], json!([0.0, 0.1, 0.2, 0.3, 0.4]));
    let (_, done) = next(&mut watcher).await;
    assert_eq!(done["statusCode"], "200");

    // The handler stored the result and completed the run.
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let run = runs::get(&db.pool, run_id)
                .await
                .expect("query")
                .expect("run");
            if run.state == domain::RunState::Completed {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the run completes");
    let result = finished.result.expect("the run's result");
    let signal = domain::store::series::series(&db.pool, result, true)
        .await
        .expect("series")
        .into_iter()
        .find(|s| s.name == "signal")
        .and_then(|s| s.values)
        .expect("a numeric series named signal");
    assert_eq!(signal.len(), 5);
    assert!((signal[1] - 2.0 * (2.0 * std::f64::consts::PI * 0.1).sin()).abs() < 1e-9);

    let _ = stop_stand.send(());
    stand.await.expect("stand task").expect("stand ran cleanly");
    let _ = stop_handler.send(());
    handler.task.await.expect("handler").expect("handler ran");
}
