//! The web interface's configuration, from environment variables (see `.env.example`).

use std::net::SocketAddr;
use std::time::Duration;

pub use domain::address_list::{
    AddressEntry, AddressList, ROUTE_TABLE, default_gateway,
    parse_with_gateway as parse_shared_clients,
};
use domain::config::{self as env, ConfigError, MqttUrl, Secret};

use chrono_tz::Tz;

use crate::i18n::{DEFAULT_TIME_ZONE, Lang};
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
    /// `SESSION_MAX_DAYS` (default 7): a login ends this long after it started, however
    /// active it is (a copied cookie does not work for ever).
    pub session_max_days: u32,
    /// `TRUSTED_PROXIES` (default `127.0.0.0/8,::1`): the peers whose `X-Real-IP` /
    /// `X-Forwarded-For` name the client (for the login rate limit).
    pub trusted_proxies: TrustedProxies,
    /// `SHARED_CLIENTS` (default `none`): client addresses that many people share (the Docker
    /// host behind Docker's port proxy: `gateway`); failed logins from them are counted per
    /// address and user name, so one person's guesses do not lock out everyone there.
    pub shared_clients: AddressList,
    /// `PASSWORD_HASH_CONCURRENCY` (default 4): argon2 hashes computed at once (each takes
    /// ~19 MiB); more logins wait briefly, then get 503.
    pub password_hash_concurrency: usize,
    /// `VIDEOSTREAM_URL`: the video relay as browsers reach it (default: port 5555 of the
    /// host the page came from).
    pub videostream_url: Option<String>,
    /// `WEB_HEADER_TIMEOUT_SECONDS`, `WEB_BODY_TIMEOUT_SECONDS`, `WEB_WRITE_TIMEOUT_SECONDS`,
    /// `WEB_MAX_CONNECTIONS`, `WEB_MAX_CONNECTIONS_PER_CLIENT`: the HTTP server's bounds.
    pub server: ServerLimits,
    /// The stands log in to the launcher's embedded broker with the accounts of
    /// `stand_mqtt_accounts`, which the admin's stand page makes (set by the launcher; not an
    /// environment variable). Otherwise the page says how the broker's accounts are made.
    pub stand_accounts_here: bool,
    /// `WEB_STATEMENT_TIMEOUT_SECONDS` (default 30): a database statement of a request that
    /// runs longer is cancelled and the request answers an error.
    pub statement_timeout: Duration,
    /// `WEB_MAX_STREAMS_PER_USER` (default 16): live update streams (`/events`, one per open
    /// page) one account may hold at once; more get 429.
    pub max_streams_per_user: usize,
    /// `DEFAULT_LANGUAGE` (`da` or `en`, default `en`): the pages' language for a user who
    /// chose none whose browser asks for neither.
    pub default_language: Lang,
    /// `TIME_ZONE` (default `Europe/Copenhagen`): the zone pages show times in.
    pub time_zone: Tz,
    /// `PSEUDO_LOCALE` (default false; tests): `Accept-Language: qps-ploc` shows every
    /// translated message marked `⟦…⟧`.
    pub pseudo_locale: bool,
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
            session_max_days: env::bounded("SESSION_MAX_DAYS", 7, 3650)?,
            trusted_proxies: TrustedProxies::parse(
                &env::var("TRUSTED_PROXIES").unwrap_or_else(|| DEFAULT_TRUSTED_PROXIES.into()),
            )
            .map_err(|reason| ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                value: env::var("TRUSTED_PROXIES").unwrap_or_default(),
                reason,
            })?,
            shared_clients: parse_shared_clients(
                &env::var("SHARED_CLIENTS").unwrap_or_default(),
                || std::fs::read_to_string(ROUTE_TABLE),
            )
            .map_err(|reason| ConfigError::Invalid {
                name: "SHARED_CLIENTS",
                value: env::var("SHARED_CLIENTS").unwrap_or_default(),
                reason,
            })?,
            password_hash_concurrency: env::bounded("PASSWORD_HASH_CONCURRENCY", 4_u32, 256)?
                as usize,
            videostream_url: env::var("VIDEOSTREAM_URL"),
            server: ServerLimits::from_env()?,
            stand_accounts_here: false,
            statement_timeout: Duration::from_secs(env::bounded(
                "WEB_STATEMENT_TIMEOUT_SECONDS",
                30u64,
                86_400,
            )?),
            max_streams_per_user: env::bounded("WEB_MAX_STREAMS_PER_USER", 16u32, 100_000)?
                as usize,
            default_language: match env::var("DEFAULT_LANGUAGE") {
                None => Lang::En,
                Some(code) => Lang::parse(&code).ok_or_else(|| ConfigError::Invalid {
                    name: "DEFAULT_LANGUAGE",
                    value: code.clone(),
                    reason: "the pages speak da (Danish) and en (English)".into(),
                })?,
            },
            time_zone: match env::var("TIME_ZONE") {
                None => DEFAULT_TIME_ZONE,
                Some(zone) => zone.trim().parse().map_err(|_| ConfigError::Invalid {
                    name: "TIME_ZONE",
                    value: zone.clone(),
                    reason: "not a time zone name of the IANA database; use e.g. \
                             Europe/Copenhagen or UTC"
                        .into(),
                })?,
            },
            pseudo_locale: env::bool_or("PSEUDO_LOCALE", false)?,
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
            session_max_days: 7,
            trusted_proxies: TrustedProxies::loopback(),
            shared_clients: AddressList::default(),
            password_hash_concurrency: 4,
            videostream_url: None,
            server: ServerLimits::default(),
            stand_accounts_here: false,
            statement_timeout: Duration::from_secs(30),
            max_streams_per_user: 16,
            default_language: Lang::En,
            time_zone: DEFAULT_TIME_ZONE,
            pseudo_locale: false,
        }
    }
}

/// A random 64-hex-character key for one process's lifetime.
pub fn generated_secret() -> Secret {
    let bytes: [u8; 32] = rand::random();
    Secret::new(hex::encode(bytes))
}

/// `TRUSTED_PROXIES` when unset: only this host. A client on the network connecting directly
/// is never trusted, so it cannot choose its own address; a proxy on this host (the native
/// nginx, the launcher) is.
pub const DEFAULT_TRUSTED_PROXIES: &str = "127.0.0.0/8,::1";

/// The proxies whose client address headers are believed (`TRUSTED_PROXIES`).
pub type TrustedProxies = AddressList;

#[cfg(test)]
mod tests {
    use test_support::ip;

    use super::*;

    /// `list` takes in every address of `inside` and none of `outside`.
    fn assert_covers(list: &AddressList, inside: &[&str], outside: &[&str]) {
        for (addresses, expected) in [(inside, true), (outside, false)] {
            for addr in addresses {
                assert_eq!(list.contains_net(ip(addr)), expected, "{addr}");
            }
        }
    }

    #[test]
    fn trusted_proxies_parse_and_match() {
        assert_covers(
            &TrustedProxies::loopback(),
            &["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"],
            &["10.0.0.1", "::2"],
        );
        let t = TrustedProxies::parse("10.1.0.0/16, 192.168.5.7 ,nginx,fd00::/8").expect("list");
        assert_covers(
            &t,
            &["10.1.200.3", "192.168.5.7", "fd12::1"],
            &["10.2.0.1", "192.168.5.8", "127.0.0.1"],
        );
        assert_eq!(t.hosts().collect::<Vec<_>>(), ["nginx"]);
        assert_eq!(
            TrustedProxies::parse("none").expect("none"),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert_covers(
            &TrustedProxies::parse("0.0.0.0/0").expect("all"),
            &["8.8.8.8"],
            &[],
        );
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "bad host", "nginx/8", "::/129"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    /// `/proc/net/route` of a compose container: the default route via the network's
    /// gateway 172.18.0.1 (little-endian host), then the network's own route.
    const COMPOSE_ROUTES: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
";

    #[cfg(target_endian = "little")]
    #[test]
    fn shared_clients_gateway_is_the_default_routes_gateway() {
        assert_eq!(default_gateway(COMPOSE_ROUTES), Ok([172, 18, 0, 1].into()));
        let list = parse_shared_clients("gateway, 10.5.0.0/16", || Ok(COMPOSE_ROUTES.into()))
            .expect("list");
        assert_covers(&list, &["172.18.0.1", "10.5.3.4"], &["172.18.0.2"]);
        assert_eq!(list.to_string(), "172.18.0.1,10.5.0.0/16");
        // Without `gateway` the route table is not read at all.
        let list = parse_shared_clients("127.0.0.1", || Err(std::io::ErrorKind::NotFound.into()))
            .expect("list");
        assert_eq!(list.to_string(), "127.0.0.1");
        assert_eq!(
            parse_shared_clients("none", || Ok(String::new())),
            Ok(AddressList::default())
        );
        assert_eq!(
            parse_shared_clients("", || Ok(String::new())),
            Ok(AddressList::default())
        );
    }

    #[test]
    fn shared_clients_gateway_without_a_default_route_is_a_clear_error() {
        let no_default = COMPOSE_ROUTES
            .lines()
            .filter(|l| !l.contains("010012AC"))
            .collect::<Vec<_>>()
            .join("\n");
        let err = parse_shared_clients("gateway", || Ok(no_default.clone())).expect_err("error");
        assert!(err.contains("no default route"), "{err}");
        assert!(err.contains("/proc/net/route"), "{err}");
        let err = parse_shared_clients("gateway", || Err(std::io::ErrorKind::NotFound.into()))
            .expect_err("error");
        assert!(err.contains("cannot read /proc/net/route"), "{err}");
    }
}
