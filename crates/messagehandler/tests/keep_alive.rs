//! The patched rumqttc (`vendor/rumqttc/PATCHED.md`, second change): packets arriving since
//! the last PINGREQ keep the connection up even while the PINGRESP has not come. A broker
//! answers a PINGREQ after everything it already queued for the client, and the handler
//! working through a backlog read it more than one keep-alive period late: upstream 0.25.1
//! then dropped the connection ("Last pingreq isn't acked") in the middle of a 200,000-message
//! flood, and the broker sent everything unacknowledged again. A broker silent for a whole
//! period still ends the connection. A scripted broker makes both deterministic.

mod common;

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use common::publish_qos0;

#[tokio::test]
async fn a_broker_that_keeps_sending_is_not_timed_out_but_a_silent_one_is() {
    const SENDING: Duration = Duration::from_millis(3500);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let broker = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("accept");
        let (mut reader, mut writer) = socket.into_split();
        // Whatever the client sends (CONNECT, then PINGREQs) is read and never answered
        // beyond the CONNACK: no PINGRESP ever comes.
        let drain = tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            while matches!(reader.read(&mut buf).await, Ok(n) if n > 0) {}
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        writer
            .write_all(&[0x20, 0x02, 0x00, 0x00])
            .await
            .expect("CONNACK");
        // A message every 100 ms for three and a half keep-alive periods, then silence.
        let started = Instant::now();
        while started.elapsed() < SENDING {
            if writer
                .write_all(&publish_qos0("backlog/inbound", b"x"))
                .await
                .is_err()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        drain.abort();
    });

    let mut options = MqttOptions::new("keep-alive-test", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(1));
    let (_client, mut eventloop) = AsyncClient::new(options, 10);
    let started = Instant::now();
    let (mut messages, mut pings) = (0, 0);
    let error = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(_))) => messages += 1,
                Ok(Event::Outgoing(rumqttc::Outgoing::PingReq)) => pings += 1,
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    })
    .await
    .expect("a silent broker ends the connection");
    let lasted = started.elapsed();
    assert!(
        lasted > SENDING,
        "the connection lasted while messages came ({lasted:?}, {messages} messages, {pings} pings): {error}"
    );
    assert!(pings >= 3, "it kept pinging ({pings} pings)");
    assert!(
        error.to_string().contains("pingreq"),
        "it ended for the missing PINGRESP: {error}"
    );
    broker.abort();
}
