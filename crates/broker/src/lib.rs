//! The embedded MQTT broker (rumqttd, a patched copy in `vendor/rumqttd`): MQTT 3.1.1 over TCP
//! and over websockets, configured in code. The all-in-one launcher runs it in-process; the
//! tests run it as the `embedded-broker` process so they can kill and restart it.
//!
//! Who may connect: the accounts of [`BrokerConfig::users`] (both listeners), checked by an
//! authentication hook that also sees the client id: a client id starting with one of
//! [`BrokerConfig::reserved_client_ids`] (the message handler's persistent session) is refused
//! to every account that is not in [`BrokerConfig::service_users`], so no stand can take the
//! handler's session over. Anonymous clients only with [`BrokerConfig::allow_anonymous`] (then
//! no login is checked).
//!
//! What a client may do with topics: [`BrokerConfig::topic_access`], the caller's rules
//! ([`access`]: this crate knows no stand topics), enforced inside the broker for every
//! PUBLISH, every filter of a SUBSCRIBE (shared subscriptions with their real filter and their
//! group) and the last will of CONNECT. `None` lets every client publish and subscribe to
//! everything.
//!
//! Memory: what the broker keeps for subscribers is bounded by bytes, whatever the number of
//! topics and subscriptions: [`BrokerConfig::max_backlog_bytes`] in all, of which
//! [`BrokerConfig::max_away_backlog_bytes`] for messages no connected client is still to read
//! (see [`MAX_BACKLOG_BYTES`]).

pub mod access;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

pub use access::{Access, Action, TopicAccess};
use rumqttd::{Config, ConnectionSettings, RouterConfig, ServerSettings};

/// The largest payload the broker accepts: the same 32 MiB as Mosquitto's
/// `message_size_limit` (`mosquitto/mosquitto.conf`), which the message handler's largest
/// packet (`messagehandler::config::MAX_PACKET_BYTES`) is sized for.
pub const MAX_PAYLOAD_SIZE: usize = 32 * 1024 * 1024;

/// The most bytes of messages the broker keeps for subscribers, all topics and subscriptions
/// together. rumqttd keeps messages in a log per subscription filter and reads each
/// subscriber out of it; the patched copy frees what every subscriber has read, and over
/// [`MAX_AWAY_BACKLOG_BYTES`] drops the oldest messages that no connected client is still to
/// read. Up to this total it keeps what connected subscribers have not read yet: the message
/// handler, connected but behind a burst, loses nothing (messagehandler's `limits` test sends
/// 140 MiB at once). Over it, the oldest unread messages of the largest log go, whoever was to
/// read them. A warning names the filter whenever unread messages are dropped.
pub const MAX_BACKLOG_BYTES: usize = 256 * 1024 * 1024;

/// The most bytes of messages the broker keeps that no connected client is still to read: the
/// backlog of persistent sessions that are away (such as the message handler's while it
/// restarts; the newest messages stay) and, a quarter of it at most, retained messages. 32 MiB
/// holds a message of [`MAX_PAYLOAD_SIZE`], or about 1,500 of 20 KiB.
pub const MAX_AWAY_BACKLOG_BYTES: usize = 32 * 1024 * 1024;

/// A log is kept in segments of this size (a larger message takes a segment of its own), the
/// unit in which read data is freed and unread data dropped.
const SEGMENT_SIZE: usize = 1024 * 1024;

/// What the embedded broker listens on, who may connect and what they may do.
#[derive(Clone)]
pub struct BrokerConfig {
    /// MQTT over TCP (the lab's port is 8000).
    pub tcp: SocketAddr,
    /// MQTT over websockets (the lab's port is 8081), if wanted.
    pub ws: Option<SocketAddr>,
    /// Accounts: user name → password.
    pub users: HashMap<String, String>,
    /// The accounts (of `users`) that are the stack's own services.
    pub service_users: HashSet<String>,
    /// Client id prefixes that only `service_users` may connect with.
    pub reserved_client_ids: Vec<String>,
    /// Accept every client, with or without an account (no check at all).
    pub allow_anonymous: bool,
    /// The largest message accepted, in bytes.
    pub max_payload_size: usize,
    /// The most bytes of messages kept for subscribers ([`MAX_BACKLOG_BYTES`]).
    pub max_backlog_bytes: usize,
    /// The most bytes of messages kept that no connected client is still to read
    /// ([`MAX_AWAY_BACKLOG_BYTES`]).
    pub max_away_backlog_bytes: usize,
    /// What each client may publish, subscribe to and leave as its will (`None`: everything).
    pub topic_access: Option<TopicAccess>,
    /// Accounts beyond `users`, looked up at each login (`user`, `password`): the launcher's
    /// stand accounts, which change while it runs. Never a service account.
    pub more_accounts: Option<AccountCheck>,
}

/// A login check for accounts kept elsewhere: `true` when `user`/`password` is one. Called on
/// the connection's task for each CONNECT: look the answer up, do not fetch it.
pub type AccountCheck = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

impl fmt::Debug for BrokerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Accounts by name only: the passwords stay out of logs.
        let mut users: Vec<&String> = self.users.keys().collect();
        users.sort();
        f.debug_struct("BrokerConfig")
            .field("tcp", &self.tcp)
            .field("ws", &self.ws)
            .field("users", &users)
            .field("service_users", &self.service_users)
            .field("reserved_client_ids", &self.reserved_client_ids)
            .field("allow_anonymous", &self.allow_anonymous)
            .field("max_payload_size", &self.max_payload_size)
            .field("max_backlog_bytes", &self.max_backlog_bytes)
            .field("max_away_backlog_bytes", &self.max_away_backlog_bytes)
            .field("topic_access", &self.topic_access.is_some())
            .field("more_accounts", &self.more_accounts.is_some())
            .finish()
    }
}

impl BrokerConfig {
    /// The given listeners with no account yet (nobody can connect until accounts are added or
    /// [`BrokerConfig::allow_anonymous`] is set), messages up to [`MAX_PAYLOAD_SIZE`].
    pub fn new(tcp: SocketAddr, ws: Option<SocketAddr>) -> Self {
        Self {
            tcp,
            ws,
            users: HashMap::new(),
            service_users: HashSet::new(),
            reserved_client_ids: Vec::new(),
            allow_anonymous: false,
            max_payload_size: MAX_PAYLOAD_SIZE,
            max_backlog_bytes: MAX_BACKLOG_BYTES,
            max_away_backlog_bytes: MAX_AWAY_BACKLOG_BYTES,
            topic_access: None,
            more_accounts: None,
        }
    }

    /// Anonymous access on the given listeners (development and tests).
    pub fn anonymous(tcp: SocketAddr, ws: Option<SocketAddr>) -> Self {
        Self {
            allow_anonymous: true,
            ..Self::new(tcp, ws)
        }
    }

    /// Whether a client may connect: `client_id`, `user` and `password` from its CONNECT.
    pub fn admits(&self, client_id: &str, user: &str, password: &str) -> bool {
        if self.allow_anonymous {
            return true;
        }
        let known = match self.users.get(user) {
            Some(stored) => constant_time_eq(stored.as_bytes(), password.as_bytes()),
            None => self
                .more_accounts
                .as_ref()
                .is_some_and(|check| check(user, password)),
        };
        if !known {
            return false;
        }
        let reserved = self
            .reserved_client_ids
            .iter()
            .any(|prefix| client_id.starts_with(prefix.as_str()));
        !reserved || self.service_users.contains(user)
    }

    /// The rumqttd configuration.
    pub fn to_rumqttd(&self) -> Config {
        let mut connections = ConnectionSettings {
            // A connection that sends no CONNECT within this is closed (idle handshakes end).
            connection_timeout_ms: 10_000,
            max_payload_size: self.max_payload_size,
            max_inflight_count: 500,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
            topic_access: None,
        };
        if !self.allow_anonymous {
            let check = Arc::new(self.clone());
            connections.set_auth_handler(move |client_id: String, user: String, password| {
                let admitted = check.admits(&client_id, &user, &password);
                if !admitted {
                    tracing::warn!(client_id, user, "MQTT connection refused");
                }
                std::future::ready(admitted)
            });
        }
        if let Some(rules) = &self.topic_access {
            connections.set_topic_access_handler(access::rumqttd_hook(rules.clone()));
        }
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
                // One log may take the whole budget, which bounds them all together.
                max_segment_size: SEGMENT_SIZE,
                max_segment_count: self.max_backlog_bytes / SEGMENT_SIZE + 1,
                max_log_bytes: Some(self.max_backlog_bytes),
                max_away_log_bytes: Some(self.max_away_backlog_bytes),
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

/// Compares two secrets in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why the broker stopped.
#[derive(Debug, thiserror::Error)]
#[error("embedded MQTT broker failed: {0}")]
pub struct BrokerError(String);

/// Runs the broker on the calling thread until it fails (rumqttd has no shutdown).
pub fn run(config: &BrokerConfig) -> Result<(), BrokerError> {
    if !config.allow_anonymous && config.users.is_empty() {
        return Err(BrokerError(
            "no account and anonymous access off: no client could connect".into(),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BrokerConfig {
        let mut c = BrokerConfig::new(([127, 0, 0, 1], 0).into(), None);
        c.users.insert("messagehandler".into(), "handler-pw".into());
        c.users.insert("stands".into(), "stand-pw".into());
        c.service_users.insert("messagehandler".into());
        c.reserved_client_ids.push("standhub-".into());
        c
    }

    #[test]
    fn accounts_and_reserved_client_ids() {
        let c = config();
        assert!(c.admits("stand-1", "stands", "stand-pw"));
        assert!(!c.admits("stand-1", "stands", "stand-pw "));
        assert!(!c.admits("stand-1", "stands", ""));
        assert!(!c.admits("stand-1", "", ""));
        assert!(!c.admits("stand-1", "nobody", "stand-pw"));
        assert!(c.admits("standhub-messagehandler", "messagehandler", "handler-pw"));
        assert!(!c.admits("standhub-messagehandler", "stands", "stand-pw"));
        assert!(!c.admits("standhub-messagehandler-x", "stands", "stand-pw"));
        assert!(!c.admits("standhub-messagehandler", "messagehandler", "stand-pw"));
    }

    #[test]
    fn more_accounts_are_asked_for_names_not_in_users_and_never_get_a_service_id() {
        let mut c = config();
        c.more_accounts = Some(Arc::new(|user: &str, password: &str| {
            user == "rig1" && password == "rig1-pw"
        }));
        assert!(c.admits("rig1", "rig1", "rig1-pw"));
        assert!(!c.admits("rig1", "rig1", "stand-pw"));
        assert!(!c.admits("rig1", "rig2", "rig1-pw"));
        assert!(!c.admits("standhub-messagehandler", "rig1", "rig1-pw"));
        // A name in `users` is checked against `users` only.
        c.more_accounts = Some(Arc::new(|_: &str, _: &str| true));
        assert!(!c.admits("x", "messagehandler", "anything"));
    }

    #[test]
    fn anonymous_admits_everyone() {
        let mut c = config();
        c.allow_anonymous = true;
        assert!(c.admits("standhub-messagehandler", "", ""));
    }
}
