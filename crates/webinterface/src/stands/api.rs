//! `GET /api/stands`, `/api/stands/{id}` and `/api/stands/{id}/status`.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use domain::store::stands::{self, StandView};

use super::StandJson;
use crate::api_doc::{BadQuery, NoSuchStand, StandIdParam};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::extract::{ApiQuery, Found};
use crate::routes::{Routes, VIEWER};
use crate::state::AppState;

/// The stand API routes for viewers.
pub fn routes() -> Routes {
    let viewer = VIEWER;
    Routes::api()
        .get("/api/stands", viewer, list_stands)
        .get("/api/stands/{id}", viewer, get_stand)
        .get("/api/stands/{id}/status", viewer, status_history)
}

/// Every stand with its state, by id.
#[utoipa::path(get, path = "/api/stands", tag = "stands",
    responses((status = 200, description = "The stands", body = Vec<StandJson>)))]
async fn list_stands(State(state): State<AppState>, _u: Viewer) -> Result<Json<Vec<StandJson>>> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(Json(all.into_iter().map(StandJson::from).collect()))
}

/// A stand with its settings, as `GET /api/stands/{id}` and the admin calls answer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StandDetail {
    /// The stand as the list shows it.
    #[serde(flatten)]
    pub stand: StandJson,
    /// Free text.
    pub description: String,
    /// The camera's URL, if it has one, its password shown as `***`.
    pub camera_url: Option<String>,
    /// The longest a test may run, in seconds.
    pub max_test_seconds: i32,
    /// Whether the stand uses the old `Testdevice/{stand}/…` topics.
    pub legacy_topics: bool,
    /// `standard`, `legacy` or `guide` (`Testdevice/{stand}/outbound`): the topics it is set
    /// up with, or answered on since it was heard.
    #[schema(value_type = domain::StandTopics, example = "guide")]
    pub topics: &'static str,
}

/// A stand with its settings.
pub fn stand_detail(v: StandView) -> StandDetail {
    StandDetail {
        description: v.description.clone(),
        camera_url: v.camera_url.as_deref().map(domain::camera::redact),
        max_test_seconds: v.max_test_seconds,
        legacy_topics: v.legacy_topics,
        topics: v.topics().as_str(),
        stand: StandJson::from(v),
    }
}

/// One stand with its settings.
#[utoipa::path(get, path = "/api/stands/{id}", tag = "stands", params(StandIdParam),
    responses((status = 200, description = "The stand", body = StandDetail), NoSuchStand))]
async fn get_stand(_u: Viewer, Found(stand): Found<StandView>) -> Result<Json<StandDetail>> {
    Ok(Json(stand_detail(stand)))
}

/// `?limit=` of the history lists.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Limit {
    /// How many rows (newest first); out-of-range values are clamped to the route's bounds.
    pub limit: Option<i64>,
}

/// What a stand's history list asks for: the stand its path names (or the JSON 404) and
/// `?limit=` clamped to `1..=MAX`, `DEFAULT` when none was given. The query is read first, so
/// a bad `limit` is a 400 whether or not the stand exists.
pub struct StandRows<const DEFAULT: i64, const MAX: i64> {
    /// The stand.
    pub stand: StandView,
    /// How many rows to answer.
    pub limit: i64,
}

impl<const DEFAULT: i64, const MAX: i64> FromRequestParts<AppState> for StandRows<DEFAULT, MAX> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ApiQuery(q) = ApiQuery::<Limit>::from_request_parts(parts, state).await?;
        let Found(stand) = Found::<StandView>::from_request_parts(parts, state).await?;
        let limit = q.limit.unwrap_or(DEFAULT).clamp(1, MAX);
        Ok(Self { stand, limit })
    }
}

/// The stand's status codes, newest first (`limit` 1–10,000, default 50).
#[utoipa::path(get, path = "/api/stands/{id}/status", tag = "stands", params(StandIdParam, Limit),
    responses(
        (status = 200, description = "Status codes received, newest first",
            body = Vec<domain::store::status_history::StatusEntry>), BadQuery, NoSuchStand))]
async fn status_history(
    State(state): State<AppState>,
    _u: Viewer,
    rows: StandRows<50, 10_000>,
) -> Result<impl IntoResponse> {
    let history = domain::store::status_history::list(state.pool(), &rows.stand.id, rows.limit);
    Ok(Json(history.await?))
}
