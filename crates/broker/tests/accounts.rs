//! The embedded broker with accounts, as the launcher runs it: anonymous clients and wrong
//! passwords are refused on both listeners, accounts are accepted, a stand account cannot take
//! the message handler's client id (and so cannot kick it off), and anonymous access is possible
//! only when asked for.

use std::time::Duration;

use broker::BrokerConfig;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use test_support::mqtt::{TestClient, ws_connect_accepted};
use test_support::{free_ports, wait_for_port};

const HANDLER_ID: &str = "standhub-messagehandler-0123456789abcdef";

/// Starts a broker in this process (rumqttd has no shutdown: it ends with the test process).
fn start(allow_anonymous: bool) -> (u16, u16) {
    let ports = free_ports(2);
    let mut config = BrokerConfig::new(
        ([127, 0, 0, 1], ports[0]).into(),
        Some(([127, 0, 0, 1], ports[1]).into()),
    );
    config
        .users
        .insert("messagehandler".into(), "handler-pw".into());
    config.users.insert("stand".into(), "stand-pw".into());
    config.service_users.insert("messagehandler".into());
    config
        .reserved_client_ids
        .push("standhub-messagehandler".into());
    config.allow_anonymous = allow_anonymous;
    broker::spawn(config).expect("spawn");
    for port in &ports {
        assert!(wait_for_port(*port, Duration::from_secs(20)), "listening");
    }
    (ports[0], ports[1])
}

fn options(port: u16, id: &str, login: Option<(&str, &str)>) -> MqttOptions {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some((user, password)) = login {
        options.set_credentials(user, password);
    }
    options
}

/// Connects over TCP: `Ok` on CONNACK, `Err` with the reason when the broker refuses.
async fn connect_tcp(port: u16, id: &str, login: Option<(&str, &str)>) -> Result<(), String> {
    let url = match login {
        Some((user, password)) => format!("mqtt://{user}:{password}@127.0.0.1:{port}"),
        None => format!("mqtt://127.0.0.1:{port}"),
    };
    test_support::mqtt::try_connect(&url, id).await
}

#[tokio::test]
async fn anonymous_clients_and_wrong_passwords_are_refused_on_tcp_and_websockets() {
    let (tcp, ws) = start(false);
    assert!(connect_tcp(tcp, "anon", None).await.is_err());
    assert!(
        connect_tcp(tcp, "wrong", Some(("stand", "nope")))
            .await
            .is_err()
    );
    assert!(
        connect_tcp(tcp, "nobody", Some(("nobody", "stand-pw")))
            .await
            .is_err()
    );
    connect_tcp(tcp, "stand-1", Some(("stand", "stand-pw")))
        .await
        .expect("the stand account is accepted");

    assert!(!ws_connect_accepted(ws, None), "anonymous over websockets");
    assert!(
        !ws_connect_accepted(ws, Some(("stand", "nope"))),
        "wrong password"
    );
    assert!(
        ws_connect_accepted(ws, Some(("stand", "stand-pw"))),
        "stand account"
    );
}

#[tokio::test]
async fn with_anonymous_access_on_everyone_is_accepted() {
    let (tcp, ws) = start(true);
    connect_tcp(tcp, "anon", None)
        .await
        .expect("anonymous accepted");
    assert!(ws_connect_accepted(ws, None), "anonymous over websockets");
}

#[tokio::test]
async fn a_stand_account_cannot_take_the_handlers_client_id() {
    let (tcp, _) = start(false);

    // The handler: a persistent session subscribed to the stands' topics. Its own client, not
    // `TestClient`: this needs `clean_session = false` and must see every event, since a
    // second CONNACK (which `TestClient` hides by reconnecting) is what a kick-off looks like.
    let mut handler_options = options(tcp, HANDLER_ID, Some(("messagehandler", "handler-pw")));
    handler_options.set_clean_session(false);
    let (handler, mut handler_events) = AsyncClient::new(handler_options, 10);
    handler
        .subscribe("+/inbound", QoS::AtLeastOnce)
        .await
        .expect("subscribe");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let event = handler_events.poll().await;
            let stop = event.is_err();
            let _ = tx.send(event.map_err(|e| e.to_string()));
            if stop {
                return;
            }
        }
    });
    // Until subscribed.
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("handler events")
            .expect("alive");
        if matches!(event, Ok(Event::Incoming(Packet::SubAck(_)))) {
            break;
        }
        assert!(event.is_ok(), "handler failed to connect: {event:?}");
    }

    // A stand logs in with its own (valid) account but the handler's id: refused, also with
    // the bare prefix.
    let taken = connect_tcp(tcp, HANDLER_ID, Some(("stand", "stand-pw"))).await;
    assert!(taken.is_err(), "a stand account took the handler's id");
    let prefix = connect_tcp(tcp, "standhub-messagehandler", Some(("stand", "stand-pw"))).await;
    assert!(prefix.is_err(), "a stand account took a reserved id");

    // The handler was not disconnected: no error, and it still receives a stand's message.
    let mut stand =
        TestClient::connect(&format!("mqtt://stand:stand-pw@127.0.0.1:{tcp}"), "stand-1");
    stand
        .publish_confirmed("stand-1/inbound", QoS::AtLeastOnce, "hello")
        .await;
    let received = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.recv().await.expect("alive") {
                Ok(Event::Incoming(Packet::Publish(p))) => return p,
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    panic!("the handler had to connect again: it was kicked off")
                }
                Ok(_) => {}
                Err(e) => panic!("the handler lost its connection: {e}"),
            }
        }
    })
    .await
    .expect("the handler still receives");
    assert_eq!(&received.payload[..], b"hello");
}
