//! Results: the list and result pages, `/api/results…`, the CSV and Excel downloads, "keep
//! forever" and deletion, and the raw-bytes download of a rejected message.
//!
//! - [`plot`]: downsampling and the FFT power spectrum the page draws (pure);
//! - [`export`]: writing CSV and `.xlsx` with every point.
//!
//! The page's plots are drawn by our own small script (`/static/plot.js`) from
//! `/api/results/{id}/plot`; zooming asks `/api/results/{id}/series/{position}` for the
//! window at full resolution, downsampled again.

pub mod export;
pub mod plot;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::Form;
use chrono::{DateTime, NaiveDate, Utc};
use domain::store::results::{self, ResultDetail, ResultFilter, ResultItem};
use domain::store::users::Role;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::api::ApiJson;
use crate::auth::{Authed, Operator, Viewer};
use crate::error::PageError;
use crate::pages::{Nav, nav};
use crate::{AppState, Error, Result};

/// The results routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/results", get(api_list))
        .route(
            "/api/results/{id}",
            get(api_get).patch(api_patch).delete(api_delete),
        )
        .route("/api/results/{id}/plot", get(api_plot))
        .route("/api/results/{id}/series/{position}", get(api_window))
        .route(
            "/api/results/{id}/series/{position}/spectrum",
            get(api_spectrum_window),
        )
        .route("/results", get(list_page))
        // `/results/{id}`, `/results/{id}.csv` and `/results/{id}.xlsx` share one segment.
        .route("/results/{file}", get(result_file))
        .route("/results/{id}/keep", post(keep_form))
        .route("/results/{id}/delete", post(delete_form))
        .route("/rejected/{id}/payload", get(rejected_payload))
        .route("/api/rejected/{id}/payload", get(rejected_payload))
        .route("/static/plot.js", get(plot_js))
}

/// How many plot computations, and how many downloads, run at a time: each holds whole
/// series in memory (8 bytes a point, and the FFT's buffers), so a crowd is queued instead of
/// all running at once. Separate pools, so slow download clients never hold up the plots.
const PLOTS_AT_ONCE: usize = 2;
const DOWNLOADS_AT_ONCE: usize = 4;

type Pool = std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>>;
static PLOTS: Pool = std::sync::OnceLock::new();
static DOWNLOADS: Pool = std::sync::OnceLock::new();

async fn permit(pool: &'static Pool, size: usize) -> Result<tokio::sync::OwnedSemaphorePermit> {
    pool.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(size)))
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| Error::Internal(e.into()))
}

// ---------------------------------------------------------------------------------------------
// Parsing the edge: ids, filters, paging

fn result_id(raw: &str) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::NotFound(format!("no result {raw:?}")))
}

async fn find(state: &AppState, id: i64) -> Result<ResultDetail> {
    results::get(state.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no result {id}")))
}

/// The list's query string as sent: every field optional, empty means "any".
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ListParams {
    stand: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    kept: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    /// The filter.
    pub filter: ResultFilter,
    /// Page number from 1.
    pub page: i64,
    /// Items per page (1–500).
    pub per_page: i64,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date (`2026-11-25`, the whole day in UTC) or an RFC 3339 time. `end` makes a date
/// mean the end of that day, so `to=2026-11-25` includes the 25th.
fn parse_time(name: &str, raw: &str, end: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        Error::BadRequest(format!(
            "{name}={raw:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"
        ))
    })?;
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

fn parse_int(name: &str, raw: &str, min: i64, max: i64) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "{name}={raw:?} must be a whole number from {min} to {max}"
            ))
        })
}

impl ListParams {
    /// Parses the query; a bad value is a 400 that names it.
    pub fn parse(&self) -> Result<ListRequest> {
        let stand = given(&self.stand)
            .map(|s| {
                domain::StandId::parse(s)
                    .map(|id| id.to_string())
                    .map_err(|e| Error::BadRequest(format!("stand={s:?}: {e}")))
            })
            .transpose()?;
        let user = given(&self.user).map(str::to_owned);
        if user.as_ref().is_some_and(|u| u.chars().count() > 150) {
            return Err(Error::BadRequest(
                "user= is longer than 150 characters".into(),
            ));
        }
        let from = given(&self.from)
            .map(|s| parse_time("from", s, false))
            .transpose()?;
        let to = given(&self.to)
            .map(|s| parse_time("to", s, true))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(Error::BadRequest("from= must be before to=".into()));
        }
        let kept = match given(&self.kept).map(str::to_ascii_lowercase).as_deref() {
            None | Some("any") => None,
            Some("true" | "yes" | "1" | "on") => Some(true),
            Some("false" | "no" | "0" | "off") => Some(false),
            Some(other) => {
                return Err(Error::BadRequest(format!(
                    "kept={other:?} must be true or false"
                )));
            }
        };
        let page = given(&self.page)
            .map(|s| parse_int("page", s, 1, 1_000_000))
            .transpose()?
            .unwrap_or(1);
        let per_page = given(&self.per_page)
            .map(|s| parse_int("per_page", s, 1, 500))
            .transpose()?
            .unwrap_or(50);
        Ok(ListRequest {
            filter: ResultFilter {
                stand,
                user,
                from,
                to,
                kept,
            },
            page,
            per_page,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// API

async fn api_list(
    State(state): State<AppState>,
    _u: Viewer,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>> {
    let req = q.parse()?;
    let (items, total) = results::list(
        state.pool(),
        &req.filter,
        (req.page - 1) * req.per_page,
        req.per_page,
    )
    .await?;
    Ok(Json(json!({"items": items, "total": total})))
}

/// `GET /api/results/{id}`: the series are the stored `dataObj` text, unparsed, so they come
/// back exactly as the stand sent them.
#[derive(serde::Serialize)]
struct ResultJson<'a> {
    id: i64,
    stand: &'a str,
    run: Option<i64>,
    sent_by: &'a str,
    requested_by: Option<&'a str>,
    received_at: DateTime<Utc>,
    status_code: i16,
    commands: &'a Option<Value>,
    parameters: &'a Option<Value>,
    series: &'a RawValue,
    keep: bool,
    point_count: i64,
}

async fn api_get(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = result_id(&id)?;
    let d = find(&state, id).await?;
    let data = results::data_text(state.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no result {id}")))?;
    let raw: Box<RawValue> =
        RawValue::from_string(data).map_err(|e| Error::Internal(anyhow::Error::new(e)))?;
    let body = serde_json::to_vec(&ResultJson {
        id: d.id,
        stand: &d.stand,
        run: d.run,
        sent_by: &d.sent_by,
        requested_by: d.requested_by.as_deref(),
        received_at: d.received_at,
        status_code: d.status_code,
        commands: &d.commands,
        parameters: &d.parameters,
        series: &raw,
        keep: d.keep,
        point_count: d.point_count,
    })
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeepPatch {
    keep: bool,
}

async fn api_patch(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<KeepPatch>,
) -> Result<Json<Value>> {
    let id = result_id(&id)?;
    if !results::set_keep(state.pool(), id, patch.keep).await? {
        return Err(Error::NotFound(format!("no result {id}")));
    }
    Ok(Json(json!({"id": id, "keep": patch.keep})))
}

async fn api_delete(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = result_id(&id)?;
    if !results::delete(state.pool(), id).await? {
        return Err(Error::NotFound(format!("no result {id}")));
    }
    state.plot_cache().put(id, None);
    Ok(StatusCode::NO_CONTENT)
}

/// One numeric series as the page plots it.
#[derive(serde::Serialize)]
struct SeriesPlot {
    position: i32,
    name: String,
    len: i32,
    time: plot::Points,
    spectrum: plot::Points,
}

/// The plot data of the last few results opened, as sent: a result never changes, so a
/// second look (or another viewer) costs no FFT. One per [`AppState`].
#[derive(Default)]
pub struct PlotCache {
    entries: std::sync::Mutex<std::collections::VecDeque<(i64, axum::body::Bytes)>>,
}

impl PlotCache {
    /// Results whose plot data is kept.
    const SIZE: usize = 16;

    fn get(&self, id: i64) -> Option<axum::body::Bytes> {
        let cache = self.entries.lock().ok()?;
        cache.iter().find(|(k, _)| *k == id).map(|(_, v)| v.clone())
    }

    /// Stores (or, with `None`, forgets) a result's plot data.
    fn put(&self, id: i64, body: Option<axum::body::Bytes>) {
        if let Ok(mut cache) = self.entries.lock() {
            cache.retain(|(k, _)| *k != id);
            if let Some(body) = body {
                if cache.len() >= Self::SIZE {
                    cache.pop_front();
                }
                cache.push_back((id, body));
            }
        }
    }
}

fn json_bytes(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn api_plot(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = result_id(&id)?;
    let d = find(&state, id).await?;
    if let Some(body) = state.plot_cache().get(id) {
        return Ok(json_bytes(body));
    }
    let rate = plot::sample_rate(d.parameters.as_ref());
    let _permit = permit(&PLOTS, PLOTS_AT_ONCE).await?;
    let mut out = Vec::new();
    // One series at a time, so only one full array is in memory.
    for s in results::series(state.pool(), id, false).await? {
        if !s.numeric {
            continue;
        }
        let values = results::series_values(state.pool(), id, s.position)
            .await?
            .unwrap_or_default();
        let (time, spectrum) = tokio::task::spawn_blocking(move || {
            let time = plot::downsample(&values, 0, values.len(), plot::PLOT_POINTS);
            let full = plot::spectrum(&values, rate);
            (time, plot::downsample_max(&full, plot::PLOT_POINTS))
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        out.push(SeriesPlot {
            position: s.position,
            name: s.name,
            len: s.len,
            time,
            spectrum,
        });
    }
    let body = serde_json::to_vec(&json!({
        "rate": rate,
        "time_unit": if rate.is_some() { "s" } else { "samples" },
        "frequency_unit": if rate.is_some() { "Hz" } else { "cycles/sample" },
        "series": out,
    }))
    .map_err(|e| Error::Internal(e.into()))?;
    let body = axum::body::Bytes::from(body);
    state.plot_cache().put(id, Some(body.clone()));
    Ok(json_bytes(body))
}

/// A window of samples; strings so a bad number is our JSON 400, not the extractor's text.
#[derive(serde::Deserialize)]
struct Window {
    from: Option<String>,
    to: Option<String>,
}

fn sample_index(name: &str, raw: Option<&str>) -> Result<Option<f64>> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Error::BadRequest(format!("{name}={s:?} is not a sample index")))
        })
        .transpose()
}

async fn api_window(
    State(state): State<AppState>,
    _u: Viewer,
    Path((id, position)): Path<(String, String)>,
    Query(w): Query<Window>,
) -> Result<Json<plot::Points>> {
    let id = result_id(&id)?;
    let from = sample_index("from", w.from.as_deref())?;
    let to = sample_index("to", w.to.as_deref())?;
    let missing = || Error::NotFound(format!("result {id} has no numeric series {position:?}"));
    let pos: i32 = position.parse().map_err(|_| missing())?;
    let values = results::series_values(state.pool(), id, pos)
        .await?
        .ok_or_else(missing)?;
    let len = values.len() as f64;
    let clamp = |v: f64| v.clamp(0.0, len) as usize;
    let from = clamp(from.unwrap_or(0.0).floor());
    let to = clamp(to.unwrap_or(len).ceil() + 1.0);
    let points =
        tokio::task::spawn_blocking(move || plot::downsample(&values, from, to, plot::PLOT_POINTS))
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(points))
}

/// `GET /api/results/{id}/series/{position}/spectrum?from=&to=`: the power spectrum between
/// two frequencies (in the plot's unit: Hz with a sample rate, else cycles/sample) at full
/// resolution, reduced to the plot's size only when the window still has more bins.
async fn api_spectrum_window(
    State(state): State<AppState>,
    _u: Viewer,
    Path((id, position)): Path<(String, String)>,
    Query(w): Query<Window>,
) -> Result<Json<plot::Points>> {
    let id = result_id(&id)?;
    let from = sample_index("from", w.from.as_deref())?.unwrap_or(f64::NEG_INFINITY);
    let to = sample_index("to", w.to.as_deref())?.unwrap_or(f64::INFINITY);
    let d = find(&state, id).await?;
    let rate = plot::sample_rate(d.parameters.as_ref());
    let missing = || Error::NotFound(format!("result {id} has no numeric series {position:?}"));
    let pos: i32 = position.parse().map_err(|_| missing())?;
    let _permit = permit(&PLOTS, PLOTS_AT_ONCE).await?;
    let values = results::series_values(state.pool(), id, pos)
        .await?
        .ok_or_else(missing)?;
    let points = tokio::task::spawn_blocking(move || {
        let full = plot::spectrum(&values, rate);
        let lo = full.x.partition_point(|&f| f < from);
        let hi = full.x.partition_point(|&f| f <= to);
        let window = plot::Points {
            x: full.x[lo..hi].to_vec(),
            y: full.y[lo..hi].to_vec(),
        };
        plot::downsample_max(&window, plot::PLOT_POINTS)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(points))
}

// ---------------------------------------------------------------------------------------------
// Downloads

async fn csv_download(state: &AppState, id: i64) -> Result<Response> {
    find(state, id).await?;
    let permit = permit(&DOWNLOADS, DOWNLOADS_AT_ONCE).await?;
    let columns = export::columns(results::series(state.pool(), id, true).await?);
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        // Held until the last chunk is handed over (or the client leaves).
        let _permit = permit;
        let written = export::write_csv(&columns, |chunk| {
            tx.blocking_send(Ok(axum::body::Bytes::from(chunk))).is_ok()
        });
        if let Err(e) = written {
            tracing::error!(error = %e, result = id, "CSV export failed");
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"result-{id}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn xlsx_download(state: &AppState, id: i64) -> Result<Response> {
    let detail = find(state, id).await?;
    let permit = permit(&DOWNLOADS, DOWNLOADS_AT_ONCE).await?;
    let columns = export::columns(results::series(state.pool(), id, true).await?);
    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File> {
        let _permit = permit;
        let mut tmp = tempfile::tempfile().map_err(|e| Error::Internal(e.into()))?;
        export::write_xlsx(&detail, &columns, &mut tmp).map_err(|e| match e {
            export::XlsxExportError::TooLong(..) => Error::BadRequest(e.to_string()),
            other => Error::Internal(other.into()),
        })?;
        use std::io::Seek;
        tmp.rewind().map_err(|e| Error::Internal(e.into()))?;
        Ok(tmp)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    let len = file.metadata().map(|m| m.len()).ok();
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"result-{id}.xlsx\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    if let Some(len) = len {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    Ok(response)
}

async fn result_file(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Path(file): Path<String>,
    Query(q): Query<PageNotice>,
) -> std::result::Result<Response, PageError> {
    if let Some(id) = file.strip_suffix(".csv") {
        return Ok(csv_download(&state, result_id(id)?).await?);
    }
    if let Some(id) = file.strip_suffix(".xlsx") {
        return Ok(xlsx_download(&state, result_id(id)?).await?);
    }
    let kept = q.kept.map(|k| k == "true");
    let page = result_page(&state, &a, result_id(&file)?, kept).await?;
    Ok(page.into_response())
}

// ---------------------------------------------------------------------------------------------
// Pages

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

struct ListRow {
    id: i64,
    stand: String,
    run: String,
    by: String,
    received_at: String,
    point_count: i64,
    keep: bool,
}

impl From<ResultItem> for ListRow {
    fn from(r: ResultItem) -> Self {
        Self {
            id: r.id,
            stand: r.stand,
            run: r.run.map(|i| i.to_string()).unwrap_or_else(|| "—".into()),
            by: match r.requested_by {
                Some(u) if u != r.sent_by => format!("{u} (sent by {})", r.sent_by),
                Some(u) => u,
                None => r.sent_by,
            },
            received_at: time(r.received_at),
            point_count: r.point_count,
            keep: r.keep,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "results.html")]
struct ListPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    stand: String,
    user: String,
    from: String,
    to: String,
    kept: String,
    stands: Vec<String>,
    items: Vec<ListRow>,
    total: i64,
    page: i64,
    has_more: bool,
    newer: String,
    older: String,
}

#[derive(serde::Deserialize)]
struct DeletedNotice {
    deleted: Option<i64>,
}

async fn list_page(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Query(q): Query<ListParams>,
    Query(n): Query<DeletedNotice>,
) -> std::result::Result<Response, PageError> {
    let stands: Vec<String> = domain::store::stands::list(state.pool(), state.offline_after())
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let shown = |v: &Option<String>| given(v).unwrap_or_default().to_owned();
    let mut page = ListPage {
        nav: nav(&a),
        notice: n.deleted.map(|id| format!("Result {id} was deleted.")),
        problem: None,
        stand: shown(&q.stand),
        user: shown(&q.user),
        from: shown(&q.from),
        to: shown(&q.to),
        kept: shown(&q.kept).to_ascii_lowercase(),
        stands,
        items: Vec::new(),
        total: 0,
        page: 1,
        has_more: false,
        newer: String::new(),
        older: String::new(),
    };
    let req = match q.parse() {
        Ok(r) => r,
        Err(e) => {
            page.problem = Some(e.user_message());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let (items, total) = results::list(
        state.pool(),
        &req.filter,
        (req.page - 1) * req.per_page,
        req.per_page,
    )
    .await?;
    let link = |p: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("stand", &page.stand),
            ("user", &page.user),
            ("from", &page.from),
            ("to", &page.to),
            ("kept", &page.kept),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if req.per_page != 50 {
            s.append_pair("per_page", &req.per_page.to_string());
        }
        s.append_pair("page", &p.to_string());
        format!("/results?{}", s.finish())
    };
    page.newer = link(req.page - 1);
    page.older = link(req.page + 1);
    page.items = items.into_iter().map(ListRow::from).collect();
    page.total = total;
    page.page = req.page;
    page.has_more = req.page * req.per_page < total;
    Ok(page.into_response())
}

struct ParamRow {
    name: String,
    value: String,
    structured: bool,
}

struct NumericRow {
    position: i32,
    name: String,
    len: i32,
}

struct RawRow {
    name: String,
    len: i32,
    text: String,
    clipped: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "result.html")]
struct ResultPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    id: i64,
    stand: String,
    stand_name: String,
    run: String,
    started_by: String,
    started_at: String,
    sent_by: String,
    received_at: String,
    status_code: i16,
    commands: Vec<String>,
    params: Vec<ParamRow>,
    rate: String,
    point_count: i64,
    keep: bool,
    can_edit: bool,
    csrf: String,
    numeric: Vec<NumericRow>,
    raw: Vec<RawRow>,
}

/// Shown of a non-numeric series on the page, at most (the downloads have all of it).
const RAW_SHOWN: usize = 10_000;

#[derive(serde::Deserialize)]
struct PageNotice {
    kept: Option<String>,
}

async fn result_page(
    state: &AppState,
    a: &Authed,
    id: i64,
    kept: Option<bool>,
) -> Result<ResultPage> {
    let d = find(state, id).await?;
    let series = results::series(state.pool(), id, false).await?;
    let shown = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let commands = match &d.commands {
        Some(Value::Array(items)) => items.iter().map(shown).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    };
    let params = match &d.parameters {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| ParamRow {
                name: k.clone(),
                structured: v.is_object() || v.is_array(),
                value: if v.is_object() || v.is_array() {
                    serde_json::to_string_pretty(v).unwrap_or_default()
                } else {
                    shown(v)
                },
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![ParamRow {
            name: "(parameterObj)".into(),
            value: other.to_string(),
            structured: true,
        }],
    };
    let rate = plot::sample_rate(d.parameters.as_ref())
        .map(|r| format!("{r} Hz"))
        .unwrap_or_else(|| "not given (axes in samples)".into());
    let mut numeric = Vec::new();
    let mut raw = Vec::new();
    for s in series {
        if s.numeric {
            numeric.push(NumericRow {
                position: s.position,
                name: s.name,
                len: s.len,
            });
        } else {
            let text = s.raw.unwrap_or_default();
            let clipped = text.len() > RAW_SHOWN;
            let end = (0..=RAW_SHOWN.min(text.len()))
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            raw.push(RawRow {
                name: s.name,
                len: s.len,
                text: text[..end].to_owned(),
                clipped,
            });
        }
    }
    Ok(ResultPage {
        nav: nav(a),
        notice: kept.map(|k| {
            if k {
                "This result is kept forever.".to_owned()
            } else {
                "This result is no longer kept forever.".to_owned()
            }
        }),
        problem: None,
        id: d.id,
        stand: d.stand,
        stand_name: d.stand_name,
        run: d
            .run
            .map(|r| r.to_string())
            .unwrap_or_else(|| "— (unsolicited)".into()),
        started_by: d.requested_by.unwrap_or_else(|| "—".into()),
        started_at: d.requested_at.map(time).unwrap_or_else(|| "—".into()),
        sent_by: d.sent_by,
        received_at: time(d.received_at),
        status_code: d.status_code,
        commands,
        params,
        rate,
        point_count: d.point_count,
        keep: d.keep,
        can_edit: a.user.role >= Role::Operator,
        csrf: a.csrf().to_owned(),
        numeric,
        raw,
    })
}

#[derive(serde::Deserialize)]
struct KeepForm {
    keep: String,
}

async fn keep_form(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
    Form(f): Form<KeepForm>,
) -> std::result::Result<Response, PageError> {
    let id = result_id(&id)?;
    let keep = f.keep == "true";
    if !results::set_keep(state.pool(), id, keep).await? {
        return Err(Error::NotFound(format!("no result {id}")).into());
    }
    Ok(Redirect::to(&format!("/results/{id}?kept={keep}")).into_response())
}

async fn delete_form(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
) -> std::result::Result<Response, PageError> {
    let id = result_id(&id)?;
    if !results::delete(state.pool(), id).await? {
        return Err(Error::NotFound(format!("no result {id}")).into());
    }
    state.plot_cache().put(id, None);
    Ok(Redirect::to(&format!("/results?deleted={id}")).into_response())
}

async fn rejected_payload(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<Response> {
    let missing = || Error::NotFound(format!("no rejected message {id:?}"));
    let qid: i64 = id.parse().map_err(|_| missing())?;
    let (_, payload) = domain::store::quarantine::payload(state.pool(), qid)
        .await?
        .ok_or_else(missing)?;
    let bytes = payload.ok_or_else(|| {
        Error::NotFound(format!(
            "rejected message {qid} was larger than MAX_PAYLOAD_BYTES: only its size was kept"
        ))
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rejected-{qid}.bin\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn plot_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../static/plot.js"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut p = ListParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "stand" => p.stand = v,
                "user" => p.user = v,
                "from" => p.from = v,
                "to" => p.to = v,
                "kept" => p.kept = v,
                "page" => p.page = v,
                "per_page" => p.per_page = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn list_filters_parse() {
        let r = params(&[
            ("stand", "rig1"),
            ("user", " olga "),
            ("from", "2026-11-01"),
            ("to", "2026-11-02"),
            ("kept", "yes"),
            ("page", "3"),
            ("per_page", "10"),
        ])
        .parse()
        .expect("valid");
        assert_eq!(r.filter.stand.as_deref(), Some("rig1"));
        assert_eq!(r.filter.user.as_deref(), Some("olga"));
        assert_eq!(r.filter.kept, Some(true));
        assert_eq!(
            r.filter.to.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-03T00:00:00+00:00")
        );
        assert_eq!((r.page, r.per_page), (3, 10));
        let empty = params(&[("stand", ""), ("kept", ""), ("page", "")])
            .parse()
            .expect("empty is any");
        assert_eq!(empty.filter, ResultFilter::default());
        assert_eq!((empty.page, empty.per_page), (1, 50));
        let t = params(&[("from", "2026-11-01T10:00:00+01:00")])
            .parse()
            .expect("rfc3339");
        assert_eq!(
            t.filter.from.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-01T09:00:00+00:00")
        );
    }

    #[test]
    fn bad_filters_name_the_field() {
        for (k, v, says) in [
            ("stand", "a b", "stand="),
            ("from", "yesterday", "from="),
            ("kept", "maybe", "kept="),
            ("page", "0", "page="),
            ("per_page", "100000", "per_page="),
            ("page", "x", "page="),
        ] {
            let e = params(&[(k, v)]).parse().expect_err(v);
            assert!(matches!(e, Error::BadRequest(_)));
            assert!(e.to_string().contains(says), "{e}");
        }
        let e = params(&[("from", "2026-11-02"), ("to", "2026-11-01")])
            .parse()
            .expect_err("order");
        assert!(e.to_string().contains("before"));
    }
}
