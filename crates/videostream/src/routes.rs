//! The HTTP routes, compatible with the old relay's API, with access checks: the install API
//! takes an admin token, the stream and page a signed link ([`crate::access`]). Camera URLs in
//! answers are redacted.

use std::convert::Infallible;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Form, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::AppState;
use crate::access::{self, LinkQuery};
use crate::error::{ApiError, Error, PageError};
use crate::frame::BOUNDARY;
use crate::hub;
use crate::pages;
use domain::camera::redact;
use domain::store::cameras;
use domain::{CameraUrl, StandId};

/// The relay's own Content-Security-Policy, on every response: its pages load nothing but the
/// stream's images from the relay itself, and run no script or inline style.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The largest install form accepted (a camera URL).
const MAX_FORM_BYTES: usize = 8 * 1024;

/// Adds the relay's security headers to every response of `router`.
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(axum::middleware::map_response(
        |mut response: Response| async move {
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                // The signed link is in the URL: no other site gets it as a referrer.
                HeaderValue::from_static("same-origin"),
            );
            response
        },
    ))
}

/// The routes, without state.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/install-test-stand/{stand}",
            get(get_camera).put(put_camera).fallback(any_case_method),
        )
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .route("/vstream-direct/test-stand/{stand}", get(stream))
        .route("/vstream/test-stand/{stand}", get(page))
        .route("/healthz", get(healthz))
        .route("/", get(index))
        .route("/video_feed", get(old_feed))
}

/// `/`: the old relay's start page showed its one camera. This relay has one stream per
/// stand, opened from the stand's page: say so (200, so a bookmark still finds the relay).
async fn index() -> Response {
    Html(pages::message(
        "Video relay",
        "This relay streams each test stand's camera. Open a stand's page in the web \
         interface to watch its camera; the page links here with a signed address \
         (/vstream/test-stand/<stand>?…).",
    ))
    .into_response()
}

/// `/video_feed`: the old relay's single MJPEG feed. There is one stream per stand now, at a
/// signed address the stand's page gives: 410 saying where it went.
async fn old_feed() -> Response {
    (
        StatusCode::GONE,
        Html(pages::message(
            "This feed has moved",
            "The old relay's single /video_feed is now one stream per stand: \
             /vstream-direct/test-stand/<stand> (the MJPEG stream) and \
             /vstream/test-stand/<stand> (a page showing it), each opened from the stand's \
             page in the web interface, which signs the address.",
        )),
    )
        .into_response()
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

/// `GET /install-test-stand/{stand}` (admin): `{"<stand>": "<url>"}` with the password
/// redacted, or `{"<stand>": null}`.
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn get_camera(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    access::check_admin(&state, &headers).await?;
    let stand = StandId::parse(&raw)?;
    let url = cameras::get(&state.pool, &stand).await?;
    Ok(camera_json(&stand, url.as_deref().map(redact)))
}

/// `PUT /install-test-stand/{stand}` (admin) with `data=<url>`: installs, replaces or (empty)
/// removes. The URL must pass the camera address rules now (and again at every fetch).
async fn put_camera(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    request: Request,
) -> Response {
    install(state, raw, request).await.into_response()
}

#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn install(state: AppState, raw: String, request: Request) -> Result<Json<Value>, ApiError> {
    // Before reading anything else: a stranger learns nothing, not even whether the id is valid.
    access::check_admin(&state, request.headers()).await?;
    let stand = StandId::parse(&raw)?;
    let limit = state.settings().body_read_timeout;
    let form = tokio::time::timeout(limit, Form::<InstallForm>::from_request(request, &state))
        .await
        .map_err(|_| Error::BadForm(format!("the body did not arrive within {limit:?}")))?;
    let Form(form) = form.map_err(|e| Error::BadForm(e.body_text()))?;
    let url = if form.data.trim().is_empty() {
        cameras::remove(&state.pool, &stand).await?;
        tracing::info!("camera removed");
        // The old relay answered a removal with the empty string it stored.
        Some(String::new())
    } else {
        let url = CameraUrl::parse(&form.data)?;
        state.settings().policy.check(&url).await?;
        cameras::install(&state.pool, &stand, &url).await?;
        // Display is redacted: the password stays out of the log and the answer.
        tracing::info!(%url, "camera installed");
        Some(url.redacted())
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
        "GET" => get_camera(State(state), Path(raw), request.headers().clone())
            .await
            .into_response(),
        "PUT" => install(state, raw, request).await.into_response(),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, PUT")],
        )
            .into_response(),
    }
}

/// `GET /vstream-direct/test-stand/{stand}?exp=…&sig=…`: the MJPEG stream, or an error page.
/// The link is checked when the viewer connects; an open stream goes on after it expires.
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn stream(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(link): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let stand = StandId::parse(&raw)?;
    access::check_viewer(&state, stand.as_str(), &link)?;
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

/// `GET /vstream/test-stand/{stand}?exp=…&sig=…`: a page showing the stream (with the same
/// signed link), or "no camera installed".
#[tracing::instrument(skip_all, fields(stand = %raw))]
async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(link): Query<LinkQuery>,
) -> Result<Html<String>, PageError> {
    let stand = StandId::parse(&raw)?;
    access::check_viewer(&state, stand.as_str(), &link)?;
    if cameras::get(&state.pool, &stand).await?.is_none() {
        return Err(Error::NoCamera(stand).into());
    }
    Ok(Html(pages::viewer(&stand, link.to_query().as_deref())))
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
