//! `/healthz` (process alive), `/readyz` (database and broker reachable) and `/metrics`
//! (Prometheus text, for viewers).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::Viewer;
use crate::error::{Context, Result};
use crate::metrics::Figures;
use crate::routes::{PUBLIC, Routes, VIEWER};
use crate::state::AppState;

/// `/healthz`, `/readyz`, `/metrics` (JSON errors).
pub fn api() -> Routes {
    Routes::api()
        .get("/healthz", PUBLIC, healthz)
        .get("/readyz", PUBLIC, readyz)
        .get("/metrics", VIEWER, metrics)
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

async fn metrics(State(state): State<AppState>, _u: Viewer) -> Result<Response> {
    let f = domain::store::metrics::read(state.pool()).await?;
    let body = state
        .metrics()
        .encode(&Figures {
            status_messages: f.status_messages,
            results: f.results,
            quarantine: f.quarantined,
            stands: f.stands,
            runs_in_progress: f.runs_in_progress,
            registrations_refused: f.registrations_refused,
            seconds_since_last_message: f.seconds_since_last_message,
        })
        .context("encoding the metrics")?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
