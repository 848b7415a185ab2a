//! The plot data the result page draws: every numeric series downsampled with its power
//! spectrum (`/api/results/{id}/plot`, cached), and windows at full resolution for zooming
//! (`…/series/{position}` and `…/series/{position}/spectrum`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use domain::store::results::ResultDetail;
use domain::store::series;
use tokio::sync::OwnedSemaphorePermit;

use super::cache::PlotCache;
use super::load::{PLOTS, PLOTS_AT_ONCE, find, permit};
use super::signal;
use crate::api_doc::{BadWindow, NoSuchResult, NoSuchSeries, ResultIdParam};
use crate::auth::Viewer;
use crate::error::{Context, Error, Result};
use crate::extract::{ApiPath, ApiQuery, Found};
use crate::msg;
use crate::routes::{Routes, VIEWER};
use crate::state::AppState;

/// The plot data and zoom windows.
pub fn routes() -> Routes {
    Routes::api()
        .get("/api/results/{id}/plot", VIEWER, api_plot)
        .get("/api/results/{id}/series/{position}", VIEWER, api_window)
        .get(
            "/api/results/{id}/series/{position}/spectrum",
            VIEWER,
            api_spectrum_window,
        )
}

/// One numeric series as the page plots it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SeriesPlot {
    /// Its position in the result (the `{position}` of the zoom windows).
    position: i32,
    /// Its name.
    name: String,
    /// Its number of samples.
    len: i32,
    /// The samples, downsampled to at most 2,000 points (min and max of each bucket).
    time: signal::Points,
    /// The one-sided power spectrum in dB, downsampled (largest value of each bucket).
    spectrum: signal::Points,
}

/// The plot data of a result.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PlotData {
    /// The sample rate from the parameters (`fs`, `sampleRate`, …), if any.
    rate: Option<f64>,
    /// `s` with a sample rate, else `samples`.
    #[schema(value_type = String)]
    time_unit: &'static str,
    /// `Hz` with a sample rate, else `cycles/sample`.
    #[schema(value_type = String)]
    frequency_unit: &'static str,
    /// Every numeric series.
    series: Vec<SeriesPlot>,
}

fn json_bytes(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Every numeric series of a result downsampled for plotting, with its power spectrum.
#[utoipa::path(get, path = "/api/results/{id}/plot", tag = "results", params(ResultIdParam),
    responses((status = 200, description = "The plot data", body = PlotData), NoSuchResult))]
async fn api_plot(
    State(state): State<AppState>,
    _u: Viewer,
    Found(d): Found<ResultDetail>,
    Extension(cache): Extension<Arc<PlotCache>>,
) -> Result<Response> {
    let id = d.id;
    if let Some(body) = cache.get(id) {
        return Ok(json_bytes(body));
    }
    let rate = signal::sample_rate(d.parameters.as_ref());
    let _permit = permit(&PLOTS, PLOTS_AT_ONCE).await?;
    let mut out = Vec::new();
    // One series at a time, so only one full array is in memory.
    for s in series::series(state.pool(), id, false).await? {
        if !s.numeric {
            continue;
        }
        let values = series::series_values(state.pool(), id, s.position)
            .await?
            .unwrap_or_default();
        let (time, spectrum) = tokio::task::spawn_blocking(move || {
            let time = signal::downsample(&values, 0, values.len(), signal::PLOT_POINTS);
            let full = signal::spectrum(&values, rate);
            (time, signal::downsample_max(&full, signal::PLOT_POINTS))
        })
        .await
        .context("computing a plot")?;
        out.push(SeriesPlot {
            position: s.position,
            name: s.name,
            len: s.len,
            time,
            spectrum,
        });
    }
    let body = serde_json::to_vec(&PlotData {
        rate,
        time_unit: if rate.is_some() { "s" } else { "samples" },
        frequency_unit: if rate.is_some() {
            "Hz"
        } else {
            "cycles/sample"
        },
        series: out,
    })
    .context("encoding the plot")?;
    let body = axum::body::Bytes::from(body);
    cache.put(id, Some(body.clone()));
    Ok(json_bytes(body))
}

/// A window; strings so a bad number is our JSON 400 that names it.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Window {
    /// The window's start, a finite number (empty: the beginning).
    #[param(pattern = "^[0-9eE+.\\s-]*$")]
    from: Option<String>,
    /// The window's end, a finite number (empty: the end).
    #[param(pattern = "^[0-9eE+.\\s-]*$")]
    to: Option<String>,
}

fn sample_index(name: &str, raw: Option<&str>) -> Result<Option<f64>> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::BadRequest(msg!("result-bad-sample-index", name = name, value = s))
                })
        })
        .transpose()
}

/// `/api/results/{id}/series/{position}…`: named, so a refusal names the segment.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct SeriesPath {
    /// The result's id
    #[param(minimum = 1, example = 1)]
    id: i64,
    /// The series' position
    #[param(example = 0)]
    position: i32,
}

/// A zoom window asked for: the result, the series' position and the window's bounds from the
/// query (`None`: open on that side).
struct SeriesWindow {
    state: AppState,
    id: i64,
    position: i32,
    from: Option<f64>,
    to: Option<f64>,
}

impl FromRequestParts<AppState> for SeriesWindow {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ApiPath(SeriesPath { id, position }) =
            ApiPath::from_request_parts(parts, state).await?;
        let ApiQuery(w) = ApiQuery::<Window>::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            id,
            position,
            from: sample_index("from", w.from.as_deref())?,
            to: sample_index("to", w.to.as_deref())?,
        })
    }
}

impl SeriesWindow {
    /// The series' values, read whole in one of the plots' slots (held until the window is
    /// computed); a 404 when the result has no numeric series there.
    async fn values(&self) -> Result<(OwnedSemaphorePermit, Vec<f64>)> {
        let slot = permit(&PLOTS, PLOTS_AT_ONCE).await?;
        let (id, position) = (self.id, self.position);
        let values = series::series_values(self.state.pool(), id, position)
            .await?
            .ok_or_else(|| {
                Error::NotFound(msg!(
                    "result-series-not-found",
                    id = id,
                    position = position
                ))
            })?;
        Ok((slot, values))
    }
}

/// A window of one series (`from`/`to` in sample indices) at full resolution, downsampled to
/// at most 2,000 points.
#[utoipa::path(get, path = "/api/results/{id}/series/{position}", tag = "results",
    params(SeriesPath, Window),
    responses((status = 200, description = "The window's points", body = signal::Points),
        BadWindow, NoSuchSeries))]
async fn api_window(_u: Viewer, w: SeriesWindow) -> Result<Json<signal::Points>> {
    // The whole series is read: the same slots as a plot.
    let (_slot, values) = w.values().await?;
    let len = values.len() as f64;
    let clamp = |v: f64| v.clamp(0.0, len) as usize;
    let from = clamp(w.from.unwrap_or(0.0).floor());
    let to = clamp(w.to.unwrap_or(len).ceil() + 1.0);
    let points = tokio::task::spawn_blocking(move || {
        signal::downsample(&values, from, to, signal::PLOT_POINTS)
    })
    .await
    .context("downsampling a window")?;
    Ok(Json(points))
}

/// `GET /api/results/{id}/series/{position}/spectrum?from=&to=`: the power spectrum between
/// two frequencies (in the plot's unit: Hz with a sample rate, else cycles/sample) at full
/// resolution, reduced to the plot's size only when the window still has more bins.
#[utoipa::path(get, path = "/api/results/{id}/series/{position}/spectrum", tag = "results",
    params(SeriesPath, Window),
    responses(
        (status = 200, description = "The spectrum's points (x: frequency, y: dB)",
            body = signal::Points),
        BadWindow, NoSuchSeries))]
async fn api_spectrum_window(_u: Viewer, w: SeriesWindow) -> Result<Json<signal::Points>> {
    let from = w.from.unwrap_or(f64::NEG_INFINITY);
    let to = w.to.unwrap_or(f64::INFINITY);
    let d = find(&w.state, w.id).await?;
    let rate = signal::sample_rate(d.parameters.as_ref());
    let (_slot, values) = w.values().await?;
    let points = tokio::task::spawn_blocking(move || {
        let full = signal::spectrum(&values, rate);
        let lo = full.x.partition_point(|&f| f < from);
        let hi = full.x.partition_point(|&f| f <= to);
        let window = signal::Points {
            x: full.x[lo..hi].to_vec(),
            y: full.y[lo..hi].to_vec(),
        };
        signal::downsample_max(&window, signal::PLOT_POINTS)
    })
    .await
    .context("computing a spectrum window")?;
    Ok(Json(points))
}
