//! Who may do what: installing a camera takes an admin's API token (`Authorization: Bearer …`
//! from `webinterface createtoken`, checked against the same `api_tokens` table and hashing as
//! the web interface); watching takes the signed link the web interface's stand page embeds
//! ([`domain::signing`]). The settings `VIDEOSTREAM_OPEN_INSTALL` and `VIDEOSTREAM_PUBLIC_VIEW`
//! open either to everyone, as the old relay was.

use axum::http::{HeaderMap, header};
use domain::signing::{self, LinkError};
use domain::store::tokens;
use domain::store::users::Role;

use crate::AppState;
use crate::error::Error;

/// The query of the stream and page routes: the signed link's expiry and signature.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LinkQuery {
    /// Unix time after which the link is refused.
    pub exp: Option<String>,
    /// HMAC of the stand and `exp` with `SECRET_KEY`.
    pub sig: Option<String>,
}

impl LinkQuery {
    /// The query to put on the links of a page opened with this one (the viewer page's image).
    pub fn to_query(&self) -> Option<String> {
        match (&self.exp, &self.sig) {
            (Some(exp), Some(sig)) => {
                Some(format!("exp={}&sig={}", url_escape(exp), url_escape(sig)))
            }
            _ => None,
        }
    }
}

/// Keeps only characters that need no escaping in a query value (a valid `exp` and `sig` are
/// digits and hex): anything else cannot verify anyway.
fn url_escape(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Checks that the caller may watch `stand`.
pub fn check_viewer(state: &AppState, stand: &str, link: &LinkQuery) -> Result<(), Error> {
    let settings = state.settings();
    if settings.public_view {
        return Ok(());
    }
    let Some(key) = &settings.secret_key else {
        return Err(Error::Link(LinkError::Missing));
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    signing::verify_stream_link(
        key.expose().as_bytes(),
        stand,
        link.exp.as_deref(),
        link.sig.as_deref(),
        now,
    )
    .map_err(Error::Link)
}

/// Checks that the caller is an admin (by API token), unless the install API is open.
pub async fn check_admin(state: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    if state.settings().open_install {
        return Ok(());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or(Error::Unauthorized)?;
    let user = tokens::user_for(&state.pool, &tokens::hash(token))
        .await?
        .ok_or(Error::Unauthorized)?;
    if user.role < Role::Admin {
        return Err(Error::Forbidden);
    }
    tracing::info!(user = %user.username, "install API used");
    Ok(())
}
