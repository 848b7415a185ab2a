//! `/healthz` (process alive), `/readyz` (database and broker reachable), `/metrics`
//! (Prometheus text), and the middleware that times every request and sets security headers.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde_json::json;

use crate::AppState;
use crate::auth::Viewer;

/// `/healthz`, `/readyz`, `/metrics`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// Public like `/healthz` so orchestrators can probe it; it says only "ok" or "unreachable".
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = domain::store::ping(state.pool()).await.is_ok();
    let broker = state.publisher().check().await;
    if let Err(e) = &broker {
        tracing::warn!(error = %e, "readyz: broker");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let ready = db && broker.is_ok();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        axum::Json(json!({
            "status": if ready { "ready" } else { "not ready" },
            "database": word(db),
            "broker": word(broker.is_ok()),
        })),
    )
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// The process's metrics; database figures are read at scrape time.
pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Histogram>,
    stored: Family<KindLabel, Gauge>,
    stands: Gauge,
    runs_in_progress: Gauge,
    lag: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers the metrics.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("standhub");
        let http = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route and status",
            http.clone(),
        );
        let stored = Family::<KindLabel, Gauge>::default();
        registry.register(
            "messages_stored",
            "Inbound messages stored: status history rows, results, rejected (quarantine)",
            stored.clone(),
        );
        let stands = Gauge::default();
        registry.register("stands", "Stands known", stands.clone());
        let runs_in_progress = Gauge::default();
        registry.register(
            "runs_in_progress",
            "Runs sent or running",
            runs_in_progress.clone(),
        );
        let lag = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "seconds_since_last_message",
            "Seconds since the newest stored inbound message (handler lag while stands talk)",
            lag.clone(),
        );
        Self {
            registry,
            http,
            stored,
            stands,
            runs_in_progress,
            lag,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(seconds);
    }
}

async fn metrics(State(state): State<AppState>, _u: Viewer) -> crate::Result<Response> {
    let f = domain::store::figures::read(state.pool()).await?;
    let m = state.metrics();
    m.stored
        .get_or_create(&KindLabel { kind: "status" })
        .set(f.status_messages);
    m.stored
        .get_or_create(&KindLabel { kind: "result" })
        .set(f.results);
    m.stored
        .get_or_create(&KindLabel { kind: "rejected" })
        .set(f.quarantined);
    m.stands.set(f.stands);
    m.runs_in_progress.set(f.runs_in_progress);
    m.lag.set(f.seconds_since_last_message.unwrap_or(0.0));
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|e| crate::Error::Internal(e.into()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

const CSP: &str = "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; \
                   script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// Middleware (route layer, so the matched route is known): records each request's latency.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
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

/// Middleware: the security headers on every answer.
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
