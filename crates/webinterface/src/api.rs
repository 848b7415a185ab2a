//! The JSON API under `/api/`: stands, their status history, runs, rejected messages, and the
//! admin calls for stands, users and tokens. Errors are `{"error": "…"}`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::CameraUrl;
use domain::store::stands::{self, StandAdminError, StandSettings, StandView};
use domain::store::users::{self, Role, UserError};
use domain::store::{quarantine, runs, status_history};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::{self, Admin, Operator, Viewer};
use crate::runs::{StartRun, stand_id};
use crate::{AppState, Error, Result};

/// The API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/stands", get(list_stands).post(create_stand))
        .route("/api/stands/{id}", get(get_stand).patch(update_stand))
        .route("/api/stands/{id}/status", get(status_history))
        .route("/api/stands/{id}/runs", post(start_run).get(stand_runs))
        .route("/api/runs/{id}", get(get_run))
        .route("/api/rejected", get(rejected))
        .route("/api/users", get(list_users).post(create_user))
        .route("/api/tokens", post(create_token))
        .route("/api/jobs", get(job_runs))
        .route("/api/{*rest}", axum::routing::any(not_found))
}

async fn not_found() -> Error {
    Error::NotFound("no such API route; see the route table in the README".into())
}

/// `Json` whose refusals are JSON errors with the reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(Error::BadRequest(match e {
                JsonRejection::MissingJsonContentType(_) => {
                    "send the body as JSON with Content-Type: application/json".into()
                }
                other => other.body_text(),
            })),
        }
    }
}

/// A stand as the API shows it (`GET /api/stands` and the live `stand` events).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StandJson {
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `offline`, `off`, `busy`, `error`, `ready` or `unknown`.
    pub state: &'static str,
    /// Latest status code below 600.
    pub status_code: Option<u16>,
    /// Its meaning.
    pub status_meaning: Option<&'static str>,
    /// Latest power code.
    pub power_code: Option<u16>,
    /// Last time anything was heard (RFC 3339 UTC).
    pub last_seen: Option<DateTime<Utc>>,
    /// The id of the run in progress, or null.
    pub run: Option<i64>,
}

impl From<StandView> for StandJson {
    fn from(v: StandView) -> Self {
        Self {
            id: v.id,
            name: v.name,
            state: v.state.as_str(),
            status_code: v.status_code,
            status_meaning: v.status_meaning,
            power_code: v.power_code,
            last_seen: v.last_seen,
            run: v.run,
        }
    }
}

async fn me(Viewer(a): Viewer) -> Json<Value> {
    Json(json!({"username": a.user.username, "role": a.user.role, "csrf": a.csrf()}))
}

async fn list_stands(State(state): State<AppState>, _u: Viewer) -> Result<Json<Vec<StandJson>>> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(Json(all.into_iter().map(StandJson::from).collect()))
}

async fn find_stand(state: &AppState, raw: &str) -> Result<StandView> {
    let id = stand_id(raw)?;
    stands::get(state.pool(), &id, state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no stand {id}")))
}

fn stand_detail(v: StandView) -> Value {
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

#[derive(serde::Deserialize)]
struct Limit {
    limit: Option<i64>,
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
        status_history::list(state.pool(), &stand_id(&stand.id)?, limit).await?,
    ))
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
    let started = crate::runs::start(&state, &by, &stand, body).await?;
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

#[derive(serde::Deserialize)]
struct Page {
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn rejected(
    State(state): State<AppState>,
    _u: Viewer,
    Query(q): Query<Page>,
) -> Result<Json<Value>> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = quarantine::page(state.pool(), (page - 1) * per_page, per_page).await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "topic": r.topic,
                "reason": r.reason,
                "size": r.size,
                "payload_base64": r.payload.map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
                "received_at": r.received_at,
            })
        })
        .collect();
    Ok(Json(json!({"items": items, "total": total})))
}

/// The editable fields of a stand in `POST /api/stands` and `PATCH /api/stands/{id}`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandPatch {
    /// New id (create only).
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Camera URL; empty removes it.
    pub camera_url: Option<String>,
    /// Time limit in seconds.
    pub max_test_seconds: Option<i32>,
    /// Legacy topics.
    pub legacy_topics: Option<bool>,
}

impl StandPatch {
    fn apply(self, mut s: StandSettings) -> Result<StandSettings> {
        if let Some(name) = self.name {
            s.name = name.trim().to_owned();
        }
        if let Some(d) = self.description {
            s.description = d;
        }
        if let Some(url) = self.camera_url {
            s.camera_url = check_camera_url(&url)?;
        }
        if let Some(m) = self.max_test_seconds {
            s.max_test_seconds = m;
        }
        if let Some(l) = self.legacy_topics {
            s.legacy_topics = l;
        }
        if s.max_test_seconds < 1 {
            return Err(StandAdminError::BadDuration.into());
        }
        Ok(s)
    }
}

/// An empty URL removes the camera; others must pass [`CameraUrl::parse`].
pub fn check_camera_url(raw: &str) -> Result<Option<CameraUrl>> {
    CameraUrl::parse_optional(raw).map_err(|e| Error::BadRequest(e.to_string()))
}

impl From<StandAdminError> for Error {
    fn from(e: StandAdminError) -> Self {
        match e {
            StandAdminError::Duplicate(_) => Error::Conflict(e.to_string()),
            StandAdminError::NotFound(_) => Error::NotFound(e.to_string()),
            StandAdminError::BadDuration => Error::BadRequest(e.to_string()),
            StandAdminError::Db(e) => e.into(),
        }
    }
}

impl From<UserError> for Error {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Duplicate(_) => Error::Conflict(e.to_string()),
            UserError::BadName(_) => Error::BadRequest(e.to_string()),
            UserError::NotFound(_) => Error::NotFound(e.to_string()),
            UserError::Db(e) => e.into(),
        }
    }
}

/// The settings a stand has now.
pub fn settings_of(v: &StandView) -> StandSettings {
    StandSettings {
        name: v.name.clone(),
        description: v.description.clone(),
        camera_url: v.camera_url.clone().map(CameraUrl::from_stored),
        max_test_seconds: v.max_test_seconds,
        legacy_topics: v.legacy_topics,
    }
}

async fn update_stand(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<StandPatch>,
) -> Result<Json<Value>> {
    let current = find_stand(&state, &id).await?;
    if patch.id.is_some() {
        return Err(Error::BadRequest("a stand's id cannot be changed".into()));
    }
    let settings = patch.apply(settings_of(&current))?;
    let sid = stand_id(&current.id)?;
    stands::update(state.pool(), &sid, &settings).await?;
    Ok(Json(stand_detail(find_stand(&state, &id).await?)))
}

async fn create_stand(
    State(state): State<AppState>,
    _a: Admin,
    ApiJson(patch): ApiJson<StandPatch>,
) -> Result<impl IntoResponse> {
    let raw = patch
        .id
        .clone()
        .ok_or_else(|| Error::BadRequest("give the stand's id".into()))?;
    let sid = domain::StandId::parse(raw.trim()).map_err(|e| Error::BadRequest(e.to_string()))?;
    let defaults = StandSettings {
        name: sid.to_string(),
        description: String::new(),
        camera_url: None,
        max_test_seconds: 3600,
        legacy_topics: false,
    };
    let settings = patch.apply(defaults)?;
    stands::create(state.pool(), &sid, &settings).await?;
    stands::notify_stand(state.pool(), &sid).await?;
    Ok((
        StatusCode::CREATED,
        Json(stand_detail(find_stand(&state, sid.as_str()).await?)),
    ))
}

async fn list_users(State(state): State<AppState>, _a: Admin) -> Result<Json<Value>> {
    Ok(Json(json!(users::list(state.pool()).await?)))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    #[serde(default)]
    email: String,
    role: String,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    _a: Admin,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<impl IntoResponse> {
    let role = Role::parse(&new.role).map_err(|e| Error::BadRequest(e.to_string()))?;
    let hash = hash_blocking(new.password).await?;
    let id = users::create(
        state.pool(),
        new.username.trim(),
        new.email.trim(),
        &hash,
        role,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "username": new.username.trim(), "role": role})),
    ))
}

/// Hashes a password off the async workers; a short password is a 400.
pub async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| match e {
            auth::PasswordError::TooShort => Error::BadRequest(e.to_string()),
            other => Error::Internal(other.into()),
        })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    username: String,
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    _a: Admin,
    ApiJson(new): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    let user = users::by_username(state.pool(), &new.username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {:?}", new.username)))?;
    let token = auth::create_token(state.pool(), &user, &new.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "username": user.username})),
    ))
}

/// The scheduler's latest job runs, newest first (admins).
async fn job_runs(State(state): State<AppState>, _a: Admin) -> Result<Json<Value>> {
    let runs = domain::store::job_runs::recent(state.pool(), 200).await?;
    Ok(Json(json!({ "items": runs })))
}
