//! The web interface's configuration, from environment variables (see `.env.example`).

use std::net::{IpAddr, SocketAddr};
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
    /// `WEB_MAX_CONNECTIONS`: the HTTP server's bounds.
    pub server: ServerLimits,
    /// The stands log in to the launcher's embedded broker with the accounts of
    /// `stand_mqtt_accounts`, which the admin's stand page makes (set by the launcher; not an
    /// environment variable). Otherwise the page says how the broker's accounts are made.
    pub stand_accounts_here: bool,
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

/// One entry of `TRUSTED_PROXIES` or `SHARED_CLIENTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressEntry {
    /// An address range: the network address and its prefix length.
    Net(IpAddr, u8),
    /// A host name, resolved when a request needs it (compose: `nginx`, which starts after
    /// the web interface).
    Host(String),
}

/// A comma-separated list of addresses, CIDR ranges and host names; `none` for nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressList(pub Vec<AddressEntry>);

/// The proxies whose client address headers are believed (`TRUSTED_PROXIES`).
pub type TrustedProxies = AddressList;

impl AddressList {
    /// Loopback only (the default).
    pub fn loopback() -> Self {
        Self::parse(DEFAULT_TRUSTED_PROXIES).unwrap_or_default()
    }

    /// Parses the list; `none` (or an empty list) trusts nobody.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item.eq_ignore_ascii_case("none") {
                continue;
            }
            let (addr, prefix) = match item.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (item, None),
            };
            match addr.parse::<IpAddr>() {
                Ok(ip) => {
                    let ip = ip.to_canonical();
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    let bits = match prefix {
                        None => max,
                        Some(p) => p
                            .parse::<u8>()
                            .ok()
                            .filter(|b| *b <= max)
                            .ok_or_else(|| format!("{item:?}: the prefix must be 0 to {max}"))?,
                    };
                    entries.push(AddressEntry::Net(ip, bits));
                }
                Err(_) if prefix.is_none() && is_host_name(addr) => {
                    entries.push(AddressEntry::Host(addr.to_owned()));
                }
                Err(_) => {
                    return Err(format!(
                        "{item:?} is not an address, a CIDR range (10.0.0.0/8) or a host name"
                    ));
                }
            }
        }
        Ok(Self(entries))
    }

    /// Whether `ip` is in one of the ranges (host names are not looked at here).
    pub fn contains_net(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|e| match e {
            AddressEntry::Net(net, bits) => in_net(ip, *net, *bits),
            AddressEntry::Host(_) => false,
        })
    }

    /// The host name entries.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|e| match e {
            AddressEntry::Host(h) => Some(h.as_str()),
            AddressEntry::Net(..) => None,
        })
    }
}

impl std::fmt::Display for AddressList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, entry) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match entry {
                AddressEntry::Net(ip, bits) if *bits == if ip.is_ipv4() { 32 } else { 128 } => {
                    write!(f, "{ip}")?
                }
                AddressEntry::Net(ip, bits) => write!(f, "{ip}/{bits}")?,
                AddressEntry::Host(h) => f.write_str(h)?,
            }
        }
        Ok(())
    }
}

/// Where the kernel lists this container's (or host's) IPv4 routes.
pub const ROUTE_TABLE: &str = "/proc/net/route";

/// Parses `SHARED_CLIENTS`: the syntax of `TRUSTED_PROXIES`, plus the keyword `gateway` for
/// the default route's gateway, read from `route_table` (the text of [`ROUTE_TABLE`]) only
/// when named. Under docker-compose that gateway is the Docker host, where every client that
/// comes through Docker's port proxy (`docker-proxy`, all of the host's own) appears.
pub fn parse_shared_clients(
    raw: &str,
    route_table: impl Fn() -> std::io::Result<String>,
) -> Result<AddressList, String> {
    let mut items = Vec::new();
    for item in raw.split(',').map(str::trim) {
        if item.eq_ignore_ascii_case("gateway") {
            let text =
                route_table().map_err(|e| format!("gateway: cannot read {ROUTE_TABLE}: {e}"))?;
            items.push(default_gateway(&text)?.to_string());
        } else {
            items.push(item.to_owned());
        }
    }
    AddressList::parse(&items.join(","))
}

/// The gateway of the default IPv4 route in the text of `/proc/net/route` (destination and
/// mask 0, flags up and gateway).
pub fn default_gateway(route_table: &str) -> Result<std::net::Ipv4Addr, String> {
    const RTF_UP_GATEWAY: u32 = 0x1 | 0x2;
    for line in route_table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let hex = |i: usize| fields.get(i).and_then(|f| u32::from_str_radix(f, 16).ok());
        if let (Some(0), Some(gateway), Some(flags), Some(0)) = (hex(1), hex(2), hex(3), hex(7))
            && flags & RTF_UP_GATEWAY == RTF_UP_GATEWAY
        {
            // The kernel prints the address as the host's integer of network-order bytes.
            return Ok(std::net::Ipv4Addr::from(gateway.to_ne_bytes()));
        }
    }
    Err(format!(
        "gateway: {ROUTE_TABLE} has no default route, so there is no gateway to name; list \
         the shared addresses instead (e.g. 172.18.0.1) or set SHARED_CLIENTS=none"
    ))
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn trusted_proxies_parse_and_match() {
        let t = TrustedProxies::loopback();
        assert!(t.contains_net(ip("127.0.0.1")));
        assert!(t.contains_net(ip("127.0.0.2")));
        assert!(t.contains_net(ip("::1")));
        assert!(t.contains_net(ip("::ffff:127.0.0.1")));
        assert!(!t.contains_net(ip("10.0.0.1")));
        assert!(!t.contains_net(ip("::2")));
        let t = TrustedProxies::parse("10.1.0.0/16, 192.168.5.7 ,nginx,fd00::/8").expect("list");
        assert!(t.contains_net(ip("10.1.200.3")));
        assert!(!t.contains_net(ip("10.2.0.1")));
        assert!(t.contains_net(ip("192.168.5.7")));
        assert!(!t.contains_net(ip("192.168.5.8")));
        assert!(t.contains_net(ip("fd12::1")));
        assert!(!t.contains_net(ip("127.0.0.1")));
        assert_eq!(t.hosts().collect::<Vec<_>>(), ["nginx"]);
        assert_eq!(
            TrustedProxies::parse("none").expect("none"),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .expect("all")
                .contains_net(ip("8.8.8.8"))
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
        assert!(list.contains_net(ip("172.18.0.1")));
        assert!(!list.contains_net(ip("172.18.0.2")));
        assert!(list.contains_net(ip("10.5.3.4")));
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
