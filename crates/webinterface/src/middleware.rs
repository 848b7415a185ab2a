//! The layers every request passes: a span per request (method, path, matched route, user),
//! so a 500 in the log says where and for whom; the latency metric by route; the security
//! headers on every answer.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::Empty;

use crate::state::AppState;

/// Outermost layer: runs the request inside a `request` span. The route is recorded by
/// [`track`] once routing has matched, the user by `auth::authenticate`.
pub async fn request_span(req: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        route = Empty,
        user = Empty,
    );
    async move {
        let start = Instant::now();
        let response = next.run(req).await;
        let status = response.status().as_u16();
        let ms = start.elapsed().as_millis();
        if response.status().is_server_error() {
            tracing::warn!(status, ms, "request failed");
        } else {
            tracing::debug!(status, ms, "request");
        }
        response
    }
    .instrument(span)
    .await
}

/// Route layer (so the matched route is known): records the route in the request's span and
/// each request's latency in the metrics.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    tracing::Span::current().record("route", route.as_str());
    let response = next.run(req).await;
    // An event stream's latency is its lifetime, not a request latency.
    if route != "/events" {
        state.metrics().observe(
            &method,
            &route,
            response.status().as_u16(),
            start.elapsed().as_secs_f64(),
        );
    }
    response
}

const CSP: &str = "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; \
                   script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// The security headers on every answer.
pub async fn secure_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    response
}
