//! `standhub simulate` against the embedded broker and the real message handler: a command
//! published to its outbound topic gives 202, a result built from the parameters, and 200.

use std::time::Duration;

use domain::StandId;
use domain::store::runs::{self, NewRun};
use serde_json::{Value, json};
use standhub::simulate::{SimulateOptions, run};
use test_support::mqtt::{Broker, BrokerKind};
use test_support::pg::TestDb;

/// A client subscribed to `filter`, and a channel of (topic, payload JSON).
async fn watch(
    broker: &str,
    filter: &str,
) -> (
    rumqttc::AsyncClient,
    tokio::sync::mpsc::UnboundedReceiver<(String, Value)>,
) {
    let url: domain::config::MqttUrl = broker.parse().expect("url");
    let mut options = rumqttc::MqttOptions::new("simulate-test-watch", url.host, url.port);
    options.set_max_packet_size(16 << 20, 16 << 20);
    if let Some((user, password)) = &url.credentials {
        options.set_credentials(user, password.expose());
    }
    let (client, mut events) = rumqttc::AsyncClient::new(options, 100);
    client
        .subscribe(filter, rumqttc::QoS::ExactlyOnce)
        .await
        .expect("subscribe");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_))) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    let value = serde_json::from_slice(&p.payload).unwrap_or(Value::Null);
                    let _ = tx.send((p.topic.clone(), value));
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(20), ready_rx)
        .await
        .expect("subscribed in time")
        .expect("alive");
    (client, rx)
}

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Value)>) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the simulated stand speaks")
        .expect("watcher alive")
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

    let (watcher, mut heard) = watch(
        &broker.url_as("webinterface"),
        "Testdevice/demo_module/Inbound",
    )
    .await;
    let (stop_stand, stand_stopped) = tokio::sync::oneshot::channel::<()>();
    let stand = tokio::spawn(run(
        SimulateOptions {
            stand: "demo_module".into(),
            legacy: true,
            busy_seconds: 1,
            mqtt_url: broker.url_as("stand").parse().expect("url"),
        },
        async move {
            let _ = stand_stopped.await;
        },
    ));

    // It reports itself ready.
    let codes: Vec<Value> = [next(&mut heard).await, next(&mut heard).await]
        .into_iter()
        .map(|(_, m)| m["statusCode"].clone())
        .collect();
    assert_eq!(codes, [json!("600"), json!("200")]);

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
        .publish(
            ready.outbound_topic.as_str(),
            rumqttc::QoS::ExactlyOnce,
            false,
            command.to_string(),
        )
        .await
        .expect("publish the command");

    let (_, accepted) = next(&mut heard).await;
    assert_eq!(
        (&accepted["msgType"], &accepted["statusCode"]),
        (&json!("status"), &json!("202"))
    );
    let (_, data) = next(&mut heard).await;
    assert_eq!(data["msgType"], "data");
    assert_eq!(data["statusCode"], "200");
    assert_eq!(data["parameterObj"], parameters);
    assert_eq!(data["dataObj"]["time"], json!([0.0, 0.1, 0.2, 0.3, 0.4]));
    let (_, done) = next(&mut heard).await;
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
    let signal: Vec<f64> = sqlx::query_scalar(
        "SELECT v FROM result_series s, unnest(s.\"values\") AS v WHERE s.result_id = $1 AND s.name = 'signal'",
    )
    .bind(result)
    .fetch_all(&db.pool)
    .await
    .expect("series");
    assert_eq!(signal.len(), 5);
    assert!((signal[1] - 2.0 * (2.0 * std::f64::consts::PI * 0.1).sin()).abs() < 1e-9);

    let _ = stop_stand.send(());
    stand.await.expect("stand task").expect("stand ran cleanly");
    let _ = stop_handler.send(());
    handler.task.await.expect("handler").expect("handler ran");
}
