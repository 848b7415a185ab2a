//! The embedded MQTT broker (rumqttd): MQTT 3.1.1 over TCP and over websockets, configured in
//! code. The all-in-one launcher runs it in-process; the tests run it as the
//! `embedded-broker` process so they can kill and restart it.

use std::collections::HashMap;
use std::net::SocketAddr;

use rumqttd::{Config, ConnectionSettings, RouterConfig, ServerSettings};

/// The largest payload the broker accepts: the same 32 MiB as Mosquitto's
/// `message_size_limit` (`mosquitto/mosquitto.conf`), which the message handler's largest
/// packet (`messagehandler::config::MAX_PACKET_BYTES`) is sized for.
pub const MAX_PAYLOAD_SIZE: usize = 32 * 1024 * 1024;

/// The most bytes the broker keeps for one subscription's backlog (a persistent subscriber
/// that is away): `SEGMENT_SIZE` × `SEGMENT_COUNT` = 1 GiB, as Mosquitto's `max_queued_bytes`.
/// A segment holds at least one largest message.
const SEGMENT_SIZE: usize = 64 * 1024 * 1024;
const SEGMENT_COUNT: usize = 16;

/// What the embedded broker listens on and who may connect.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// MQTT over TCP (the lab's port is 8000).
    pub tcp: SocketAddr,
    /// MQTT over websockets (the lab's port is 8081), if wanted.
    pub ws: Option<SocketAddr>,
    /// User names and passwords; empty allows anonymous clients.
    pub users: HashMap<String, String>,
    /// The largest message accepted, in bytes.
    pub max_payload_size: usize,
}

impl BrokerConfig {
    /// Anonymous access on the given listeners, messages up to [`MAX_PAYLOAD_SIZE`].
    pub fn new(tcp: SocketAddr, ws: Option<SocketAddr>) -> Self {
        Self {
            tcp,
            ws,
            users: HashMap::new(),
            max_payload_size: MAX_PAYLOAD_SIZE,
        }
    }

    /// The rumqttd configuration.
    pub fn to_rumqttd(&self) -> Config {
        let connections = ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: self.max_payload_size,
            max_inflight_count: 500,
            auth: (!self.users.is_empty()).then(|| self.users.clone()),
            external_auth: None,
            dynamic_filters: true,
        };
        let server = |name: &str, listen: SocketAddr| ServerSettings {
            name: name.to_owned(),
            listen,
            tls: None,
            next_connection_delay_ms: 1,
            connections: connections.clone(),
        };
        Config {
            id: 0,
            router: RouterConfig {
                max_connections: 10_010,
                max_outgoing_packet_count: 200,
                // A persistent subscriber's backlog: 1 GiB at most (see `SEGMENT_SIZE`).
                max_segment_size: SEGMENT_SIZE,
                max_segment_count: SEGMENT_COUNT,
                ..Default::default()
            },
            v4: Some(HashMap::from([(
                "tcp".to_owned(),
                server("mqtt-tcp", self.tcp),
            )])),
            ws: self
                .ws
                .map(|ws| HashMap::from([("ws".to_owned(), server("mqtt-ws", ws))])),
            ..Default::default()
        }
    }
}

/// Why the broker stopped.
#[derive(Debug, thiserror::Error)]
#[error("embedded MQTT broker failed: {0}")]
pub struct BrokerError(String);

/// Runs the broker on the calling thread until it fails (rumqttd has no shutdown).
pub fn run(config: &BrokerConfig) -> Result<(), BrokerError> {
    let mut broker = rumqttd::Broker::new(config.to_rumqttd());
    broker.start().map_err(|e| BrokerError(e.to_string()))
}

/// Starts the broker on a thread of its own.
pub fn spawn(config: BrokerConfig) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("mqtt-broker".into())
        .spawn(move || {
            if let Err(e) = run(&config) {
                tracing::error!(error = %e, "embedded broker stopped");
            }
        })
}
