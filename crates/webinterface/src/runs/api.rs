//! The run API: `POST /api/stands/{id}/runs` (start a test), `GET /api/stands/{id}/runs`
//! (a stand's latest runs) and `GET /api/runs/{id}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::store::runs;

use super::StartRun;
use crate::auth::{Operator, Viewer};
use crate::error::{Error, Result};
use crate::routes::{OPERATOR, Routes, VIEWER};
use crate::shared::{ApiJson, find_stand, stand_id};
use crate::stands::api::Limit;
use crate::state::AppState;

/// The run API routes.
pub fn routes() -> Routes {
    Routes::api()
        .post("/api/stands/{id}/runs", OPERATOR, start_run)
        .get("/api/stands/{id}/runs", VIEWER, stand_runs)
        .get("/api/runs/{id}", VIEWER, get_run)
}

async fn stand_runs(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<impl IntoResponse> {
    let stand = find_stand(&state, &id).await?;
    let limit = q.limit.unwrap_or(20).clamp(1, 1000);
    Ok(Json(
        runs::recent(state.pool(), &stand_id(&stand.id)?, limit).await?,
    ))
}

async fn start_run(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StartRun>,
) -> Result<impl IntoResponse> {
    let stand = stand_id(&id)?;
    let started = super::start(&state, &by, &stand, body).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

async fn get_run(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let run_id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("no run {id:?}")))?;
    let run = runs::get(state.pool(), run_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no run {run_id}")))?;
    Ok(Json(run))
}
