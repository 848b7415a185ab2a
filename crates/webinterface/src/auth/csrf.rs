//! CSRF: [`session_guard`] refuses state-changing requests made with a session cookie that do
//! not carry the session's token (header `X-CSRF-Token` or form field `csrf`); [`login_guard`]
//! checks the login form's signed double-submit cookie. `lib.rs` layers one of them on every
//! route group.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::sessions::{Authed, Via};
use super::signing::{constant_eq, cookie, hmac_hex, secure};
use crate::error::Error;
use crate::state::AppState;

/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "standhub_login";
/// The header carrying the CSRF token for API calls made with a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Forms are small; anything larger is not a form of ours.
const FORM_LIMIT: usize = 1 << 20;

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware: a state-changing request made with a session cookie must carry the session's
/// CSRF token. Bearer tokens are not sent by browsers on their own, and unauthenticated
/// requests are refused by the role extractors.
pub async fn session_guard(req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let expected = match req.extensions().get::<Option<Authed>>() {
        Some(Some(Authed {
            via: Via::Session { csrf, .. },
            ..
        })) => csrf.clone(),
        _ => return next.run(req).await,
    };
    check(Some(expected), req, next).await
}

/// Middleware of the login form: a post must carry the token of its double-submit cookie.
pub async fn login_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let jar = CookieJar::from_headers(req.headers());
    let expected = jar.get(LOGIN_COOKIE).map(|c| login_csrf(&state, c.value()));
    check(expected, req, next).await
}

async fn check(expected: Option<String>, req: Request, next: Next) -> Response {
    let refuse = || Error::Csrf.into_response();
    let Some(expected) = expected else {
        return refuse();
    };
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_eq(sent, &expected) {
            next.run(req).await
        } else {
            refuse()
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return Error::BadRequest(crate::msg!("auth-form-too-large")).into_response();
    };
    let sent = form_urlencoded_field(&bytes, "csrf");
    if !sent.is_some_and(|s| constant_eq(&s, &expected)) {
        return refuse();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The login form's token for a double-submit cookie value.
pub fn login_csrf(state: &AppState, nonce: &str) -> String {
    hmac_hex(state, &[b"login", nonce.as_bytes()])
}

/// A fresh double-submit cookie for the login form, and the token the form must carry.
pub fn login_form_token(state: &AppState, headers: &HeaderMap) -> (Cookie<'static>, String) {
    let bytes: [u8; 16] = rand::random();
    let nonce = URL_SAFE_NO_PAD.encode(bytes);
    let token = login_csrf(state, &nonce);
    (cookie(LOGIN_COOKIE, nonce, secure(state, headers)), token)
}
