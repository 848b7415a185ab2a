//! The results API: the list (`GET /api/results`), one result with its series as stored
//! (`GET /api/results/{id}`), "keep forever" (`PATCH`) and deletion (`DELETE`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::store::results;
use serde_json::Value;
use serde_json::value::RawValue;

use super::cache::PlotCache;
use super::load;
use super::params::ListParams;
use crate::api_doc::{NoSuchResult, ResultIdParam};
use crate::auth::{Operator, Viewer};
use crate::error::{Context, Error, ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Found};
use crate::msg;
use crate::routes::{OPERATOR, Routes, VIEWER};
use crate::state::AppState;

/// `/api/results` and `/api/results/{id}`.
pub fn routes() -> Routes {
    Routes::api()
        .get("/api/results", VIEWER, api_list)
        .get("/api/results/{id}", VIEWER, api_get)
        .patch("/api/results/{id}", OPERATOR, api_patch)
        .delete("/api/results/{id}", OPERATOR, api_delete)
}

/// One page of the results list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultList {
    /// The results of the page, newest first.
    pub items: Vec<results::ResultItem>,
    /// How many results match the filter in all.
    pub total: i64,
}

/// The results, newest first, filtered and paged.
#[utoipa::path(get, path = "/api/results", tag = "results",
    params(ListParams),
    responses(
        (status = 200, description = "One page of results", body = ResultList),
        (status = 400, description = "A filter or paging value is not valid (the message names \
            it)", body = ErrorBody),
    ))]
async fn api_list(
    State(state): State<AppState>,
    _u: Viewer,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<ResultList>> {
    let req = q.parse()?;
    let (items, total) = req.list(state.pool()).await?;
    Ok(Json(ResultList { items, total }))
}

/// `GET /api/results/{id}`: the series are the stored `dataObj` text, unparsed, so they come
/// back exactly as the stand sent them.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Result)]
pub struct ResultJson<'a> {
    /// The result's id.
    id: i64,
    /// The stand's id.
    #[schema(value_type = domain::StandId)]
    stand: &'a domain::StandId,
    /// The run it completed, if it was started from here.
    run: Option<i64>,
    /// The stand's `sentBy`.
    #[schema(value_type = String)]
    sent_by: &'a str,
    /// Who started the run, if it was started from here.
    #[schema(value_type = Option<String>)]
    requested_by: Option<&'a str>,
    /// When it arrived.
    received_at: DateTime<Utc>,
    /// The status code it came with.
    status_code: i16,
    /// The commands as the stand reported them (`commandList`).
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    commands: &'a Option<Value>,
    /// The parameters as the stand reported them.
    #[schema(value_type = Option<Object>)]
    parameters: &'a Option<Value>,
    /// The stand's `dataObj` exactly as sent.
    #[schema(value_type = Object)]
    series: &'a RawValue,
    /// Kept forever.
    keep: bool,
    /// Points in all series.
    point_count: i64,
    /// It arrived after its run was cancelled (stored with the run all the same).
    late: bool,
    /// Its verdict against the limits of the test template its run was started from.
    verdict: super::verdict::VerdictView,
}

/// One result with its series exactly as the stand sent them.
#[utoipa::path(get, path = "/api/results/{id}", tag = "results", params(ResultIdParam),
    responses((status = 200, description = "The result", body = ResultJson), NoSuchResult))]
async fn api_get(
    State(state): State<AppState>,
    _u: Viewer,
    Found(d): Found<results::ResultDetail>,
) -> Result<Response> {
    let id = d.id;
    // The whole series in memory twice (text and JSON), like a plot: same slots, held until
    // the answer is written (or the connection is cut by the write time-out).
    let permit = load::permit(&load::PLOTS, load::PLOTS_AT_ONCE).await?;
    let data = results::data_text(state.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(msg!("result-not-found", id = id)))?;
    let raw: Box<RawValue> = RawValue::from_string(data).context("reading stored series")?;
    let verdict = super::verdict::of(state.pool(), id).await?;
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
        late: d.run_cancelled_at.is_some(),
        verdict,
    })
    .context("encoding the result")?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        load::holding(permit, body),
    )
        .into_response())
}

/// "Keep forever" on or off.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"keep": true}))]
#[serde(deny_unknown_fields)]
pub struct KeepPatch {
    /// Keep the result forever (retention skips it).
    keep: bool,
}

/// The result's "keep forever" as saved.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct KeepAnswer {
    /// The result's id.
    id: i64,
    /// Kept forever.
    keep: bool,
}

/// Sets "keep forever".
#[utoipa::path(patch, path = "/api/results/{id}", tag = "results", params(ResultIdParam),
    request_body = KeepPatch,
    responses((status = 200, description = "Saved", body = KeepAnswer),
        (status = 400, description = "The body is not `{\"keep\": true|false}`", body = ErrorBody),
        NoSuchResult))]
async fn api_patch(
    State(state): State<AppState>,
    _o: Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<KeepPatch>,
) -> Result<Json<KeepAnswer>> {
    load::set_keep(&state, id, patch.keep).await?;
    Ok(Json(KeepAnswer {
        id,
        keep: patch.keep,
    }))
}

/// Deletes a result with its series.
#[utoipa::path(delete, path = "/api/results/{id}", tag = "results",
    params(("id" = i64, Path, minimum = 1, description = "The result's id", example = 5)),
    responses((status = 204, description = "Deleted"), NoSuchResult))]
async fn api_delete(
    State(state): State<AppState>,
    _o: Operator,
    ApiPath(id): ApiPath<i64>,
    Extension(cache): Extension<Arc<PlotCache>>,
) -> Result<StatusCode> {
    load::delete(&state, &cache, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
