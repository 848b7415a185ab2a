//! The quarantine: messages the handler could not accept, each with the reason it was
//! rejected. The page (`/quarantine`), the API list (`/api/quarantine`) and the raw bytes of one
//! message (`…/quarantine/{id}/payload`). The older `/rejected` paths answer the same, so
//! bookmarks and scripts keep working.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::store::quarantine;

use crate::auth::Viewer;
use crate::error::{Error, ErrorBody, Result};
use crate::layout::{Layout, time};
use crate::routes::{Routes, VIEWER};
use crate::shared::ApiQuery;
use crate::state::AppState;

/// The quarantine page and its payload download, under both names.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/quarantine", VIEWER, page)
        .get("/rejected", VIEWER, page)
        .get("/quarantine/{id}/payload", VIEWER, payload)
        .get("/rejected/{id}/payload", VIEWER, payload)
}

/// The quarantine API, under both names.
pub fn api() -> Routes {
    Routes::api()
        .get("/api/quarantine", VIEWER, list)
        .get("/api/rejected", VIEWER, list)
        .get("/api/quarantine/{id}/payload", VIEWER, payload)
        .get("/api/rejected/{id}/payload", VIEWER, payload)
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

/// One quarantined message.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QuarantinedJson {
    /// Its id.
    id: i64,
    /// The topic it came on.
    topic: String,
    /// Why it was rejected.
    reason: String,
    /// Its size in bytes.
    size: i64,
    /// The payload, base64; null when it was too large to keep.
    payload_base64: Option<String>,
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
    responses(
        (status = 200, description = "One page of the quarantine", body = QuarantineList),
        (status = 400, description = "A query value is not a number", body = ErrorBody),
    ))]
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
        .map(|r| QuarantinedJson {
            id: r.id,
            topic: r.topic,
            reason: r.reason,
            size: r.size,
            payload_base64: r
                .payload
                .map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
            received_at: r.received_at,
        })
        .collect();
    Ok(Json(QuarantineList { items, total }))
}

struct QuarantinedRow {
    id: i64,
    /// `text` (UTF-8), `hex`, or `none` (too large to keep).
    shown_as: &'static str,
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
                let (shown_as, payload) = match &r.payload {
                    None => ("none", "(too large: not kept)".into()),
                    Some(p) => show_payload(p),
                };
                QuarantinedRow {
                    id: r.id,
                    shown_as,
                    received_at: time(r.received_at),
                    topic: r.topic,
                    reason: r.reason,
                    size: r.size,
                    payload,
                }
            })
            .collect(),
    })
}

/// Bytes of a payload shown on the page, at most.
const PAYLOAD_SHOWN: usize = 4096;

/// A payload as text when it is UTF-8, else as hex bytes (16 to a line); the template
/// escapes either. Long payloads are cut (the download has them whole).
fn show_payload(p: &[u8]) -> (&'static str, String) {
    let cut = p.len() > PAYLOAD_SHOWN;
    let shown = &p[..p.len().min(PAYLOAD_SHOWN)];
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
            body = ErrorBody),
    ))]
async fn payload(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<Response> {
    let missing = || Error::NotFound(format!("no quarantined message {id:?}"));
    let qid: i64 = id.parse().map_err(|_| missing())?;
    let (_, payload) = quarantine::payload(state.pool(), qid)
        .await?
        .ok_or_else(missing)?;
    let bytes = payload.ok_or_else(|| {
        Error::NotFound(format!(
            "quarantined message {qid} was larger than MAX_PAYLOAD_BYTES: only its size was kept"
        ))
    })?;
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
        assert_eq!(show_payload(b"<b>hi</b>"), ("text", "<b>hi</b>".into()));
        assert_eq!(
            show_payload(&[0xff, 0x00, 0x41]),
            ("hex", "ff 00 41".into())
        );
        let long = vec![0u8; 20];
        let (kind, text) = show_payload(&[&[0xfe][..], &long].concat());
        assert_eq!(kind, "hex");
        assert_eq!(text.lines().count(), 2);
        let mut big = "é".repeat(PAYLOAD_SHOWN).into_bytes();
        big.truncate(PAYLOAD_SHOWN + 1);
        let (kind, text) = show_payload(&big);
        assert_eq!(kind, "text");
        assert!(text.ends_with(" …"));
    }
}
