//! The run API: `POST /api/stands/{id}/runs` (start a test), `GET /api/stands/{id}/runs`
//! (a stand's latest runs), `GET /api/runs/{id}` and `POST /api/runs/{id}/cancel`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::store::runs;

use super::{StartRun, Started};
use crate::api_doc::{BadQuery, NoSuchRun, NoSuchStand, RunIdParam, StandIdParam};
use crate::auth::{Operator, Viewer};
use crate::error::{Error, ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, Found, Lookup, stand_id};
use crate::msg;
use crate::routes::{OPERATOR, Routes, VIEWER};
use crate::stands::api::{Limit, StandRows};
use crate::state::AppState;

/// The run API routes.
pub fn routes() -> Routes {
    Routes::api()
        .post("/api/stands/{id}/runs", OPERATOR, start_run)
        .get("/api/stands/{id}/runs", VIEWER, stand_runs)
        .get("/api/runs/{id}", VIEWER, get_run)
        .post("/api/runs/{id}/cancel", OPERATOR, cancel_run)
}

/// The stand's latest runs, newest first (`limit` 1–1,000, default 20).
#[utoipa::path(get, path = "/api/stands/{id}/runs", tag = "runs", params(StandIdParam, Limit),
    responses((status = 200, description = "Runs, newest first", body = Vec<runs::RunSummary>),
        BadQuery, NoSuchStand))]
async fn stand_runs(
    State(state): State<AppState>,
    _u: Viewer,
    rows: StandRows<20, 1000>,
) -> Result<impl IntoResponse> {
    let recent = runs::recent(state.pool(), &rows.stand.id, rows.limit);
    Ok(Json(recent.await?))
}

/// Starts a test: stores the run, publishes the `command` message at QoS 2 on the stand's
/// outbound topic and waits for the broker's confirmation (`MQTT_PUBLISH_TIMEOUT_SECONDS`).
#[utoipa::path(post, path = "/api/stands/{id}/runs", tag = "runs",
    params(StandIdParam),
    request_body = StartRun,
    responses(
        (status = 201, description = "The command was confirmed by the broker", body = Started),
        (status = 400, description = "The body is not valid (`parameters` not an object, \
            `commands` not an array of strings, an unknown field), or the template refuses \
            values (each refused parameter named) or was sent `commands`", body = ErrorBody),
        (status = 404, description = "No such stand, or no such template on it",
            body = ErrorBody),
        (status = 409, description = "The stand is not ready (busy, off, offline, in error, \
            never heard from); an operator's start without a template on a stand that has \
            templates; the template was deleted or edited since. Nothing was sent",
            body = ErrorBody),
        (status = 503, description = "The broker did not confirm in time; the run is marked \
            failed", body = ErrorBody),
    ))]
async fn start_run(
    State(state): State<AppState>,
    Operator(by): Operator,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<StartRun>,
) -> Result<impl IntoResponse> {
    let stand = stand_id(&id)?;
    let started = super::start(&state, &by, &stand, body).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// One run with its parameters, commands, state and result.
#[utoipa::path(get, path = "/api/runs/{id}", tag = "runs", params(RunIdParam),
    responses((status = 200, description = "The run", body = runs::Run), NoSuchRun))]
async fn get_run(_u: Viewer, Found(run): Found<runs::Run>) -> Json<runs::Run> {
    Json(run)
}

impl Lookup for runs::Run {
    type Id = i64;

    async fn find(state: &AppState, id: i64) -> Result<Self> {
        runs::get(state.pool(), id)
            .await?
            .ok_or_else(|| Error::NotFound(msg!("run-not-found", id = id)))
    }
}

/// Cancels a run that has not ended (a stand that never answers no longer blocks new starts
/// until `max_test_seconds`), recording who and when. A result the stand sends afterwards is
/// still stored with the run.
#[utoipa::path(post, path = "/api/runs/{id}/cancel", tag = "runs", params(RunIdParam),
    responses((status = 200, description = "The run, now `cancelled`", body = runs::Run), NoSuchRun,
        (status = 409, description = "The run has ended already", body = ErrorBody)))]
async fn cancel_run(
    State(state): State<AppState>,
    Operator(by): Operator,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    Ok(Json(super::cancel(&state, &by, run_id).await?))
}
