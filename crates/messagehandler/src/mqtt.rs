//! The broker connection: a persistent session (clean session off) subscribed at QoS 2 with
//! manual acknowledgements, re-subscribed on every connect, reconnecting with back-off.

use std::time::Duration;

use chrono::Utc;
use domain::TopicLayouts;
use domain::backoff::Backoff;
use domain::health;
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Outgoing,
    Packet, QoS, SubscribeReasonCode,
};
use tokio::sync::{mpsc, watch};

use crate::config::{Config, MAX_PACKET_BYTES};
use crate::stages::{Budget, Work};

/// A client with the handler's session settings.
pub fn client(config: &Config) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new(&config.client_id, &config.mqtt.host, config.mqtt.port);
    options
        .set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(10))
        // Anything the broker delivers must be readable (a larger packet breaks the connection
        // in a loop), and no more: the brokers refuse payloads above their limit.
        .set_max_packet_size(MAX_PACKET_BYTES, 1024 * 1024);
    if let Some((user, password)) = &config.mqtt.credentials {
        options.set_credentials(user, password.expose());
    }
    // Requests (acks, subscribes) never wait: the channel is larger than any broker's
    // in-flight window.
    nodelay_client(options, 65_536)
}

/// A client on `options` with room for `capacity` requests, whose connection sends every
/// packet at once (TCP_NODELAY). Acks are small packets: without it, Nagle's algorithm holds
/// one back until the broker acknowledges the previous segment (up to the peer's delayed-ACK
/// time, ~40 ms). A stand's client, or a benchmark's, should set it too.
pub fn nodelay_client(options: MqttOptions, capacity: usize) -> (AsyncClient, EventLoop) {
    let (client, mut eventloop) = AsyncClient::new(options, capacity);
    let mut network = rumqttc::NetworkOptions::new();
    network.set_tcp_nodelay(true);
    eventloop.set_network_options(network);
    (client, eventloop)
}

/// Why a connection attempt failed, for the health file and the log: a refusal says what to
/// check.
fn connect_failure(error: &ConnectionError, broker: &str) -> String {
    let credentials = "(check the user and password in MQTT_URL)";
    match error {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::NotAuthorized => {
                format!("MQTT connection refused: not authorised {credentials}")
            }
            ConnectReturnCode::BadUserNamePassword => {
                format!("MQTT connection refused: bad user name or password {credentials}")
            }
            ConnectReturnCode::BadClientId => {
                "MQTT connection refused: client id not accepted (check MQTT_CLIENT_ID)".into()
            }
            ConnectReturnCode::ServiceUnavailable => {
                "MQTT connection refused: the broker is unavailable".into()
            }
            ConnectReturnCode::RefusedProtocolVersion => {
                "MQTT connection refused: protocol version not supported".into()
            }
            ConnectReturnCode::Success => format!("MQTT connection refused: {code:?}"),
        },
        other => format!("cannot reach the MQTT broker at {broker}: {other}"),
    }
}

/// Polls the connection until `stop`; forwards publications and releases to the parse stage. The
/// `broker` part of the handler's health is ok while connected with every subscription granted.
#[allow(clippy::too_many_arguments)] // the pipeline's wiring, all in one place (lib.rs)
pub async fn drive(
    mut eventloop: EventLoop,
    client: AsyncClient,
    layouts: TopicLayouts,
    work: mpsc::Sender<Work>,
    budget: Budget,
    subscriptions: watch::Sender<u64>,
    broker: health::Part,
    mut stop: watch::Receiver<bool>,
) {
    let address = {
        let (host, port) = eventloop.mqtt_options.broker_address();
        format!("{host}:{port}")
    };
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    let mut connected = false;
    // Once connected, a failure to reconnect is still a lost connection (unless refused).
    let mut had_connection = false;
    // SUBACKs still due on this connection, and whether the broker refused one.
    let mut awaited_subacks = 0usize;
    let mut subscription_refused = false;
    // Identifies the connection each message came on (a redelivery comes on a later one).
    let mut connection: i64 = 0;
    // The connection on which a redelivery (DUP) was last reported.
    let mut redelivered_on: i64 = -1;
    loop {
        let event = tokio::select! {
            _ = stop.changed() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                backoff.reset();
                connected = true;
                had_connection = true;
                connection = Utc::now()
                    .timestamp_nanos_opt()
                    .unwrap_or(connection + 1)
                    .max(connection + 1);
                if !ack.session_present && work.send(Work::SessionLost).await.is_err() {
                    break;
                }
                tracing::info!(
                    session_present = ack.session_present,
                    "connected to the broker; subscribing"
                );
                // A session that was a single handler's (slot 0 keeps its id) still holds the
                // plain subscriptions: without this it would get every message beside its share.
                if layouts.share_group().is_some() {
                    for filter in layouts.topic_filters() {
                        if let Err(e) = client.try_unsubscribe(filter) {
                            tracing::warn!(error = %e, "cannot queue the unsubscription");
                        }
                    }
                }
                // Always subscribe: a restarted broker may have lost the session.
                awaited_subacks = 0;
                subscription_refused = false;
                for filter in layouts.filters() {
                    match client.try_subscribe(filter, QoS::ExactlyOnce) {
                        Ok(()) => awaited_subacks += 1,
                        Err(e) => {
                            tracing::error!(filter, error = %e, "cannot queue the subscription");
                            subscription_refused = true;
                        }
                    }
                }
                broker.unhealthy(if subscription_refused {
                    "connected to the MQTT broker, but a subscription could not be queued"
                } else {
                    "connected to the MQTT broker; waiting for the subscriptions"
                });
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                awaited_subacks = awaited_subacks.saturating_sub(1);
                if ack
                    .return_codes
                    .iter()
                    .any(|c| matches!(c, SubscribeReasonCode::Failure))
                {
                    tracing::error!(
                        ?ack,
                        "the broker refused a subscription: check the broker's ACL for this user"
                    );
                    subscription_refused = true;
                    broker.unhealthy(
                        "the MQTT broker refused a subscription (check its ACL for this user)",
                    );
                } else {
                    tracing::info!("subscribed");
                }
                if awaited_subacks == 0 && !subscription_refused {
                    broker.ok();
                }
                subscriptions.send_modify(|n| *n += 1);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let at = Utc::now();
                // DUP: the broker sent it before, to this session, and had no answer for it (a
                // handler killed while it held unacknowledged messages). Said once per
                // connection; the receipts keep what was stored already from being stored again.
                if publish.dup && redelivered_on != connection {
                    redelivered_on = connection;
                    tracing::info!(
                        packet_id = publish.pkid,
                        "the broker redelivers messages this session left unacknowledged (DUP)"
                    );
                }
                let permit = tokio::select! {
                    _ = stop.changed() => break,
                    p = budget.reserve(publish.payload.len()) => p,
                };
                let Some(permit) = permit else { break };
                let sent = tokio::select! {
                    _ = stop.changed() => break,
                    s = work.send(Work::Publish(publish, at, connection, permit)) => s,
                };
                if sent.is_err() {
                    break;
                }
            }
            Ok(Event::Incoming(Packet::PubRel(rel))) => {
                let sent = tokio::select! {
                    _ = stop.changed() => break,
                    s = work.send(Work::Released(rel.pkid)) => s,
                };
                if sent.is_err() {
                    break;
                }
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
            Ok(_) => {}
            Err(e) => {
                let refused = matches!(e, ConnectionError::ConnectionRefused(_));
                if connected {
                    tracing::warn!(error = %e, "lost the broker connection; reconnecting");
                } else {
                    tracing::warn!(error = %e, retry_in = ?backoff.peek(), "cannot reach the broker; retrying");
                }
                broker.unhealthy(if had_connection && !refused {
                    format!("lost the MQTT connection to {address}: {e}")
                } else {
                    connect_failure(&e, &address)
                });
                connected = false;
                tokio::select! {
                    _ = stop.changed() => break,
                    () = backoff.wait() => {}
                }
            }
        }
    }
}
