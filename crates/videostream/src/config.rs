//! The relay's [`Settings`]: time limits and sizes, who may install and watch, and which
//! addresses cameras may have; [`Settings::from_env`] reads them from the environment.

use std::net::SocketAddr;
use std::time::Duration;

use domain::address_list::{AddressList, ROUTE_TABLE, parse_with_gateway};
use domain::camera_policy::{self, CameraPolicy, OwnService};
use domain::config::{self, ConfigError, Secret};

/// Time limits, sizes and access rules of the relay.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Limit for connecting to a camera and receiving its response headers.
    pub connect_timeout: Duration,
    /// How long a new viewer waits for the first frame before it gets an error page.
    pub first_frame_timeout: Duration,
    /// Silence after which a camera's connection is taken as dead and opened again.
    pub stall_timeout: Duration,
    /// First wait before reconnecting to a camera that dropped; doubled up to `backoff_max`.
    pub backoff_initial: Duration,
    /// Longest wait between reconnection attempts.
    pub backoff_max: Duration,
    /// Largest frame accepted from a camera.
    pub max_frame_bytes: usize,
    /// A client must send its request headers within this time (slow clients hold no
    /// connection for long).
    pub header_read_timeout: Duration,
    /// A client must send its request body (the install form) within this time.
    pub body_read_timeout: Duration,
    /// `VIDEOSTREAM_WRITE_TIMEOUT_SECONDS` (default 30): a viewer that reads nothing for this
    /// long is cut (its connection and its share are freed; a slow one only skips frames).
    pub write_timeout: Duration,
    /// Connections served at once (viewers included); more are closed at once.
    pub max_connections: usize,
    /// `VIDEOSTREAM_MAX_CONNECTIONS_PER_CLIENT` (default 32): connections served at once from
    /// one address; more get 429 and are closed.
    pub max_per_client: usize,
    /// `VIDEOSTREAM_PROXIES` (default `127.0.0.0/8,::1`; compose: `nginx,gateway`): addresses,
    /// ranges or host names that many viewers come through (`gateway`: the Docker host, as
    /// `SHARED_CLIENTS`), with no per-client share.
    pub proxies: AddressList,
    /// `SECRET_KEY`: checks the signed stream links the web interface's stand page embeds.
    /// Without it no link is valid (only `public_view` lets viewers in).
    pub secret_key: Option<Secret>,
    /// `VIDEOSTREAM_PUBLIC_VIEW`: streams and pages without a signed link (the old relay's
    /// behaviour); off by default.
    pub public_view: bool,
    /// `VIDEOSTREAM_OPEN_INSTALL`: the install API without an admin token (the old relay's
    /// behaviour); off by default.
    pub open_install: bool,
    /// Which addresses cameras may have.
    pub policy: CameraPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            first_frame_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_frame_bytes: 16 << 20,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_per_client: 32,
            proxies: AddressList::loopback(),
            secret_key: None,
            public_view: false,
            open_install: false,
            policy: CameraPolicy::default(),
        }
    }
}

/// The address the relay listens on unless `VIDEOSTREAM_BIND` says otherwise.
pub const DEFAULT_BIND: &str = "0.0.0.0:5555";

fn bind_or(name: &'static str, default: &str) -> Result<SocketAddr, ConfigError> {
    let default: SocketAddr =
        default
            .parse()
            .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
                name,
                value: default.into(),
                reason: e.to_string(),
            })?;
    config::parse_or(name, default)
}

impl Settings {
    /// Reads the settings from the environment (see the README's settings table).
    pub fn from_env() -> Result<Self, ConfigError> {
        let secret_key = config::var("SECRET_KEY").map(Secret::new);
        if secret_key.is_none() {
            tracing::warn!(
                "SECRET_KEY is not set: no signed camera link is valid, so nobody can watch \
                 (set the same SECRET_KEY as the web interface's)"
            );
        }
        let allowed_networks = match config::var("CAMERA_ALLOWED_NETWORKS") {
            None => Vec::new(),
            Some(list) => {
                camera_policy::parse_networks(&list).map_err(|reason| ConfigError::Invalid {
                    name: "CAMERA_ALLOWED_NETWORKS",
                    value: list.clone(),
                    reason,
                })?
            }
        };
        let mut own_services: Vec<OwnService> = Vec::new();
        if let Some(db) = config::var("DATABASE_URL") {
            own_services.extend(camera_policy::own_service_from_url(
                "the database",
                &db,
                5432,
            ));
        }
        let mqtt =
            config::var("MQTT_URL").unwrap_or_else(|| domain::config::DEFAULT_MQTT_URL.into());
        let broker = camera_policy::own_service_from_url("the MQTT broker", &mqtt, 8000);
        if let Some(broker) = broker {
            // Its websocket listener: where the launcher binds it, or the usual port on the
            // broker's host.
            own_services.push(match config::var("MQTT_WS_BIND") {
                Some(_) => camera_policy::own_service_from_bind(
                    "the MQTT broker's websockets",
                    bind_or("MQTT_WS_BIND", "0.0.0.0:8081")?,
                ),
                None => OwnService {
                    what: "the MQTT broker's websockets",
                    host: broker.host.clone(),
                    port: 8081,
                },
            });
            own_services.push(broker);
        }
        own_services.push(camera_policy::own_service_from_bind(
            "the web interface",
            bind_or("WEB_BIND", "0.0.0.0:8001")?,
        ));
        own_services.push(camera_policy::own_service_from_bind(
            "the video relay",
            bind_or("VIDEOSTREAM_BIND", DEFAULT_BIND)?,
        ));
        let defaults = Self::default();
        Ok(Self {
            secret_key,
            public_view: config::bool_or("VIDEOSTREAM_PUBLIC_VIEW", false)?,
            open_install: config::bool_or("VIDEOSTREAM_OPEN_INSTALL", false)?,
            max_connections: config::parse_or(
                "VIDEOSTREAM_MAX_CONNECTIONS",
                defaults.max_connections,
            )?,
            write_timeout: Duration::from_secs(config::bounded(
                "VIDEOSTREAM_WRITE_TIMEOUT_SECONDS",
                defaults.write_timeout.as_secs(),
                86_400,
            )?),
            max_per_client: config::bounded(
                "VIDEOSTREAM_MAX_CONNECTIONS_PER_CLIENT",
                defaults.max_per_client as u32,
                1_000_000,
            )? as usize,
            proxies: match config::var("VIDEOSTREAM_PROXIES") {
                None => defaults.proxies.clone(),
                Some(raw) => parse_with_gateway(&raw, || std::fs::read_to_string(ROUTE_TABLE))
                    .map_err(|reason| ConfigError::Invalid {
                        name: "VIDEOSTREAM_PROXIES",
                        value: raw.clone(),
                        reason,
                    })?,
            },
            policy: CameraPolicy {
                allowed_networks,
                own_services,
                allow_loopback: config::bool_or("CAMERA_ALLOW_LOOPBACK", false)?,
            },
            ..defaults
        })
    }
}
