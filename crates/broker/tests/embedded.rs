//! The `embedded-broker` binary as the other tests use it: a message round trip over TCP, and
//! its websocket listener speaking MQTT. (Being an integration test of this package also makes
//! `cargo nextest run --workspace` build the binary with the workspace's features, so the other
//! tests find it ready instead of building it themselves.)

use rumqttc::QoS;
use test_support::mqtt::{Broker, BrokerKind, TestClient, ws_connect_accepted};

#[tokio::test]
async fn a_message_round_trips_over_tcp_and_the_websocket_listener_speaks_mqtt() {
    let broker = Broker::start(BrokerKind::Embedded);

    let mut sub = TestClient::connect(&broker.url(), "sub");
    sub.subscribe(&["stand-1/inbound"], QoS::AtLeastOnce).await;
    let mut publ = TestClient::connect(&broker.url(), "pub");
    publ.publish_confirmed("stand-1/inbound", QoS::AtLeastOnce, "hello")
        .await;
    let received = sub.recv().await;
    assert_eq!(received.0, "stand-1/inbound");
    assert_eq!(&received.1[..], b"hello");

    // The websocket listener: the test cases' standard-library client connects over it.
    assert!(
        ws_connect_accepted(broker.ws_port, None),
        "websocket connect failed (its output is above)"
    );
}
