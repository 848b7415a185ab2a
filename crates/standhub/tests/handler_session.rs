//! The message handler's persistent session cannot be taken over: a client of another account
//! that connects with the handler's client id does not disconnect it, on both brokers. The
//! embedded broker (as the launcher runs it) refuses the handler's ids to every account but the
//! services'; with Mosquitto the handler's id is derived from its credentials, so no stand
//! knows it (the old fixed `standhub-messagehandler` is what an attacker would try).

use std::time::Duration;

use messagehandler::config::BASE_CLIENT_ID;
use test_support::mqtt::{Broker, BrokerKind, TestClient, try_connect};
use test_support::pg::TestDb;

const HANDLER_PW: &str = "handler-secret-1";
const STAND_PW: &str = "stand-secret-1";

async fn the_handler_keeps_its_session(kind: BrokerKind) {
    let db = TestDb::new().await;
    let broker = match kind {
        BrokerKind::Embedded => Broker::start_with_accounts(
            kind,
            &[("messagehandler", HANDLER_PW), ("stand", STAND_PW)],
        ),
        // The tests' Mosquitto takes any credentials: what protects the session there is the
        // id alone.
        BrokerKind::Mosquitto => Broker::start(kind),
    };
    let handler_url = format!(
        "mqtt://messagehandler:{HANDLER_PW}@127.0.0.1:{}",
        broker.port
    );
    let stand_url = format!("mqtt://stand:{STAND_PW}@127.0.0.1:{}", broker.port);
    let config = messagehandler::Config::new(&db.url, handler_url.parse().expect("url"));
    let handler_id = config.client_id.clone();
    let filters = config.layouts.filters().count() as u64;
    assert!(handler_id.starts_with(BASE_CLIENT_ID), "{handler_id}");
    assert_ne!(handler_id, BASE_CLIENT_ID, "derived from the credentials");

    let (stop, stopped) = test_support::shutdown_signal();
    let mut handler = messagehandler::spawn(config, stopped);
    // Every filter's SUBACK: the handler's first connection is complete.
    tokio::time::timeout(
        Duration::from_secs(30),
        handler.subscriptions.wait_for(|n| *n >= filters),
    )
    .await
    .expect("the handler subscribes")
    .expect("handler alive");
    let subscribed = *handler.subscriptions.borrow();

    // Another account tries the handler's well-known id, and on the embedded broker (where the
    // test pretends the id leaked) its real one.
    let mut attempts = vec![BASE_CLIENT_ID.to_owned()];
    if kind == BrokerKind::Embedded {
        attempts.push(handler_id.clone());
    }
    for id in &attempts {
        let outcome = try_connect(&stand_url, id).await;
        eprintln!("{kind:?}: a stand account as {id}: {outcome:?}");
        if kind == BrokerKind::Embedded {
            assert!(outcome.is_err(), "the embedded broker let a stand use {id}");
        }
    }

    // A stand's message after the attempts is the sentinel: once the handler has stored it, a
    // kick-off would have made it connect and subscribe again before.
    let mut stand = TestClient::connect(&stand_url, "session-test-stand");
    let qos = rumqttc::QoS::AtLeastOnce;
    stand
        .publish_status("session-stand/inbound", qos, "200", "session-stand")
        .await;
    stand.flush().await;
    let id = domain::StandId::parse("session-stand").expect("id");
    test_support::wait_for(
        "the stand's message stored",
        Duration::from_secs(30),
        || {
            let (pool, id) = (&db.pool, &id);
            async move {
                domain::store::stands::get(pool, id, chrono::Duration::seconds(300))
                    .await
                    .expect("query")
                    .map(|_| ())
            }
        },
    )
    .await;
    assert_eq!(
        *handler.subscriptions.borrow(),
        subscribed,
        "the handler had to connect and subscribe again: it was kicked off"
    );

    let _ = stop.send(());
    handler.task.await.expect("handler").expect("handler ran");
}

#[tokio::test]
async fn another_account_cannot_kick_the_handler_off_the_embedded_broker() {
    the_handler_keeps_its_session(BrokerKind::Embedded).await;
}

#[tokio::test]
async fn another_account_cannot_kick_the_handler_off_mosquitto() {
    if test_support::mqtt::available_brokers().contains(&BrokerKind::Mosquitto) {
        the_handler_keeps_its_session(BrokerKind::Mosquitto).await;
    }
}
