//! The quarantine: messages the handler could not accept, each with the reason it was
//! rejected. The page (`/quarantine`), the API list (`/api/quarantine`) and the raw bytes of one
//! message (`…/quarantine/{id}/payload`). The older page paths (`/rejected…`) redirect to
//! their new names, so bookmarks keep working; the older API paths (`/api/rejected…`) answer
//! the same as the new ones, as API clients need not follow redirects.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{OriginalUri, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::store::quarantine;

use crate::api_doc::BadQuery;
use crate::auth::Viewer;
use crate::error::{Error, ErrorBody, Result};
use crate::extract::{ApiPath, ApiQuery, location};
use crate::msg;
use crate::page::Layout;
use crate::routes::{PUBLIC, Routes, VIEWER};
use crate::state::AppState;

/// The quarantine page and its payload download; their old names redirect (public: each
/// only points elsewhere).
pub fn pages() -> Routes {
    Routes::pages()
        .get("/quarantine", VIEWER, page)
        .get("/rejected", PUBLIC, old_page)
        .get("/quarantine/{id}/payload", VIEWER, payload)
        .get("/rejected/{id}/payload", PUBLIC, old_page)
}

/// The quarantine API, under both names.
pub fn api() -> Routes {
    Routes::api()
        .get("/api/quarantine", VIEWER, list)
        .get("/api/rejected", VIEWER, list)
        .get("/api/quarantine/{id}/payload", VIEWER, payload)
        .get("/api/rejected/{id}/payload", VIEWER, payload)
}

/// An old page path (`/rejected…`), answered with a 308 to its `/quarantine…` name; the
/// query string goes along.
async fn old_page(OriginalUri(uri): OriginalUri) -> Redirect {
    let rest = uri.path().strip_prefix("/rejected").unwrap_or_default();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::permanent(&location(&format!("/quarantine{rest}{query}")))
}

/// Paging of the API list; out-of-range values are clamped.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiPage {
    /// Page number from 1 (default 1; at most 1,000,000).
    page: Option<i64>,
    /// Messages per page, 1–500 (default 50).
    per_page: Option<i64>,
}

/// One quarantined message. The list carries at most the first 1,024 bytes of each payload;
/// the kept bytes come whole from `payload_url`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QuarantinedJson {
    /// Its id.
    id: i64,
    /// The topic it came on.
    topic: String,
    /// Why it was rejected.
    reason: String,
    /// Its size in bytes as received.
    size: i64,
    /// The whole payload, base64, when it is kept whole and at most 1,024 bytes long; null
    /// otherwise (see `prefix_base64` and `payload_url`).
    payload_base64: Option<String>,
    /// The first (at most 1,024) bytes of the kept payload, base64; null when nothing is kept.
    prefix_base64: Option<String>,
    /// Bytes of the payload kept (less than `size` when only a prefix was kept: the
    /// quarantine keeps at most `QUARANTINE_MESSAGE_BYTES` of a message); null when none.
    kept: Option<i64>,
    /// The payload was dropped to keep its topic under `QUARANTINE_TOPIC_BYTES`.
    payload_dropped: bool,
    /// SHA-256 of the whole payload as received, hex (null for entries from before it was
    /// recorded).
    sha256: Option<String>,
    /// Where the kept bytes are downloaded; null when nothing is kept.
    payload_url: Option<String>,
    /// When it arrived.
    received_at: DateTime<Utc>,
}

/// One page of the quarantine.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QuarantineList {
    /// The messages, newest first.
    items: Vec<QuarantinedJson>,
    /// How many there are in all.
    total: i64,
}

/// Rejected messages, newest first, with the reason each was rejected.
#[utoipa::path(get, path = "/api/quarantine", tag = "quarantine", params(ApiPage),
    responses((status = 200, description = "One page of the quarantine", body = QuarantineList),
        BadQuery))]
async fn list(
    State(state): State<AppState>,
    _u: Viewer,
    ApiQuery(q): ApiQuery<ApiPage>,
) -> Result<Json<QuarantineList>> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (items, total) = quarantine::page(state.pool(), (page - 1) * per_page, per_page).await?;
    let items = items
        .into_iter()
        .map(|r| {
            let b64 = |p: &Vec<u8>| base64::engine::general_purpose::STANDARD.encode(p);
            QuarantinedJson {
                payload_base64: r.prefix.as_ref().filter(|_| r.is_whole()).map(b64),
                prefix_base64: r.prefix.as_ref().map(b64),
                payload_url: r.kept.map(|_| format!("/api/quarantine/{}/payload", r.id)),
                id: r.id,
                topic: r.topic,
                reason: r.reason,
                size: r.size,
                kept: r.kept,
                payload_dropped: r.dropped,
                sha256: r.sha256.map(hex::encode),
                received_at: r.received_at,
            }
        })
        .collect();
    Ok(Json(QuarantineList { items, total }))
}

struct QuarantinedRow {
    id: i64,
    /// `text` (UTF-8), `hex`, or `none` (nothing kept).
    shown_as: &'static str,
    /// Why nothing, or only a part, is kept (empty when it is kept whole).
    kept_note: String,
    received_at: String,
    topic: String,
    reason: String,
    size: i64,
    payload: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "quarantine.html")]
struct QuarantinePage {
    layout: Layout,
    items: Vec<QuarantinedRow>,
    total: i64,
    page: i64,
    has_more: bool,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

const PER_PAGE: i64 = 50;
/// The last page asked for is bounded, so the offset cannot overflow (schemathesis sent
/// `page=18446744073709553`: an overflow panic in debug builds, a negative offset otherwise).
const MAX_PAGE: i64 = 1_000_000;

async fn page(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Query(q): Query<PageQuery>,
) -> Result<QuarantinePage> {
    let page = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (items, total) = quarantine::page(state.pool(), (page - 1) * PER_PAGE, PER_PAGE).await?;
    Ok(QuarantinePage {
        layout: a.layout(),
        has_more: page * PER_PAGE < total,
        total,
        page,
        items: items
            .into_iter()
            .map(|r| {
                let (shown_as, payload) = match &r.prefix {
                    None => ("none", String::new()),
                    Some(p) => show_payload(p, r.kept.unwrap_or(0)),
                };
                let kept_note = match r.kept {
                    None if r.dropped => a.t.s("quarantine-payload-dropped"),
                    None => a.t.s("quarantine-payload-too-large"),
                    Some(k) if k < r.size => a.t.a1("quarantine-payload-prefix", "n", k),
                    Some(_) => String::new(),
                };
                QuarantinedRow {
                    id: r.id,
                    shown_as,
                    kept_note,
                    received_at: a.t.time(&r.received_at),
                    topic: r.topic,
                    reason: r.reason,
                    size: r.size,
                    payload,
                }
            })
            .collect(),
    })
}

/// The start of a payload (`kept` bytes are kept in all) as text when it is UTF-8, else as
/// hex bytes (16 to a line); the template escapes either. A payload longer than its start is
/// marked cut (the download has the kept bytes whole).
fn show_payload(shown: &[u8], kept: i64) -> (&'static str, String) {
    let cut = i64::try_from(shown.len()).unwrap_or(i64::MAX) < kept;
    let (kind, mut text) = match std::str::from_utf8(shown) {
        Ok(t) => ("text", t.to_owned()),
        // A multi-byte character cut at the limit is still text.
        Err(e) if cut && e.error_len().is_none() => (
            "text",
            String::from_utf8_lossy(&shown[..e.valid_up_to()]).into_owned(),
        ),
        Err(_) => (
            "hex",
            shown
                .chunks(16)
                .map(|line| {
                    line.iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    if cut {
        text.push_str(" …");
    }
    (kind, text)
}

/// The raw bytes of one quarantined message.
#[utoipa::path(get, path = "/api/quarantine/{id}/payload", tag = "quarantine",
    params(("id" = i64, Path, description = "The message's id", example = 1)),
    responses(
        (status = 200, description = "The payload as received",
            content_type = "application/octet-stream", body = String),
        (status = 404, description = "No such message, or it was too large to keep",
            body = ErrorBody)))]
async fn payload(
    State(state): State<AppState>,
    _u: Viewer,
    ApiPath(qid): ApiPath<i64>,
) -> Result<Response> {
    let missing = || Error::NotFound(msg!("quarantine-not-found", id = qid));
    let (_, payload) = quarantine::payload(state.pool(), qid)
        .await?
        .ok_or_else(missing)?;
    let bytes =
        payload.ok_or_else(|| Error::NotFound(msg!("quarantine-payload-not-kept", id = qid)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"quarantined-{qid}.bin\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_shown_as_text_or_hex() {
        assert_eq!(show_payload(b"<b>hi</b>", 9), ("text", "<b>hi</b>".into()));
        assert_eq!(
            show_payload(&[0xff, 0x00, 0x41], 3),
            ("hex", "ff 00 41".into())
        );
        let long = vec![0u8; 20];
        let (kind, text) = show_payload(&[&[0xfe][..], &long].concat(), 21);
        assert_eq!(kind, "hex");
        assert_eq!(text.lines().count(), 2);
        let mut big = "é".repeat(100).into_bytes();
        big.truncate(101);
        let (kind, text) = show_payload(&big, 5000);
        assert_eq!(kind, "text");
        assert!(text.ends_with(" …"));
    }
}
