//! Request and response helpers the features share: the JSON body, query and path extractors
//! whose refusals are our JSON errors (body and query also refuse NUL characters, which
//! PostgreSQL cannot store), [`Found`]: the thing an API path names or its JSON 404, parsing a
//! stand id from a path and finding the stand, and the JSON 404 of unknown API paths (`/api`
//! and `/api/` included).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use domain::StandId;
use domain::stand_id::StandIdError;
use domain::store::stands::{self, StandView};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::msg;
use crate::routes::{PUBLIC, Routes};
use crate::state::AppState;

/// `Json` whose refusals are JSON errors with the reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Parsed as a value first, so text the database cannot store is refused before the
        // handler sees it.
        let value = match Json::<Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            // Over axum's default body limit (2 MB): a 413 that says so, not a 400 with the
            // framework's text.
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Error::TooLarge(msg!("api-body-too-large")));
            }
            Err(e) => {
                return Err(Error::BadRequest(match e {
                    JsonRejection::MissingJsonContentType(_) => msg!("api-body-not-json"),
                    other => msg!("api-body-refused", reason = other.body_text()),
                }));
            }
        };
        if has_nul(&value) {
            return Err(nul_refused());
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|e| Error::BadRequest(msg!("api-body-does-not-fit", reason = e.to_string())))
    }
}

/// `Query` whose refusals are JSON errors with the reason.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if url::form_urlencoded::parse(query.as_bytes())
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_refused());
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e| Error::BadRequest(msg!("api-query-refused", reason = e.body_text())))
    }
}

/// `Path` whose refusals are JSON 400s with the reason: a segment that is not UTF-8 once
/// percent-decoded (`/api/stands/%FF`), or not of the type the route takes
/// (`/api/results/abc`).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(Self(v)),
            // A route whose placeholders do not fit its handler: our bug, not the caller's.
            Err(e) if e.status().is_server_error() => Err(Error::internal(
                "path parameters",
                anyhow::anyhow!(e.body_text()),
            )),
            Err(e) => Err(Error::BadRequest(msg!(
                "api-path-does-not-fit",
                reason = e.body_text()
            ))),
        }
    }
}

/// A thing an API path names by its id: a stand, a result, a run, a template version.
pub trait Lookup: Sized + Send {
    /// The id as the path holds it.
    type Id: DeserializeOwned + Send;

    /// The thing with this id, or [`Error::NotFound`] naming the id.
    fn find(state: &AppState, id: Self::Id) -> impl Future<Output = Result<Self>> + Send;
}

/// The thing the path names (see [`Lookup`]), or its JSON 404; a path that does not fit is the
/// JSON 400 of [`ApiPath`]. Put it after the role, so who may ask is checked first.
pub struct Found<T>(pub T);

impl<T: Lookup> FromRequestParts<AppState> for Found<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ApiPath(id) = ApiPath::<T::Id>::from_request_parts(parts, state).await?;
        T::find(state, id).await.map(Self)
    }
}

impl Lookup for StandView {
    type Id = String;

    async fn find(state: &AppState, id: String) -> Result<Self> {
        find_stand(state, &id).await
    }
}

fn nul_refused() -> Error {
    Error::BadRequest(msg!("api-nul"))
}

/// Whether any string or key in `v` holds a NUL character.
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Parses a stand id from a path, as a 404 when it cannot be one.
pub fn stand_id(raw: &str) -> Result<StandId> {
    StandId::parse(raw).map_err(|_| Error::NotFound(msg!("stand-bad-id", id = raw)))
}

/// Why a text is not a stand id, in the reader's language.
pub fn stand_id_message(e: &StandIdError) -> Msg {
    match e {
        StandIdError::Empty => msg!("stand-id-empty"),
        StandIdError::TooLong(chars) => msg!("stand-id-too-long", chars = *chars),
        StandIdError::BadCharacter(id) => msg!("stand-id-bad-character", id = id),
    }
}

/// The stand a path names, or a 404.
pub async fn find_stand(state: &AppState, raw: &str) -> Result<StandView> {
    let id = stand_id(raw)?;
    stands::get(state.pool(), &id, state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(msg!("stand-not-found", id = id.as_str())))
}

/// `raw` percent-encoded as one path segment (for a stand id in a `Location` header: Unicode
/// letters become `%C3%B8`, a `/` or `?` cannot leak into the path or query).
pub fn path_segment(raw: &str) -> String {
    encode_bytes(raw, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `path` with every byte that a `Location` header may not carry as-is (non-ASCII, spaces,
/// controls) percent-encoded; `/`, `?`, `&`, `=` and existing `%xx` stay as they are.
pub fn location(path: &str) -> String {
    encode_bytes(path, |b| b.is_ascii_graphic())
}

/// The lines of a form's text box that say something, trimmed (commands, choices: one per
/// line, blank lines and surrounding spaces ignored).
pub fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn encode_bytes(raw: &str, keep: impl Fn(u8) -> bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The paths answered by the JSON 404 of unknown API routes: the catch-all does not match an
/// empty rest, so `/api` and `/api/` are routed on their own.
pub const API_NOT_FOUND_PATHS: [&str; 3] = ["/api", "/api/", "/api/{*rest}"];

/// `/api`, `/api/` and `/api/{*rest}`: unknown API paths are JSON 404s naming the docs,
/// whoever asks.
pub fn api_not_found() -> Routes {
    API_NOT_FOUND_PATHS
        .into_iter()
        .fold(Routes::api(), |routes, path| {
            routes.any(path, PUBLIC, not_found)
        })
}

async fn not_found() -> Error {
    Error::NotFound(msg!("api-route-not-found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ids_are_encoded_for_locations() {
        assert_eq!(path_segment("prøvestand_3"), "pr%C3%B8vestand_3");
        assert_eq!(path_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(location("/stands/prøve?x=1"), "/stands/pr%C3%B8ve?x=1");
    }
}
