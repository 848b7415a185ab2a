//! Lists of client addresses, CIDR ranges and host names from the environment: the proxies a
//! service believes (`TRUSTED_PROXIES`), the addresses many people share (`SHARED_CLIENTS`),
//! the proxies the relay serves many viewers through (`VIDEOSTREAM_PROXIES`).

use std::net::IpAddr;
use std::time::Duration;

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

impl AddressList {
    /// Loopback only.
    pub fn loopback() -> Self {
        Self::parse("127.0.0.0/8,::1").unwrap_or_default()
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

    /// Whether `ip` is in the list, its host names resolved now (each within a second).
    pub async fn contains(&self, ip: IpAddr) -> bool {
        self.contains_net(ip) || self.resolve_hosts().await.contains(&ip.to_canonical())
    }

    /// The addresses of the host name entries now.
    pub async fn resolve_hosts(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for host in self.hosts() {
            let lookup = tokio::net::lookup_host((host, 0));
            match tokio::time::timeout(Duration::from_secs(1), lookup).await {
                Ok(Ok(addrs)) => out.extend(addrs.map(|a| a.ip().to_canonical())),
                Ok(Err(e)) => {
                    tracing::debug!(host, error = %e, "a listed host name does not resolve")
                }
                Err(_) => tracing::debug!(host, "a listed host name's lookup timed out"),
            }
        }
        out
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

/// Parses a list (`SHARED_CLIENTS`, `VIDEOSTREAM_PROXIES`) with the keyword `gateway` for
/// the default route's gateway, read from `route_table` (the text of [`ROUTE_TABLE`]) only
/// when named. Under docker-compose that gateway is the Docker host, where every client that
/// comes through Docker's port proxy (`docker-proxy`, all of the host's own) appears.
pub fn parse_with_gateway(
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
         the addresses instead (e.g. 172.18.0.1) or set none"
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
