//! The patched rumqttc (`vendor/rumqttc/PATCHED.md`): a PUBREL for a packet id the client does
//! not know (its PUBREC went out on an earlier connection) is answered with PUBCOMP, and the
//! connection stays up. Upstream rumqttc 0.25.1 closes the connection instead, and a handler
//! resuming its session after a crash reconnects forever. A scripted broker on a local socket
//! plays the broker's side byte by byte, so the test is deterministic.

mod common;

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::publish_qos0;

/// One MQTT packet from the socket: (first header byte, body).
async fn read_packet(socket: &mut TcpStream) -> (u8, Vec<u8>) {
    let header = socket.read_u8().await.expect("packet header");
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let byte = socket.read_u8().await.expect("remaining length");
        len |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let mut body = vec![0; len];
    socket.read_exact(&mut body).await.expect("packet body");
    (header, body)
}

#[tokio::test]
async fn an_unknown_pubrel_is_answered_with_pubcomp_and_the_connection_stays_up() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let broker = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let (connect, _) = read_packet(&mut socket).await;
        assert_eq!(connect >> 4, 1, "the client starts with CONNECT");
        // CONNACK with the session present, then a PUBREL for packet id 7, which this client
        // never received: as a broker resuming a session after the client restarted.
        socket
            .write_all(&[0x20, 0x02, 0x01, 0x00, 0x62, 0x02, 0x00, 0x07])
            .await
            .expect("CONNACK and PUBREL");
        let answer = read_packet(&mut socket).await;
        // The connection is still up: a message after it reaches the client.
        socket
            .write_all(&publish_qos0("after/pubrel", b"still connected"))
            .await
            .expect("PUBLISH");
        // Keep the socket open until the client has read everything.
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest).await;
        answer
    });

    // As the handler connects: persistent session, manual acks.
    let mut options = MqttOptions::new("pubrel-test", "127.0.0.1", port);
    options.set_clean_session(false).set_manual_acks(true);
    let (client, mut eventloop) = AsyncClient::new(options, 10);
    let received = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => return p,
                Ok(_) => {}
                Err(e) => panic!("the client dropped the connection: {e}"),
            }
        }
    })
    .await
    .expect("the message after the PUBREL arrives");
    assert_eq!(received.topic, "after/pubrel");
    assert_eq!(&received.payload[..], b"still connected");

    drop(client);
    drop(eventloop);
    let (header, body) = broker.await.expect("scripted broker");
    assert_eq!(header, 0x70, "the answer to the PUBREL is a PUBCOMP");
    assert_eq!(body, [0x00, 0x07], "for the same packet id");
}
