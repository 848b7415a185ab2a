//! Which addresses a camera may be fetched from, so that a camera URL cannot make the relay a
//! scanner of the lab's (or the stack's own) internal services.
//!
//! A camera's host name is resolved first and every address it resolves to is checked; the
//! caller then connects only to the checked addresses ([`CheckedCamera::addrs`]), so a DNS
//! answer that changes between check and connect (rebinding) cannot get around the check.
//! Refused: loopback, unspecified, link-local (`169.254.0.0/16`, `fe80::/10`, cloud metadata
//! `169.254.169.254`), the IPv6 metadata address `fd00:ec2::254`, multicast and broadcast, and
//! the host:ports of the stack's own services (database, broker, web interface, relay). Private
//! LAN ranges stay allowed: that is where cameras live. `CAMERA_ALLOWED_NETWORKS` narrows
//! further to a list of networks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use crate::camera::CameraUrl;

/// A network in CIDR notation (`10.0.0.0/8`, `fd12::/16`); a bare address is a `/32` or `/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address or network (e.g. 10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl Network {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a comma- or space-separated list of networks (`CAMERA_ALLOWED_NETWORKS`).
pub fn parse_networks(list: &str) -> Result<Vec<Network>, String> {
    list.split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The IPv6 address of the cloud metadata service (AWS's Nitro instances).
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// Why an address is never a camera's, or `None` when it may be one. `allow_loopback` is for a
/// camera simulator on the same machine (development and the native test).
pub fn forbidden_reason(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            if v4 == Ipv4Addr::new(169, 254, 169, 254) {
                Some("the cloud metadata address")
            } else if v4.is_loopback() {
                (!allow_loopback).then_some("a loopback address (this machine)")
            } else if v4.is_unspecified() || v4.octets()[0] == 0 {
                Some("an unspecified address (this machine)")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if v4.is_multicast() || v4.is_broadcast() {
                Some("a multicast or broadcast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if v6 == METADATA_V6 {
                Some("the cloud metadata address")
            } else if v6.is_loopback() {
                (!allow_loopback).then_some("a loopback address (this machine)")
            } else if v6.is_unspecified() {
                Some("an unspecified address (this machine)")
            } else if v6.is_unicast_link_local() {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

/// One of the stack's own services, as the configuration names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnService {
    /// What it is (for the refusal message): "the database", "the MQTT broker", …
    pub what: &'static str,
    /// Its host as configured; `None` for a service listening on every address (`0.0.0.0`),
    /// whose port is then refused on any host.
    pub host: Option<String>,
    /// Its port.
    pub port: u16,
}

/// The rules a camera address must pass.
#[derive(Debug, Clone, Default)]
pub struct CameraPolicy {
    /// When not empty, a camera's addresses must all lie in one of these networks.
    pub allowed_networks: Vec<Network>,
    /// The stack's own services: never a camera.
    pub own_services: Vec<OwnService>,
    /// Allows loopback cameras (a simulator on this machine); off by default.
    pub allow_loopback: bool,
}

/// Why a camera URL may not be fetched. The messages name the host, never the whole URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraRefused {
    /// The URL has no host or port the relay can use.
    #[error("the camera URL has no usable host")]
    NoHost,
    /// The host name does not resolve.
    #[error("the camera's host {host:?} cannot be resolved: {cause}")]
    Unresolvable {
        /// The host name.
        host: String,
        /// The resolver's answer.
        cause: String,
    },
    /// An address is not allowed.
    #[error(
        "the camera's host {host:?} resolves to {addr}, which is {reason}: not allowed for a camera"
    )]
    Address {
        /// The host as given.
        host: String,
        /// The refused address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
}

/// A camera URL whose every address passed the policy: connect only to these.
#[derive(Debug, Clone)]
pub struct CheckedCamera {
    /// The host as in the URL (for the `Host` header and TLS), without brackets.
    pub host: String,
    /// The checked addresses with the URL's port.
    pub addrs: Vec<SocketAddr>,
}

impl CameraPolicy {
    /// Why `addr` is refused, given the own services' resolved addresses, or `None`.
    pub fn refusal(
        &self,
        addr: SocketAddr,
        own: &[(&'static str, Option<SocketAddr>, u16)],
    ) -> Option<String> {
        let ip = addr.ip().to_canonical();
        if let Some(reason) = forbidden_reason(ip, self.allow_loopback) {
            return Some(reason.to_owned());
        }
        for (what, service, port) in own {
            let same = match service {
                Some(s) => s.ip().to_canonical() == ip && s.port() == addr.port(),
                None => *port == addr.port(),
            };
            if same {
                return Some(format!("{what} of this stack"));
            }
        }
        if !self.allowed_networks.is_empty()
            && !self.allowed_networks.iter().any(|n| n.contains(ip))
        {
            return Some("outside CAMERA_ALLOWED_NETWORKS".to_owned());
        }
        None
    }

    /// Resolves the camera's host and checks every address; see the module documentation.
    pub async fn check(&self, url: &CameraUrl) -> Result<CheckedCamera, CameraRefused> {
        let parsed = url::Url::parse(url.as_str()).map_err(|_| CameraRefused::NoHost)?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(CameraRefused::NoHost)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = parsed
            .port_or_known_default()
            .ok_or(CameraRefused::NoHost)?;
        let addrs = resolve(&host, port).await?;
        let own = self.own_addresses().await;
        for addr in &addrs {
            if let Some(reason) = self.refusal(*addr, &own) {
                return Err(CameraRefused::Address {
                    host,
                    addr: *addr,
                    reason,
                });
            }
        }
        Ok(CheckedCamera { host, addrs })
    }

    /// The own services' addresses now (names resolved; one that does not resolve cannot be
    /// reached by a camera URL either, so it is left out).
    async fn own_addresses(&self) -> Vec<(&'static str, Option<SocketAddr>, u16)> {
        let mut out = Vec::new();
        for s in &self.own_services {
            match &s.host {
                None => out.push((s.what, None, s.port)),
                Some(host) => {
                    if let Ok(addrs) = resolve(host, s.port).await {
                        out.extend(addrs.into_iter().map(|a| (s.what, Some(a), s.port)));
                    }
                }
            }
        }
        out
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, CameraRefused> {
    let unresolvable = |cause: String| CameraRefused::Unresolvable {
        host: host.to_owned(),
        cause,
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| unresolvable(e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(unresolvable("no address".into()));
    }
    Ok(addrs)
}

/// An own service from a `host:port` bind address (`0.0.0.0` and `::` mean any host).
pub fn own_service_from_bind(what: &'static str, bind: SocketAddr) -> OwnService {
    OwnService {
        what,
        host: (!bind.ip().is_unspecified()).then(|| bind.ip().to_string()),
        port: bind.port(),
    }
}

/// An own service from a URL (`postgres://user:pw@db:5432/x`, `mqtt://broker:8000`), with the
/// default port when the URL has none; `None` when the URL names no host.
pub fn own_service_from_url(
    what: &'static str,
    raw: &str,
    default_port: u16,
) -> Option<OwnService> {
    let url = url::Url::parse(raw).ok()?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let host = match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => None,
        _ => Some(host),
    };
    Some(OwnService {
        what,
        host,
        port: url.port().unwrap_or(default_port),
    })
}

#[cfg(test)]
mod tests {
    use test_support::ip;

    use super::*;

    #[test]
    fn forbidden_addresses() {
        for bad in [
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "::",
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "169.254.1.1",
            "fe80::1",
            "fd00:ec2::254",
            "224.0.0.1",
            "255.255.255.255",
            "ff02::1",
        ] {
            assert!(forbidden_reason(ip(bad), false).is_some(), "{bad}");
        }
        for ok in [
            "10.0.0.7",
            "192.168.1.20",
            "172.16.0.5",
            "8.8.8.8",
            "fd12::7",
        ] {
            assert_eq!(forbidden_reason(ip(ok), false), None, "{ok}");
        }
        assert_eq!(forbidden_reason(ip("127.0.0.1"), true), None);
        assert!(forbidden_reason(ip("169.254.169.254"), true).is_some());
    }

    #[test]
    fn networks_parse_and_match() {
        let nets = parse_networks("10.0.0.0/8, 192.168.5.7 fd00::/8").expect("parse");
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(ip("10.200.1.1")));
        assert!(!nets[0].contains(ip("11.0.0.1")));
        assert!(nets[0].contains(ip("::ffff:10.0.0.1")));
        assert!(nets[1].contains(ip("192.168.5.7")) && !nets[1].contains(ip("192.168.5.8")));
        assert!(nets[2].contains(ip("fd12::1")) && !nets[2].contains(ip("fe80::1")));
        assert!(
            "0.0.0.0/0"
                .parse::<Network>()
                .expect("any")
                .contains(ip("1.2.3.4"))
        );
        for bad in ["10.0.0.0/33", "x", "10.0.0.0/", "fd00::/129"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }

    #[test]
    fn own_services_are_refused_and_networks_narrow() {
        let policy = CameraPolicy {
            allowed_networks: parse_networks("10.0.0.0/8").expect("nets"),
            own_services: vec![],
            allow_loopback: false,
        };
        let own = [
            (
                "the database",
                Some(SocketAddr::from(([10, 0, 0, 2], 5432))),
                5432,
            ),
            ("the relay", None, 5555),
        ];
        let at = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert!(policy.refusal(at("10.0.0.2:5432"), &own).is_some());
        assert!(policy.refusal(at("10.0.0.9:5555"), &own).is_some());
        assert_eq!(policy.refusal(at("10.0.0.2:80"), &own), None);
        assert!(policy.refusal(at("192.168.1.1:80"), &own).is_some());
    }

    #[test]
    fn own_services_from_config() {
        let db = own_service_from_url("the database", "postgres://u:p@db:6543/x", 5432);
        assert_eq!(
            db.map(|s| (s.host, s.port)),
            Some((Some("db".into()), 6543))
        );
        let any = own_service_from_bind("the relay", "0.0.0.0:5555".parse().expect("bind"));
        assert_eq!((any.host, any.port), (None, 5555));
    }

    #[tokio::test]
    async fn names_are_checked_after_resolution() {
        let policy = CameraPolicy::default();
        let url = CameraUrl::parse("http://localhost:8080/video").expect("url");
        let e = policy.check(&url).await.expect_err("localhost is loopback");
        assert!(matches!(e, CameraRefused::Address { .. }), "{e}");
        let url = CameraUrl::parse("http://10.1.2.3/video").expect("url");
        let ok = policy.check(&url).await.expect("a LAN camera");
        assert_eq!(
            ok.addrs,
            vec!["10.1.2.3:80".parse::<SocketAddr>().expect("addr")]
        );
    }
}
