//! Publishing a command to a stand: QoS 2, and only "sent" once the broker confirmed it.
//!
//! Each publish uses its own short MQTT connection (clean session). Commands are rare (a
//! person clicks a button), and a private connection means a message that timed out cannot
//! sit in a client queue and reach the stand later, after its run was marked failed.

use std::time::Duration;

use domain::config::MqttUrl;
use rumqttc::{AsyncClient, ConnectReturnCode, Event, MqttOptions, Outgoing, Packet, QoS};

/// Why a message was not confirmed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The broker could not be reached or dropped the connection.
    #[error("the MQTT broker at {url} cannot be reached: {reason}")]
    Unreachable {
        /// The broker (without password).
        url: String,
        /// What failed.
        reason: String,
    },
    /// The broker refused the connection (e.g. bad credentials).
    #[error("the MQTT broker at {url} refused the connection: {code:?}")]
    Refused {
        /// The broker.
        url: String,
        /// Its answer.
        code: ConnectReturnCode,
    },
    /// No confirmation within the time-out.
    #[error("the MQTT broker at {url} did not confirm the message within {seconds} s")]
    TimedOut {
        /// The broker.
        url: String,
        /// The time-out.
        seconds: u64,
    },
}

impl PublishError {
    /// The same as a message in the reader's language (the `Display` stays English, for logs
    /// and records; the client's own reason is passed as it is).
    pub fn message(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            Self::Unreachable { url, reason } => {
                msg!("publish-unreachable", url = url, reason = reason)
            }
            Self::Refused { url, code } => {
                msg!("publish-refused", url = url, code = format!("{code:?}"))
            }
            Self::TimedOut { url, seconds } => {
                msg!("publish-timed-out", url = url, seconds = *seconds)
            }
        }
    }
}

/// Publishes messages to the configured broker.
#[derive(Debug, Clone)]
pub struct Publisher {
    url: MqttUrl,
    timeout: Duration,
}

/// The largest command accepted (parameters can be long lists).
const MAX_PACKET: usize = 1 << 20;

impl Publisher {
    /// A publisher for `url`, waiting at most `timeout` for a confirmation.
    pub fn new(url: MqttUrl, timeout: Duration) -> Self {
        Self { url, timeout }
    }

    fn options(&self) -> MqttOptions {
        let id = format!("webinterface-{}", uuid::Uuid::new_v4().simple());
        let mut options = MqttOptions::new(id, self.url.host.clone(), self.url.port);
        options
            .set_clean_session(true)
            .set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(MAX_PACKET, MAX_PACKET);
        if let Some((user, password)) = &self.url.credentials {
            options.set_credentials(user.clone(), password.expose());
        }
        options
    }

    /// Publishes `payload` on `topic` at QoS 2 and returns once the broker completed the
    /// exchange (PUBCOMP), or an error after the time-out.
    #[tracing::instrument(skip_all, fields(topic))]
    pub async fn publish(&self, topic: &str, payload: Vec<u8>) -> Result<(), PublishError> {
        let (client, mut eventloop) = AsyncClient::new(self.options(), 10);
        let url = self.url.to_string();
        let exchange = async {
            client
                .publish(topic, QoS::ExactlyOnce, false, payload)
                .await
                .map_err(|e| PublishError::Unreachable {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(ack)))
                        if ack.code != ConnectReturnCode::Success =>
                    {
                        return Err(PublishError::Refused {
                            url: url.clone(),
                            code: ack.code,
                        });
                    }
                    Ok(Event::Incoming(Packet::PubComp(_))) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(PublishError::Unreachable {
                            url: url.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
            }
        };
        let outcome = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(PublishError::TimedOut {
                url: url.clone(),
                seconds: self.timeout.as_secs(),
            }),
        };
        if outcome.is_ok() {
            // Say goodbye politely; the message is already confirmed, so this may fail.
            let _ = client.try_disconnect();
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                while let Ok(event) = eventloop.poll().await {
                    if matches!(event, Event::Outgoing(Outgoing::Disconnect)) {
                        break;
                    }
                }
            })
            .await;
        }
        outcome
    }

    /// Connects and disconnects: whether the broker is reachable (for `/readyz` and `check`).
    pub async fn check(&self) -> Result<(), PublishError> {
        let (client, mut eventloop) = AsyncClient::new(self.options(), 10);
        let url = self.url.to_string();
        let connect = async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                        return if ack.code == ConnectReturnCode::Success {
                            Ok(())
                        } else {
                            Err(PublishError::Refused {
                                url: url.clone(),
                                code: ack.code,
                            })
                        };
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return Err(PublishError::Unreachable {
                            url: url.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
            }
        };
        let outcome = tokio::time::timeout(self.timeout, connect)
            .await
            .unwrap_or(Err(PublishError::TimedOut {
                url: url.clone(),
                seconds: self.timeout.as_secs(),
            }));
        let _ = client.try_disconnect();
        let _ = tokio::time::timeout(Duration::from_millis(200), eventloop.poll()).await;
        outcome
    }
}
