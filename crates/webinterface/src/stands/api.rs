//! `GET /api/stands`, `/api/stands/{id}` and `/api/stands/{id}/status`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use domain::store::stands::{self, StandView};
use serde_json::{Value, json};

use super::StandJson;
use crate::auth::Viewer;
use crate::error::Result;
use crate::routes::{Routes, VIEWER};
use crate::shared::{find_stand, stand_id};
use crate::state::AppState;

/// The stand API routes for viewers.
pub fn routes() -> Routes {
    let viewer = VIEWER;
    Routes::api()
        .get("/api/stands", viewer, list_stands)
        .get("/api/stands/{id}", viewer, get_stand)
        .get("/api/stands/{id}/status", viewer, status_history)
}

async fn list_stands(State(state): State<AppState>, _u: Viewer) -> Result<Json<Vec<StandJson>>> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(Json(all.into_iter().map(StandJson::from).collect()))
}

/// A stand with its settings, as `GET /api/stands/{id}` and the admin calls answer.
pub fn stand_detail(v: StandView) -> Value {
    let extra = json!({
        "description": v.description,
        "camera_url": v.camera_url,
        "max_test_seconds": v.max_test_seconds,
        "legacy_topics": v.legacy_topics,
    });
    let mut out = serde_json::to_value(StandJson::from(v)).unwrap_or_default();
    if let (Some(o), Value::Object(e)) = (out.as_object_mut(), extra) {
        o.extend(e);
    }
    out
}

async fn get_stand(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(stand_detail(find_stand(&state, &id).await?)))
}

/// `?limit=` of the history lists.
#[derive(serde::Deserialize)]
pub struct Limit {
    /// How many rows, clamped by each route.
    pub limit: Option<i64>,
}

async fn status_history(
    State(state): State<AppState>,
    _u: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> Result<impl IntoResponse> {
    let stand = find_stand(&state, &id).await?;
    let limit = q.limit.unwrap_or(50).clamp(1, 10_000);
    Ok(Json(
        domain::store::status_history::list(state.pool(), &stand_id(&stand.id)?, limit).await?,
    ))
}
