//! The message handler's configuration, from the environment (see `.env.example`).

use std::path::PathBuf;

use domain::config::{self, ConfigError, MqttUrl, Secret};
use domain::store::ingest::Registration;
use domain::store::quarantine::{self, QuarantineLimits};
use domain::topics::{DEFAULT_INBOUND_TOPICS, TopicLayouts};

/// Everything the handler needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: Secret,
    /// `MQTT_URL`.
    pub mqtt: MqttUrl,
    /// `MQTT_CLIENT_ID` (default [`default_client_id`]): the persistent session's name;
    /// with a shared subscription followed by `-<HANDLER_REPLICA>` ([`replica_client_id`]).
    pub client_id: String,
    /// With a shared subscription and no `HANDLER_REPLICA`: the handler takes the lowest free
    /// replica slot below this number at start and names its session after it
    /// ([`slot_client_id`]).
    pub replica_slots: Option<u16>,
    /// `INBOUND_TOPICS`, each filter prefixed with `$share/<HANDLER_SHARE_GROUP>/` when that
    /// is set.
    pub layouts: TopicLayouts,
    /// `MAX_PAYLOAD_BYTES` (default 16 MiB): larger messages are quarantined with their size only.
    pub max_payload_bytes: usize,
    /// `MAX_SERIES_PER_MESSAGE` (default [`domain::protocol::DEFAULT_MAX_SERIES`]): data
    /// messages with more series are quarantined with a reason naming the limit.
    pub max_series: usize,
    /// `AUTO_REGISTER` (default true): register unknown stands on their first message, at most
    /// `HANDLER_MAX_NEW_STANDS_PER_MINUTE` (default 30) in any minute.
    pub registration: Registration,
    /// `SCHEMA_PATH`: the protocol schema to load; the copy built into the binary when unset.
    pub schema_path: Option<PathBuf>,
    /// `HANDLER_MAX_BATCH` (default 500): the most messages written in one transaction.
    pub max_batch: usize,
    /// `QUARANTINE_MESSAGE_BYTES` (default 1 MiB) and `QUARANTINE_TOPIC_BYTES` (default
    /// 64 MiB): what the quarantine keeps of a message and per topic; `QUARANTINE_TOTAL_BYTES`
    /// (default 256 MiB) and `QUARANTINE_MAX_ROWS` (default 100000): the payload bytes and
    /// the entries it keeps over all topics.
    pub quarantine: QuarantineLimits,
    /// `HANDLER_BATCH_BYTES` (default 8 MiB): the most payload bytes parsed and written in one
    /// transaction (a single larger message goes alone).
    pub max_batch_bytes: usize,
    /// `HANDLER_BUFFER_BYTES` (default 64 MiB): the most payload bytes read from the broker
    /// and not yet acknowledged; the handler stops reading from the broker while it is full.
    pub buffer_bytes: usize,
}

/// The client id the handler's session had before ids were derived from the credentials.
pub const BASE_CLIENT_ID: &str = "standhub-messagehandler";

/// The default `MQTT_CLIENT_ID`: [`BASE_CLIENT_ID`], followed, when the broker URL has
/// credentials, by 16 hex digits derived from them. Any account may connect with any client id
/// and so kick a client with the same id off and take its persistent session; only who knows the
/// handler's password can compute this id. (The embedded broker also refuses ids starting with
/// [`BASE_CLIENT_ID`] to every account but the services'.)
pub fn default_client_id(mqtt: &MqttUrl) -> String {
    use sha2::{Digest, Sha256};
    let Some((user, password)) = &mqtt.credentials else {
        return BASE_CLIENT_ID.to_owned();
    };
    let digest = Sha256::new()
        .chain_update(b"standhub messagehandler client id\0")
        .chain_update(user.as_bytes())
        .chain_update(b"\0")
        .chain_update(password.expose().as_bytes())
        .finalize();
    let suffix: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{BASE_CLIENT_ID}-{suffix}")
}

/// The most replica slots: handlers beyond this many on one shared subscription wait.
pub const MAX_REPLICA_SLOTS: u16 = 64;

/// `list` with every filter that is not one already made a shared subscription of `group`
/// (`HANDLER_SHARE_GROUP`: no `$` to quote in `.env` files).
fn shared(list: &str, group: &str) -> String {
    list.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            if f.starts_with("$share/") {
                f.to_owned()
            } else {
                format!("$share/{group}/{f}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The client id of the handler in replica slot `slot`: slot 0 keeps the base id (a single
/// handler switched to a shared subscription keeps its session), slot `n` is `<base>-r<n>`.
/// The slot outlives the container: a recreated replica takes the free slot, and with it the
/// session and the messages the broker kept for it.
pub fn slot_client_id(base: &str, slot: u16) -> String {
    if slot == 0 {
        base.to_owned()
    } else {
        format!("{base}-r{slot}")
    }
}

/// The client id of a replica named by `HANDLER_REPLICA`: `<base>-<replica>` (for handlers
/// on several hosts that each keep their own name).
pub fn replica_client_id(base: &str, replica: Option<&str>) -> Result<String, ConfigError> {
    let Some(replica) = replica else {
        return Ok(base.to_owned());
    };
    let fits = (1..=64).contains(&replica.len())
        && replica
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !fits {
        return Err(ConfigError::Invalid {
            name: "HANDLER_REPLICA",
            value: replica.to_owned(),
            reason: "1-64 letters, digits, '-', '_' or '.'".into(),
        });
    }
    Ok(format!("{base}-{replica}"))
}

/// The default `MAX_PAYLOAD_BYTES`.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 16 * 1024 * 1024;

/// The default `HANDLER_BATCH_BYTES`.
pub const DEFAULT_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// The default `HANDLER_BUFFER_BYTES`.
pub const DEFAULT_BUFFER_BYTES: usize = 64 * 1024 * 1024;

/// The largest MQTT packet the handler reads: the broker's limit (`message_size_limit` in
/// `mosquitto/mosquitto.conf`, `max_payload_size` of the embedded broker) plus room for the
/// topic and header. Messages between `MAX_PAYLOAD_BYTES` and this are quarantined with their
/// size; the brokers refuse larger ones.
pub const MAX_PACKET_BYTES: usize = BROKER_MESSAGE_LIMIT + 64 * 1024;

/// The brokers' payload limit: twice the default `MAX_PAYLOAD_BYTES`, so a message somewhat
/// too large still reaches the quarantine (with its size) where its sender can see it.
pub const BROKER_MESSAGE_LIMIT: usize = 32 * 1024 * 1024;

impl Config {
    /// Reads the configuration; errors name the variable and what to do.
    pub fn from_env() -> Result<Self, ConfigError> {
        let topics = config::var("INBOUND_TOPICS").unwrap_or_else(|| DEFAULT_INBOUND_TOPICS.into());
        let topics = match config::var("HANDLER_SHARE_GROUP") {
            Some(group) => shared(&topics, group.trim()),
            None => topics,
        };
        let layouts = TopicLayouts::parse(&topics).map_err(|e| ConfigError::Invalid {
            name: "INBOUND_TOPICS",
            value: topics.clone(),
            reason: e.to_string(),
        })?;
        let max_batch = config::parse_or("HANDLER_MAX_BATCH", 500usize)?;
        if max_batch == 0 {
            return Err(ConfigError::Invalid {
                name: "HANDLER_MAX_BATCH",
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }
        let mqtt = MqttUrl::from_env()?;
        let base = config::var("MQTT_CLIENT_ID").unwrap_or_else(|| default_client_id(&mqtt));
        // A member of a shared subscription needs a session of its own: named by
        // HANDLER_REPLICA, or after the slot it takes at start. A single handler keeps the
        // session it always had.
        let replica = config::var("HANDLER_REPLICA");
        let replica_slots =
            (layouts.share_group().is_some() && replica.is_none()).then_some(MAX_REPLICA_SLOTS);
        Ok(Self {
            database_url: Secret::new(config::required("DATABASE_URL")?),
            client_id: replica_client_id(&base, replica.as_deref())?,
            replica_slots,
            mqtt,
            layouts,
            max_payload_bytes: config::parse_or("MAX_PAYLOAD_BYTES", DEFAULT_MAX_PAYLOAD_BYTES)?,
            max_series: config::bounded(
                "MAX_SERIES_PER_MESSAGE",
                domain::protocol::DEFAULT_MAX_SERIES,
                1_000_000,
            )?,
            registration: if config::bool_or("AUTO_REGISTER", true)? {
                Registration::Capped {
                    per_minute: config::bounded(
                        "HANDLER_MAX_NEW_STANDS_PER_MINUTE",
                        Registration::DEFAULT_PER_MINUTE,
                        1_000_000,
                    )?,
                }
            } else {
                Registration::Off
            },
            schema_path: config::var("SCHEMA_PATH").map(PathBuf::from),
            max_batch,
            quarantine: QuarantineLimits {
                message_bytes: config::parse_or(
                    "QUARANTINE_MESSAGE_BYTES",
                    quarantine::DEFAULT_MESSAGE_BYTES,
                )?,
                topic_bytes: config::parse_or(
                    "QUARANTINE_TOPIC_BYTES",
                    quarantine::DEFAULT_TOPIC_BYTES,
                )?,
                total_bytes: config::bounded(
                    "QUARANTINE_TOTAL_BYTES",
                    quarantine::DEFAULT_TOTAL_BYTES,
                    i64::MAX,
                )?,
                max_rows: config::bounded(
                    "QUARANTINE_MAX_ROWS",
                    quarantine::DEFAULT_MAX_ROWS,
                    i64::MAX,
                )?,
            },
            max_batch_bytes: at_least_one("HANDLER_BATCH_BYTES", DEFAULT_BATCH_BYTES)?,
            buffer_bytes: at_least_one("HANDLER_BUFFER_BYTES", DEFAULT_BUFFER_BYTES)?,
        })
    }

    /// The `work_mem` of the handler's database sessions: room for a whole batch statement's
    /// values in memory (see [`domain::store::connect_lazy`]). A batch holds at most
    /// `HANDLER_BATCH_BYTES` of payload, or one message of up to `MAX_PAYLOAD_BYTES`; its
    /// text is materialised with per-row overhead, hence twice that.
    pub fn batch_work_mem(&self) -> usize {
        self.max_batch_bytes
            .max(self.max_payload_bytes)
            .saturating_mul(2)
    }

    /// A configuration for a database and broker, with every other value at its default.
    pub fn new(database_url: &str, mqtt: MqttUrl) -> Self {
        Self {
            database_url: Secret::new(database_url),
            client_id: default_client_id(&mqtt),
            replica_slots: None,
            mqtt,
            layouts: TopicLayouts::default(),
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_series: domain::protocol::DEFAULT_MAX_SERIES,
            registration: Registration::capped(),
            schema_path: None,
            max_batch: 500,
            quarantine: QuarantineLimits::default(),
            max_batch_bytes: DEFAULT_BATCH_BYTES,
            buffer_bytes: DEFAULT_BUFFER_BYTES,
        }
    }
}

/// A byte count of at least 1 (and at most what a semaphore can count).
fn at_least_one(name: &'static str, default: usize) -> Result<usize, ConfigError> {
    let value = config::parse_or(name, default)?;
    if value == 0 || value > u32::MAX as usize {
        return Err(ConfigError::Invalid {
            name,
            value: value.to_string(),
            reason: format!("must be between 1 and {}", u32::MAX),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_group_makes_every_filter_a_shared_subscription_once() {
        assert_eq!(
            shared(
                "+/inbound, Testdevice/+/Inbound,$share/g/x/+/in",
                "handlers"
            ),
            "$share/handlers/+/inbound,$share/handlers/Testdevice/+/Inbound,$share/g/x/+/in"
        );
    }

    #[test]
    fn replicas_have_ids_of_their_own_and_slot_zero_keeps_the_single_handlers() {
        assert_eq!(
            slot_client_id("standhub-messagehandler", 0),
            "standhub-messagehandler"
        );
        assert_eq!(
            slot_client_id("standhub-messagehandler", 2),
            "standhub-messagehandler-r2"
        );
        assert_eq!(replica_client_id("base", None).expect("none"), "base");
        assert_eq!(
            replica_client_id("base", Some("site-a.1")).expect("named"),
            "base-site-a.1"
        );
        assert!(replica_client_id("base", Some("two words")).is_err());
        assert!(replica_client_id("base", Some(&"x".repeat(65))).is_err());
    }
}
