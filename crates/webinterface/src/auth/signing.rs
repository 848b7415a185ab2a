//! HMAC signatures with `SECRET_KEY`, constant-time comparison, and the cookie settings
//! shared by the session and login cookies.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::state::AppState;

/// HMAC-SHA256 of `parts` (each followed by a zero byte) under `state`'s secret key, in hex
/// (the one implementation is `domain::signing`, shared with the video relay).
pub fn hmac_hex(state: &AppState, parts: &[&[u8]]) -> String {
    domain::signing::hmac_hex(state.config().secret_key.expose().as_bytes(), parts)
}

pub use domain::signing::constant_eq;

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
