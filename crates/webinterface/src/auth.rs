//! Who is asking, and may they: passwords, sessions, API tokens, CSRF and roles.
//!
//! - Passwords are argon2id PHC strings.
//! - A login makes a session: a random token in an `HttpOnly`, `SameSite=Lax` cookie, signed
//!   with `SECRET_KEY`; the `sessions` table holds only the token's SHA-256, so a copy of the
//!   table cannot be replayed.
//! - API tokens (`Authorization: Bearer …`) are random, shown once, stored as SHA-256.
//! - CSRF: every state-changing request made with a session cookie must carry the session's
//!   CSRF token (form field `csrf` or header `X-CSRF-Token`); [`csrf_guard`] checks this for
//!   every route, so no form can forget it. The login form uses a signed double-submit cookie.
//! - Roles are extractors ([`Viewer`], [`Operator`], [`Admin`]): a handler cannot run without
//!   the role it names.
//! - Failed logins are counted per user name and per address ([`check_rate_limit`]).

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use domain::store::users::{Role, User};
use domain::store::{login_attempts, sessions, tokens, users};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, PageError};
use crate::{AppState, pages};

/// The session cookie.
pub const SESSION_COOKIE: &str = "standhub_session";
/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "standhub_login";
/// The header carrying the CSRF token for API calls made with a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Failed logins for one user name within [`RATE_WINDOW_MINUTES`] before logins are refused.
pub const MAX_FAILURES_PER_USER: i64 = 5;
/// Failed logins from one address within the window before logins are refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// The rate-limiting window.
pub const RATE_WINDOW_MINUTES: i64 = 15;
/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------------------------
// Passwords and tokens

/// Why a password cannot be set or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_PASSWORD_LEN`].
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password into an argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody has, checked when the user does not exist so that a login for
/// an unknown name takes as long as one for a known name.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash_password(&hex::encode(random)).unwrap_or_default()
    })
}

/// A new random token and the hash to store for it.
pub fn new_api_token() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("sht_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored hash of an API token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Makes an API token for a user; returns the token (shown once).
pub async fn create_token(
    state_pool: &sqlx::PgPool,
    user: &User,
    name: &str,
) -> Result<String, domain::store::StoreError> {
    let (token, hash) = new_api_token();
    tokens::create(state_pool, user.id, name, &hash).await?;
    Ok(token)
}

fn hmac_hex(key: &str, parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    for part in parts {
        mac.update(part);
        mac.update(b"\x00");
    }
    hex::encode(mac.finalize().into_bytes())
}

fn constant_eq(a: &str, b: &str) -> bool {
    use subtle_eq::ct_eq;
    ct_eq(a.as_bytes(), b.as_bytes())
}

mod subtle_eq {
    //! Constant-time comparison of tokens, so timing does not reveal how much matched.
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// How a request was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A session cookie; carries the session's CSRF token and its cookie token.
    Session {
        /// The token forms and API calls must echo.
        csrf: String,
        /// The cookie's token (to end the session at logout).
        token: String,
    },
    /// An API bearer token (no ambient credential, so no CSRF check).
    Token,
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The user.
    pub user: User,
    /// How.
    pub via: Via,
}

impl Authed {
    /// The CSRF token for forms (empty for token requests, which need none).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token => "",
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SessionData {
    user_id: i64,
}

fn session_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn csrf_for(state: &AppState, token: &str) -> String {
    hmac_hex(
        state.config().secret_key.expose(),
        &[b"csrf", token.as_bytes()],
    )
}

fn sign(state: &AppState, token: &str) -> String {
    let sig = hmac_hex(
        state.config().secret_key.expose(),
        &[b"session", token.as_bytes()],
    );
    format!("{token}.{sig}")
}

fn unsign<'a>(state: &AppState, value: &'a str) -> Option<&'a str> {
    let (token, sig) = value.rsplit_once('.')?;
    let expected = hmac_hex(
        state.config().secret_key.expose(),
        &[b"session", token.as_bytes()],
    );
    constant_eq(sig, &expected).then_some(token)
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().cookie_secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// Starts a session for `user`; returns the cookie to set.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
) -> Result<Cookie<'static>, Error> {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let data = serde_json::to_vec(&SessionData { user_id: user.id })
        .map_err(|e| Error::Internal(e.into()))?;
    let expiry = Utc::now() + chrono::Duration::hours(i64::from(state.config().session_hours));
    sessions::create(state.pool(), &session_key(&token), &data, expiry).await?;
    let mut c = cookie(SESSION_COOKIE, sign(state, &token), secure(state, headers));
    c.set_max_age(time_hours(state.config().session_hours));
    Ok(c)
}

fn time_hours(hours: u32) -> time::Duration {
    time::Duration::hours(i64::from(hours))
}

/// Ends the session of `authed` (if it came from a session); returns the cookie removal.
pub async fn end_session(state: &AppState, authed: &Authed) -> Result<Cookie<'static>, Error> {
    if let Via::Session { token, .. } = &authed.via {
        sessions::delete(state.pool(), &session_key(token)).await?;
    }
    let mut c = cookie(SESSION_COOKIE, String::new(), false);
    c.make_removal();
    Ok(c)
}

async fn from_session(state: &AppState, value: &str) -> Result<Option<Authed>, Error> {
    let Some(token) = unsign(state, value) else {
        return Ok(None);
    };
    let key = session_key(token);
    let Some((data, expiry)) = sessions::load(state.pool(), &key).await? else {
        return Ok(None);
    };
    let Ok(data) = serde_json::from_slice::<SessionData>(&data) else {
        return Ok(None);
    };
    let Some(user) = users::by_id(state.pool(), data.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    // Sliding expiry, written at most once per half session so reads stay reads.
    let length = chrono::Duration::hours(i64::from(state.config().session_hours));
    if expiry - Utc::now() < length / 2 {
        sessions::extend(state.pool(), &key, Utc::now() + length).await?;
    }
    Ok(Some(Authed {
        user,
        via: Via::Session {
            csrf: csrf_for(state, token),
            token: token.to_owned(),
        },
    }))
}

/// Middleware: resolves the bearer token or session cookie once per request and leaves the
/// result (`Option<Authed>`) in the request's extensions for the role extractors.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let authed = match resolve(&state, req.headers()).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if let Some(a) = &authed {
        tracing::Span::current().record("user", a.user.username.as_str());
    }
    req.extensions_mut().insert(authed);
    next.run(req).await
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Authed>, Error> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthorized)?;
        return match tokens::user_for(state.pool(), &token_hash(token)).await? {
            Some(user) => Ok(Some(Authed {
                user,
                via: Via::Token,
            })),
            // A wrong token is an error even on public routes: the caller meant to log in.
            None => Err(Error::Unauthorized),
        };
    }
    let jar = CookieJar::from_headers(headers);
    match jar.get(SESSION_COOKIE) {
        Some(c) => from_session(state, c.value()).await,
        None => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// CSRF

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Forms are small; anything larger is not a form of ours.
const FORM_LIMIT: usize = 1 << 20;

/// Middleware: refuses state-changing requests made with a session cookie that do not carry
/// the session's CSRF token, and login posts without the login form's token.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let authed = req.extensions().get::<Option<Authed>>().cloned().flatten();
    let expected = if req.uri().path() == "/login" {
        let jar = CookieJar::from_headers(req.headers());
        jar.get(LOGIN_COOKIE).map(|c| login_csrf(&state, c.value()))
    } else {
        match authed.as_ref().map(|a| &a.via) {
            Some(Via::Session { csrf, .. }) => Some(csrf.clone()),
            // Bearer tokens are not sent by browsers on their own; unauthenticated requests
            // are refused by the role extractors.
            Some(Via::Token) | None => return next.run(req).await,
        }
    };
    let refuse = || -> Response {
        if api {
            Error::Csrf.into_response()
        } else {
            PageError(Error::Csrf).into_response()
        }
    };
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
        return Error::BadRequest("the form is too large".into()).into_response();
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
    hmac_hex(
        state.config().secret_key.expose(),
        &[b"login", nonce.as_bytes()],
    )
}

/// A fresh double-submit cookie for the login form, and the token the form must carry.
pub fn login_form_token(state: &AppState, headers: &HeaderMap) -> (Cookie<'static>, String) {
    let bytes: [u8; 16] = rand::random();
    let nonce = URL_SAFE_NO_PAD.encode(bytes);
    let token = login_csrf(state, &nonce);
    (cookie(LOGIN_COOKIE, nonce, secure(state, headers)), token)
}

// ---------------------------------------------------------------------------------------------
// Login

/// The peer's IP address (for rate limiting), empty when unknown.
#[derive(Debug, Clone)]
pub struct RemoteAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RemoteAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        ))
    }
}

/// Refuses a login when the user name or address failed too often recently.
pub async fn check_rate_limit(state: &AppState, username: &str, remote: &str) -> Result<(), Error> {
    let since = Utc::now() - chrono::Duration::minutes(RATE_WINDOW_MINUTES);
    let (by_user, by_address) =
        login_attempts::failures_since(state.pool(), username, remote, since).await?;
    if by_user >= MAX_FAILURES_PER_USER || by_address >= MAX_FAILURES_PER_ADDRESS {
        tracing::warn!(
            username,
            remote,
            by_user,
            by_address,
            "login rate limit hit"
        );
        return Err(Error::TooManyAttempts {
            minutes: RATE_WINDOW_MINUTES,
        });
    }
    Ok(())
}

/// Checks a user name and password (rate-limited, recorded); returns the user.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    remote: &str,
) -> Result<User, Error> {
    check_rate_limit(state, username, remote).await?;
    let user = users::by_username(state.pool(), username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let ok = matches && user.as_ref().is_some_and(|u| u.active);
    login_attempts::record(state.pool(), username, remote, ok).await?;
    match user {
        Some(user) if ok => {
            users::touch_login(state.pool(), user.id).await?;
            Ok(user)
        }
        _ => Err(Error::Unauthorized),
    }
}

// ---------------------------------------------------------------------------------------------
// Role extractors

fn role_check(parts: &Parts, need: Role) -> Result<Authed, AuthRejection> {
    let api = parts.uri.path().starts_with("/api/")
        || parts.uri.path() == "/events"
        || parts.uri.path() == "/metrics";
    let authed = parts
        .extensions
        .get::<Option<Authed>>()
        .cloned()
        .flatten()
        .ok_or(AuthRejection {
            api,
            error: Error::Unauthorized,
            path: parts.uri.path().to_owned(),
        })?;
    if authed.user.role < need {
        return Err(AuthRejection {
            api,
            error: Error::Forbidden {
                have: authed.user.role.as_str(),
                need: need.as_str(),
            },
            path: parts.uri.path().to_owned(),
        });
    }
    Ok(authed)
}

/// Why a role extractor refused: JSON for the API, a login redirect or HTML page otherwise.
#[derive(Debug)]
pub struct AuthRejection {
    api: bool,
    error: Error,
    path: String,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        if self.api {
            return self.error.into_response();
        }
        if matches!(self.error, Error::Unauthorized) {
            return pages::login_redirect(&self.path);
        }
        PageError(self.error).into_response()
    }
}

macro_rules! role_extractor {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name(pub Authed);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = AuthRejection;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_api_token();
        let (b, _) = new_api_token();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
        assert!(a.starts_with("sht_") && a.len() > 40);
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }
}
