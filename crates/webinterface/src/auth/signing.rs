//! HMAC signatures with `SECRET_KEY`, constant-time comparison, and the cookie settings
//! shared by the session and login cookies.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::state::AppState;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `parts` (each followed by a zero byte) under `state`'s secret key, in hex.
pub fn hmac_hex(state: &AppState, parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut mac = match HmacSha256::new_from_slice(state.config().secret_key.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    for part in parts {
        mac.update(part);
        mac.update(b"\x00");
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Compares tokens in constant time, so timing does not reveal how much matched.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether cookies must be `Secure`: configured so, or the proxy says the request was HTTPS.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().cookie_secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// An `HttpOnly`, `SameSite=Lax` cookie for the whole site.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_compare() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }
}
