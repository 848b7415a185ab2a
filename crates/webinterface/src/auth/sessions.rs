//! Sessions: a login makes a random token, sent in a signed cookie and stored as its SHA-256
//! with a sliding expiry (`SESSION_HOURS`) capped by an absolute lifetime (`SESSION_MAX_DAYS`);
//! [`authenticate`] resolves the bearer token or session cookie once
//! per request and leaves the [`Authed`] user for the role extractors.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use domain::store::tokens::TokenCheck;
use domain::store::users::{Role, User};
use domain::store::{sessions, tokens, users};
use sha2::{Digest, Sha256};

use super::signing::{constant_eq, cookie, hmac_hex, secure};
use super::tokens::token_hash;
use crate::error::{Context, Error, Result};
use crate::i18n::Msg;
use crate::i18n::{Lang, Tr, negotiate};
use crate::msg;
use crate::page::{Layout, Nav};
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "standhub_session";

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
    Token {
        /// When the token expires (`None`: never); tokens it makes may not outlive it.
        expires_at: Option<chrono::DateTime<Utc>>,
    },
}

impl Via {
    /// The expiry of a token this request makes (`requested`; `None`: never). A request
    /// authenticated by a token that expires cannot make a token that outlives it, or a leaked
    /// short-lived token would be swapped for a lasting one: the new expiry is capped at the
    /// minting token's, and `never` is refused.
    pub fn new_token_expiry(
        &self,
        requested: Option<chrono::DateTime<Utc>>,
    ) -> std::result::Result<Option<chrono::DateTime<Utc>>, Msg> {
        let Self::Token {
            expires_at: Some(limit),
        } = self
        else {
            return Ok(requested);
        };
        match requested {
            Some(at) => Ok(Some(at.min(*limit))),
            None => Err(msg!(
                "auth-token-cannot-make-lasting",
                at = limit.format("%Y-%m-%d %H:%M").to_string()
            )),
        }
    }
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The user.
    pub user: User,
    /// How.
    pub via: Via,
    /// The language of the request's pages (set by [`authenticate`]: the user's choice, else
    /// the browser's, else the site's).
    pub t: Tr,
}

impl Authed {
    /// The CSRF token for forms (empty for token requests, which need none).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }

    /// The page layout with this user's menu.
    pub fn layout(&self) -> Layout {
        Layout::with_nav(
            self.t,
            Nav {
                username: self.user.username.clone(),
                role: self.user.role.as_str(),
                is_admin: self.user.role == Role::Admin,
                csrf: self.csrf().to_owned(),
            },
        )
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SessionData {
    user_id: i64,
}

/// The stored key of a session's cookie token.
pub(crate) fn session_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn csrf_for(state: &AppState, token: &str) -> String {
    hmac_hex(state, &[b"csrf", token.as_bytes()])
}

fn sign(state: &AppState, token: &str) -> String {
    let sig = hmac_hex(state, &[b"session", token.as_bytes()]);
    format!("{token}.{sig}")
}

fn unsign<'a>(state: &AppState, value: &'a str) -> Option<&'a str> {
    let (token, sig) = value.rsplit_once('.')?;
    let expected = hmac_hex(state, &[b"session", token.as_bytes()]);
    constant_eq(sig, &expected).then_some(token)
}

/// The idle expiry (`SESSION_HOURS`) and the absolute lifetime (`SESSION_MAX_DAYS`).
fn lifetimes(state: &AppState) -> (chrono::Duration, chrono::Duration) {
    let config = state.config();
    (
        chrono::Duration::hours(i64::from(config.session_hours)),
        chrono::Duration::days(i64::from(config.session_max_days)),
    )
}

/// Starts a session for `user`; returns the cookie to set.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
) -> Result<Cookie<'static>> {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let data = serde_json::to_vec(&SessionData { user_id: user.id })
        .context("encoding the session data")?;
    let (idle, max) = lifetimes(state);
    let expiry = Utc::now() + idle.min(max);
    sessions::create(state.pool(), &session_key(&token), user.id, &data, expiry).await?;
    let mut c = cookie(SESSION_COOKIE, sign(state, &token), secure(state, headers));
    c.set_max_age(time::Duration::seconds(idle.min(max).num_seconds()));
    Ok(c)
}

/// Ends the session of `authed` (if it came from a session); returns the cookie removal.
pub async fn end_session(state: &AppState, authed: &Authed) -> Result<Cookie<'static>> {
    if let Via::Session { token, .. } = &authed.via {
        sessions::delete(state.pool(), &session_key(token)).await?;
    }
    let mut c = cookie(SESSION_COOKIE, String::new(), false);
    c.make_removal();
    Ok(c)
}

async fn from_session(state: &AppState, value: &str) -> Result<Option<Authed>> {
    let Some(token) = unsign(state, value) else {
        return Ok(None);
    };
    let key = session_key(token);
    let (idle, max) = lifetimes(state);
    let now = Utc::now();
    let Some(stored) = sessions::load(state.pool(), &key, now - max).await? else {
        return Ok(None);
    };
    let Ok(data) = serde_json::from_slice::<SessionData>(&stored.data) else {
        return Ok(None);
    };
    let Some(user) = users::by_id(state.pool(), data.user_id).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    // Sliding expiry, written at most once per half session so reads stay reads, and never
    // past the absolute lifetime.
    let end = stored.created_at + max;
    if stored.expiry_date - now < idle / 2 && stored.expiry_date < end {
        sessions::extend(state.pool(), &key, (now + idle).min(end)).await?;
    }
    Ok(Some(Authed {
        user,
        via: Via::Session {
            csrf: csrf_for(state, token),
            token: token.to_owned(),
        },
        t: Tr::english(),
    }))
}

/// Middleware: resolves the bearer token or session cookie once per request and leaves the
/// result (`Option<Authed>`) in the request's extensions for the role extractors; the user
/// goes into the request's span.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let authed = match resolve(&state, req.headers()).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let chosen = authed
        .as_ref()
        .and_then(|a| a.user.language.as_deref())
        .and_then(Lang::parse);
    let t = language(&state, chosen, req.headers());
    let authed = authed.map(|a| {
        tracing::Span::current().record("user", a.user.username.as_str());
        Authed { t, ..a }
    });
    req.extensions_mut().insert(authed);
    req.extensions_mut().insert(t);
    next.run(req).await
}

/// The language of a request's pages: `chosen` (the user's), else the browser's
/// `Accept-Language`, else `DEFAULT_LANGUAGE`; times in `TIME_ZONE`.
pub fn language(state: &AppState, chosen: Option<Lang>, headers: &HeaderMap) -> Tr {
    let config = state.config();
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = negotiate(
        chosen,
        accept,
        config.default_language,
        config.pseudo_locale,
    );
    Tr::new(lang, config.time_zone)
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Authed>> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthorized)?;
        // A wrong token is an error even on public routes: the caller meant to log in.
        return match tokens::check(state.pool(), &token_hash(token)).await? {
            TokenCheck::Valid { user, expires_at } => Ok(Some(Authed {
                user,
                via: Via::Token { expires_at },
                t: Tr::english(),
            })),
            TokenCheck::Unknown => Err(Error::Unauthorized),
            TokenCheck::Expired(at) => Err(Error::TokenRefused(msg!(
                "auth-token-expired",
                at = at.format("%Y-%m-%d %H:%M").to_string()
            ))),
            TokenCheck::Revoked => Err(Error::TokenRefused(msg!("auth-token-revoked"))),
            TokenCheck::Inactive => Err(Error::TokenRefused(msg!("auth-token-inactive"))),
        };
    }
    let jar = CookieJar::from_headers(headers);
    match jar.get(SESSION_COOKIE) {
        Some(c) => from_session(state, c.value()).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_that_expires_makes_none_that_outlives_it() {
        let now = Utc::now();
        let limit = now + chrono::Duration::hours(1);
        let by_token = Via::Token {
            expires_at: Some(limit),
        };
        let later = Some(now + chrono::Duration::days(90));
        let sooner = Some(now + chrono::Duration::minutes(5));
        assert_eq!(by_token.new_token_expiry(later), Ok(Some(limit)));
        assert_eq!(by_token.new_token_expiry(sooner), Ok(sooner));
        let refused = by_token.new_token_expiry(None).expect_err("never");
        assert!(refused.english().contains("never expires"), "{refused}");

        let lasting = Via::Token { expires_at: None };
        assert_eq!(lasting.new_token_expiry(None), Ok(None));
        let session = Via::Session {
            csrf: String::new(),
            token: String::new(),
        };
        assert_eq!(session.new_token_expiry(None), Ok(None));
        assert_eq!(session.new_token_expiry(later), Ok(later));
    }
}
