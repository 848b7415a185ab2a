//! The broker connection: a persistent session (clean session off) subscribed at QoS 2 with
//! manual acknowledgements, re-subscribed on every connect, reconnecting with back-off.

use std::time::Duration;

use chrono::Utc;
use domain::TopicLayouts;
use domain::backoff::Backoff;
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS, SubscribeReasonCode,
};
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::writer::Work;

/// The largest packet the client reads. Anything the broker delivers must be readable, so an
/// oversized message is quarantined by size instead of breaking the connection in a loop.
const MAX_INCOMING_PACKET: usize = 268_435_455;

/// A client with the handler's session settings.
pub fn client(config: &Config) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new(&config.client_id, &config.mqtt.host, config.mqtt.port);
    options
        .set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(10))
        .set_max_packet_size(MAX_INCOMING_PACKET, 1024 * 1024);
    if let Some((user, password)) = &config.mqtt.credentials {
        options.set_credentials(user, password.expose());
    }
    // Requests (acks, subscribes) never wait: the channel is larger than any broker's
    // in-flight window.
    AsyncClient::new(options, 65_536)
}

/// Polls the connection until `stop`; forwards publications and releases to the writer.
pub async fn drive(
    mut eventloop: EventLoop,
    client: AsyncClient,
    layouts: TopicLayouts,
    work: mpsc::UnboundedSender<Work>,
    subscriptions: watch::Sender<u64>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    let mut connected = false;
    // Identifies the connection each message came on (a redelivery comes on a later one).
    let mut connection: i64 = 0;
    loop {
        let event = tokio::select! {
            _ = stop.changed() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                backoff.reset();
                connected = true;
                connection = Utc::now()
                    .timestamp_nanos_opt()
                    .unwrap_or(connection + 1)
                    .max(connection + 1);
                if !ack.session_present && work.send(Work::SessionLost).is_err() {
                    break;
                }
                tracing::info!(
                    session_present = ack.session_present,
                    "connected to the broker; subscribing"
                );
                // Always subscribe: a restarted broker may have lost the session.
                for filter in layouts.filters() {
                    if let Err(e) = client.try_subscribe(filter, QoS::ExactlyOnce) {
                        tracing::error!(filter, error = %e, "cannot queue the subscription");
                    }
                }
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                if ack
                    .return_codes
                    .iter()
                    .any(|c| matches!(c, SubscribeReasonCode::Failure))
                {
                    tracing::error!(
                        ?ack,
                        "the broker refused a subscription: check the broker's ACL for this user"
                    );
                } else {
                    tracing::info!("subscribed");
                }
                subscriptions.send_modify(|n| *n += 1);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                if work
                    .send(Work::Publish(publish, Utc::now(), connection))
                    .is_err()
                {
                    break;
                }
            }
            Ok(Event::Incoming(Packet::PubRel(rel))) => {
                if work.send(Work::Released(rel.pkid)).is_err() {
                    break;
                }
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
            Ok(_) => {}
            Err(e) => {
                if connected {
                    tracing::warn!(error = %e, "lost the broker connection; reconnecting");
                } else {
                    tracing::warn!(error = %e, retry_in = ?backoff.peek(), "cannot reach the broker; retrying");
                }
                connected = false;
                tokio::select! {
                    _ = stop.changed() => break,
                    () = backoff.wait() => {}
                }
            }
        }
    }
}
