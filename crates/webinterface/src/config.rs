//! The web interface's configuration, from environment variables (see `.env.example`).

use std::net::SocketAddr;
use std::time::Duration;

use domain::config::{self as env, ConfigError, MqttUrl, Secret};

use crate::server::ServerLimits;

/// Everything the web interface reads from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: Secret,
    /// `MQTT_URL`: the broker commands are published to.
    pub mqtt: MqttUrl,
    /// `WEB_BIND` (default `0.0.0.0:8001`).
    pub bind: SocketAddr,
    /// `SECRET_KEY`: signs session cookies and CSRF tokens.
    pub secret_key: Secret,
    /// `PRODUCTION`: a missing `SECRET_KEY` is an error instead of a generated key.
    pub production: bool,
    /// `COOKIE_SECURE`: mark cookies `Secure` (also done for requests that came over HTTPS
    /// through a proxy setting `X-Forwarded-Proto: https`).
    pub cookie_secure: bool,
    /// `OFFLINE_AFTER_SECONDS` (default 300).
    pub offline_after: Duration,
    /// `MQTT_PUBLISH_TIMEOUT_SECONDS` (default 5): how long to wait for the broker's
    /// confirmation of a command.
    pub publish_timeout: Duration,
    /// `SESSION_HOURS` (default 336, two weeks): idle time after which a login expires.
    pub session_hours: u32,
    /// `VIDEOSTREAM_URL`: the video relay as browsers reach it (default: port 5555 of the
    /// host the page came from).
    pub videostream_url: Option<String>,
    /// `WEB_HEADER_TIMEOUT_SECONDS`, `WEB_BODY_TIMEOUT_SECONDS`, `WEB_WRITE_TIMEOUT_SECONDS`,
    /// `WEB_MAX_CONNECTIONS`: the HTTP server's bounds.
    pub server: ServerLimits,
}

/// The shortest `SECRET_KEY` accepted.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// Reads the configuration; `.env` is loaded first when present.
    pub fn from_env() -> Result<Self, ConfigError> {
        env::load_dotenv();
        let production = env::bool_or("PRODUCTION", false)?;
        let secret_key = match env::var("SECRET_KEY") {
            Some(key) if key.len() < MIN_SECRET_LEN => {
                return Err(ConfigError::Invalid {
                    name: "SECRET_KEY",
                    value: "(hidden)".into(),
                    reason: format!(
                        "it is {} characters long; use at least {MIN_SECRET_LEN} random \
                         characters (e.g. `openssl rand -hex 32`)",
                        key.len()
                    ),
                });
            }
            Some(key) => Secret::new(key),
            None if production => {
                return Err(ConfigError::Invalid {
                    name: "SECRET_KEY",
                    value: String::new(),
                    reason: "PRODUCTION=true needs a SECRET_KEY of at least 32 random \
                             characters (e.g. `openssl rand -hex 32`)"
                        .into(),
                });
            }
            None => {
                tracing::warn!(
                    "SECRET_KEY is not set: using a generated key, so logins end when the \
                     process restarts (set SECRET_KEY, and PRODUCTION=true in production)"
                );
                generated_secret()
            }
        };
        Ok(Self {
            database_url: Secret::new(env::required("DATABASE_URL")?),
            mqtt: MqttUrl::from_env()?,
            bind: env::parse_or("WEB_BIND", SocketAddr::from(([0, 0, 0, 0], 8001)))?,
            secret_key,
            production,
            cookie_secure: env::bool_or("COOKIE_SECURE", false)?,
            offline_after: Duration::from_secs(env::parse_or("OFFLINE_AFTER_SECONDS", 300u64)?),
            publish_timeout: Duration::from_secs(env::parse_or(
                "MQTT_PUBLISH_TIMEOUT_SECONDS",
                5u64,
            )?),
            session_hours: env::parse_or("SESSION_HOURS", 336u32)?,
            videostream_url: env::var("VIDEOSTREAM_URL"),
            server: ServerLimits::from_env()?,
        })
    }

    /// A configuration for tests and the launcher: given database and broker, a generated
    /// key, defaults for the rest.
    pub fn new(database_url: &str, mqtt: MqttUrl) -> Self {
        Self {
            database_url: Secret::new(database_url),
            mqtt,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret_key: generated_secret(),
            production: false,
            cookie_secure: false,
            offline_after: Duration::from_secs(300),
            publish_timeout: Duration::from_secs(5),
            session_hours: 336,
            videostream_url: None,
            server: ServerLimits::default(),
        }
    }
}

/// A random 64-hex-character key for one process's lifetime.
pub fn generated_secret() -> Secret {
    let bytes: [u8; 32] = rand::random();
    Secret::new(hex::encode(bytes))
}
