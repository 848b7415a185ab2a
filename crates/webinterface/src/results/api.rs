//! The results API: the list (`GET /api/results`), one result with its series as stored
//! (`GET /api/results/{id}`), "keep forever" (`PATCH`) and deletion (`DELETE`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::store::results;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::cache::PlotCache;
use super::load::{self, find, result_id};
use super::params::ListParams;
use crate::auth::{Operator, Viewer};
use crate::error::{Context, Error, Result};
use crate::routes::{OPERATOR, Routes, VIEWER};
use crate::shared::ApiJson;
use crate::state::AppState;

/// `/api/results` and `/api/results/{id}`.
pub fn routes() -> Routes {
    Routes::api()
        .get("/api/results", VIEWER, api_list)
        .get("/api/results/{id}", VIEWER, api_get)
        .patch("/api/results/{id}", OPERATOR, api_patch)
        .delete("/api/results/{id}", OPERATOR, api_delete)
}

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
    let raw: Box<RawValue> = RawValue::from_string(data).context("reading stored series")?;
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
    .context("encoding the result")?;
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
    load::set_keep(&state, id, patch.keep).await?;
    Ok(Json(json!({"id": id, "keep": patch.keep})))
}

async fn api_delete(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
    Extension(cache): Extension<Arc<PlotCache>>,
) -> Result<StatusCode> {
    let id = result_id(&id)?;
    load::delete(&state, &cache, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
