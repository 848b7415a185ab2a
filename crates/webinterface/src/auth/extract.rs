//! Extractors: the roles ([`Viewer`], [`Operator`], [`Admin`]), so a handler cannot run
//! without the role it names; [`MaybeUser`] for public pages; [`RemoteAddr`] (the client, also behind a trusted proxy)
//! for rate limits.
//! A refusal is an [`Error`]: the API answers it as JSON, the page layer as HTML or a login
//! redirect.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use domain::store::users::Role;

use super::sessions::Authed;
use crate::config::TrustedProxies;
use crate::error::Error;
use crate::state::AppState;

fn role_check(parts: &Parts, need: Role) -> Result<Authed, Error> {
    let authed = parts
        .extensions
        .get::<Option<Authed>>()
        .cloned()
        .flatten()
        .ok_or(Error::Unauthorized)?;
    if authed.user.role < need {
        return Err(Error::Forbidden {
            have: authed.user.role.as_str(),
            need: need.as_str(),
        });
    }
    Ok(authed)
}

macro_rules! role_extractor {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name(pub Authed);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = Error;

            async fn from_request_parts(
                parts: &mut Parts,
                _state: &S,
            ) -> Result<Self, Self::Rejection> {
                role_check(parts, $role).map($name)
            }
        }
    };
}

role_extractor!(
    Viewer,
    Role::Viewer,
    "Any logged-in user (the `viewer` role or above)."
);
role_extractor!(
    Operator,
    Role::Operator,
    "A user who may start tests (`operator` or `admin`)."
);
role_extractor!(Admin, Role::Admin, "An `admin`.");

/// The user if logged in, without requiring it (the login page uses it).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Authed>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts.extensions.get::<Option<Authed>>().cloned().flatten(),
        ))
    }
}

/// The client's IP address (for the login rate limit), empty when unknown: the TCP peer,
/// or, when the peer is a trusted proxy (`TRUSTED_PROXIES`), the client it names
/// ([`client_addr`]).
#[derive(Debug, Clone)]
pub struct RemoteAddr(pub String);

impl FromRequestParts<AppState> for RemoteAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Self(String::new()));
        };
        let trusted = &state.config().trusted_proxies;
        let client = client_addr(peer.0.ip(), &parts.headers, trusted).await;
        Ok(Self(client.to_string()))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then `X-Real-IP`
/// when it holds one address (the project's nginx overwrites it with its own peer), else the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy (entries left of it were
/// written by the client and prove nothing); when every entry is trusted, the left-most.
pub async fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    let hosts = trusted.resolve_hosts().await;
    let is_trusted = |ip: IpAddr| trusted.contains_net(ip) || hosts.contains(&ip.to_canonical());
    if !is_trusted(peer) {
        return peer;
    }
    let real_ip = headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    if let Some(ip) = real_ip {
        return ip.to_canonical();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if is_trusted(ip) => nearest = ip,
            Ok(ip) => return ip,
            // Not an address: whatever is left of it is the client's word.
            Err(_) => return nearest,
        }
    }
    nearest
}

#[cfg(test)]
mod tests {
    use test_support::ip;

    use super::*;

    async fn client(peer: &str, real: Option<&str>, xff: &[&str], trusted: &str) -> String {
        let mut h = HeaderMap::new();
        if let Some(r) = real {
            h.insert("x-real-ip", r.parse().expect("header"));
        }
        for f in xff {
            h.append("x-forwarded-for", f.parse().expect("header"));
        }
        let t = TrustedProxies::parse(trusted).expect("trusted");
        client_addr(ip(peer), &h, &t).await.to_string()
    }

    /// The peer, X-Real-IP, the X-Forwarded-For headers, the trusted proxies and the client's
    /// address that follows from them.
    type Case = (
        &'static str,
        Option<&'static str>,
        &'static [&'static str],
        &'static str,
        &'static str,
    );

    #[tokio::test]
    async fn the_client_address_is_believed_only_from_trusted_proxies() {
        let lo = "127.0.0.0/8,::1";
        let proxies = "127.0.0.1,172.20.0.0/16";
        let cases: [Case; 10] = [
            // A direct client cannot choose its address.
            ("10.0.0.9", Some("1.2.3.4"), &["5.6.7.8"], lo, "10.0.0.9"),
            // Behind a trusted proxy: X-Real-IP first.
            ("127.0.0.1", Some("10.0.0.9"), &["5.6.7.8"], lo, "10.0.0.9"),
            // Else the right-most untrusted X-Forwarded-For entry; the client's own entries
            // are left of it and ignored.
            (
                "127.0.0.1",
                None,
                &["6.6.6.6, 10.0.0.9", "172.20.0.3"],
                proxies,
                "10.0.0.9",
            ),
            (
                "127.0.0.1",
                None,
                &["junk, 172.20.0.3"],
                proxies,
                "172.20.0.3",
            ),
            ("127.0.0.1", None, &["127.0.0.5"], lo, "127.0.0.5"),
            ("127.0.0.1", Some("not an ip"), &[], lo, "127.0.0.1"),
            // Nobody trusted: the peer, always.
            ("127.0.0.1", Some("10.0.0.9"), &[], "none", "127.0.0.1"),
            // IPv4-mapped peers count as IPv4; host names are looked up.
            ("::ffff:127.0.0.1", Some("10.0.0.9"), &[], lo, "10.0.0.9"),
            ("127.0.0.1", Some("10.0.0.9"), &[], "localhost", "10.0.0.9"),
            (
                "127.0.0.1",
                Some("10.0.0.9"),
                &[],
                "no-such-host.invalid",
                "127.0.0.1",
            ),
        ];
        for (peer, real, xff, trusted, want) in cases {
            let got = client(peer, real, xff, trusted).await;
            assert_eq!(
                got, want,
                "peer {peer}, X-Real-IP {real:?}, {xff:?}, trusting {trusted}"
            );
        }
    }
}
