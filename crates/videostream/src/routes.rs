//! The HTTP routes, compatible with the old relay's API.

use std::convert::Infallible;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, Error, PageError};
use crate::hub::{self, BOUNDARY};
use crate::pages;
use domain::store::cameras;
use domain::{CameraUrl, StandId};

/// The routes, without state.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/install-test-stand/{stand}",
            get(get_camera).put(put_camera).fallback(any_case_method),
        )
        .route("/vstream-direct/test-stand/{stand}", get(stream))
        .route("/vstream/test-stand/{stand}", get(page))
        .route("/healthz", get(healthz))
}

/// The install form of the old API.
#[derive(Debug, serde::Deserialize)]
pub struct InstallForm {
    /// The camera URL; empty removes the camera.
    pub data: String,
}

fn camera_json(stand: &StandId, url: Option<String>) -> Json<Value> {
    Json(json!({ stand.as_str(): url }))
}

/// `GET /install-test-stand/{stand}`: `{"<stand>": "<url>"}`, or `{"<stand>": null}`.
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn get_camera(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stand = StandId::parse(&raw)?;
    let url = cameras::get(&state.pool, &stand).await?;
    Ok(camera_json(&stand, url))
}

/// `PUT /install-test-stand/{stand}` with `data=<url>`: installs, replaces or (empty) removes.
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn put_camera(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    form: Result<Form<InstallForm>, FormRejection>,
) -> Result<Json<Value>, ApiError> {
    let stand = StandId::parse(&raw)?;
    let Form(form) = form.map_err(|e| Error::BadForm(e.body_text()))?;
    let url = if form.data.trim().is_empty() {
        cameras::remove(&state.pool, &stand).await?;
        tracing::info!("camera removed");
        // The old relay answered a removal with the empty string it stored.
        Some(String::new())
    } else {
        let url = CameraUrl::parse(&form.data)?;
        cameras::install(&state.pool, &stand, &url).await?;
        tracing::info!(%url, "camera installed");
        Some(url.to_string())
    };
    // Viewers of the old camera are cut off; the next ones watch the new one.
    state.hub.forget(&stand);
    Ok(camera_json(&stand, url))
}

/// Methods spelled in another case (`curl -X put`, as the old test script sends it): HTTP
/// methods are case-sensitive, so `put` is not `PUT` to the router, but the old relay (Flask)
/// took any case. `GET` and `PUT` in any case are served; anything else is 405.
async fn any_case_method(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    request: Request,
) -> Response {
    let method = request.method().as_str().to_ascii_uppercase();
    match method.as_str() {
        "GET" => get_camera(State(state), Path(raw)).await.into_response(),
        "PUT" => {
            let form = Form::<InstallForm>::from_request(request, &state).await;
            put_camera(State(state), Path(raw), form)
                .await
                .into_response()
        }
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, PUT")],
        )
            .into_response(),
    }
}

/// `GET /vstream-direct/test-stand/{stand}`: the MJPEG stream, or an error page.
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn stream(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let stand = StandId::parse(&raw)?;
    let url = cameras::get(&state.pool, &stand)
        .await?
        .ok_or_else(|| Error::NoCamera(stand.clone()))?;
    let camera_error = |cause| Error::Camera {
        stand: stand.clone(),
        cause,
    };
    let mut rx = state.hub.subscribe(&stand, &url).map_err(camera_error)?;
    let first = hub::first_frame(&mut rx, state.hub.settings().first_frame_timeout)
        .await
        .map_err(camera_error)?;
    tracing::debug!("viewer joined");
    let frames = futures::stream::unfold((rx, Some(first)), |(mut rx, first)| async move {
        let frame = match first {
            Some(frame) => frame,
            None => hub::next_frame(&mut rx).await?,
        };
        Some((Ok::<Bytes, Infallible>(frame.part), (rx, None)))
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (
                header::CACHE_CONTROL,
                "no-cache, no-store, must-revalidate".to_owned(),
            ),
            // Tells nginx not to buffer the stream even where the proxy config forgets to.
            (
                header::HeaderName::from_static("x-accel-buffering"),
                "no".to_owned(),
            ),
        ],
        Body::from_stream(frames),
    )
        .into_response())
}

/// `GET /vstream/test-stand/{stand}`: a page showing the stream, or "no camera installed".
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    let stand = StandId::parse(&raw)?;
    if cameras::get(&state.pool, &stand).await?.is_none() {
        return Err(Error::NoCamera(stand).into());
    }
    Ok(Html(pages::viewer(&stand)))
}

/// `GET /healthz`: 200 when the database answers.
async fn healthz(State(state): State<AppState>) -> Response {
    match domain::store::ping(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}
