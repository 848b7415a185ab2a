//! The template API: `GET`/`POST /api/stands/{id}/templates` (a stand's current templates,
//! adding one), `GET`/`PUT`/`DELETE /api/templates/{id}` (one version; saving a new version;
//! retiring the template) and `GET /api/templates/{id}/export` (the portable JSON only, as a
//! download: what `POST` and the admin page's import take).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::store::stands::StandView;
use domain::store::templates::{self, StoredTemplate, TemplateStoreError};
use domain::template::{Template, TemplateError};

use crate::api_doc::{NoSuchStand, NoSuchTemplate, StandIdParam, VersionIdParam};
use crate::auth::{Admin, Viewer};
use crate::error::{Context, Error, ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, Found, Lookup, find_stand};
use crate::msg;
use crate::routes::{ADMIN, Routes, VIEWER};
use crate::state::AppState;

/// The API's routes.
pub fn routes() -> Routes {
    Routes::api()
        .get("/api/stands/{id}/templates", VIEWER, list)
        .post("/api/stands/{id}/templates", ADMIN, create)
        .get("/api/templates/{id}", VIEWER, get_one)
        .put("/api/templates/{id}", ADMIN, new_version)
        .delete("/api/templates/{id}", ADMIN, retire)
        .get("/api/templates/{id}/export", VIEWER, export)
}

/// Version `id`, retired or not.
pub async fn load(state: &AppState, id: i64) -> Result<StoredTemplate> {
    templates::get(state.pool(), id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| Error::NotFound(msg!("template-not-found", id = id)))
}

impl Lookup for StoredTemplate {
    type Id = i64;

    async fn find(state: &AppState, id: i64) -> Result<Self> {
        load(state, id).await
    }
}

/// The stand's current templates (the latest version of each that is not deleted), by name.
#[utoipa::path(get, path = "/api/stands/{id}/templates", tag = "templates", params(StandIdParam),
    responses((status = 200, description = "The current templates", body = Vec<StoredTemplate>),
        NoSuchStand))]
async fn list(
    State(state): State<AppState>,
    _u: Viewer,
    Found(stand): Found<StandView>,
) -> Result<Json<Vec<StoredTemplate>>> {
    let current = templates::list(state.pool(), &stand.id).await;
    Ok(Json(current.map_err(store_error)?))
}

/// Adds a template to the stand (its version 1). The body is the template's JSON, as
/// `GET /api/templates/{id}/export` gives it.
#[utoipa::path(post, path = "/api/stands/{id}/templates", tag = "templates",
    params(StandIdParam), request_body = Template, responses(
        (status = 201, description = "The template as saved", body = StoredTemplate),
        (status = 400, description = "Not a template, or not a valid one: the error names the \
            place (`parameters[1] (duration).max: …`)", body = ErrorBody),
        NoSuchStand,
    ))]
async fn create(
    State(state): State<AppState>,
    Admin(a): Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(template): ApiJson<Template>,
) -> Result<Response> {
    let stand = find_stand(&state, &id).await?;
    template.validate().map_err(template_error)?;
    let saved = templates::create(state.pool(), &stand.id, &template, &a.user.username)
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// One version of a template, with its stand, family and version.
#[utoipa::path(get, path = "/api/templates/{id}", tag = "templates", params(VersionIdParam),
    responses((status = 200, description = "The version", body = StoredTemplate), NoSuchTemplate))]
async fn get_one(_u: Viewer, Found(version): Found<StoredTemplate>) -> Json<StoredTemplate> {
    Json(version)
}

/// Saves the body as the template's next version (of the family of version `id`). Runs
/// started with an older version keep it.
#[utoipa::path(put, path = "/api/templates/{id}", tag = "templates",
    params(VersionIdParam), request_body = Template, responses(
        (status = 200, description = "The new version", body = StoredTemplate),
        (status = 400, description = "Not a template, or not a valid one: the error names the \
            place", body = ErrorBody),
        NoSuchTemplate,
        (status = 409, description = "The template was deleted, or saved by someone else at \
            the same moment", body = ErrorBody),
    ))]
async fn new_version(
    State(state): State<AppState>,
    Admin(a): Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(template): ApiJson<Template>,
) -> Result<Json<StoredTemplate>> {
    template.validate().map_err(template_error)?;
    Ok(Json(
        templates::new_version(state.pool(), id, &template, &a.user.username)
            .await
            .map_err(store_error)?,
    ))
}

/// Deletes the template: every version of it is retired (no longer listed or started); runs
/// keep the version they used.
#[utoipa::path(delete, path = "/api/templates/{id}", tag = "templates", params(VersionIdParam),
    responses((status = 204, description = "Retired"), NoSuchTemplate))]
async fn retire(
    State(state): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    if templates::retire(state.pool(), id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound(msg!("template-not-found", id = id)))
    }
}

/// The template's portable JSON, as a download (`POST /api/stands/{id}/templates` and the
/// admin page's import take it).
#[utoipa::path(get, path = "/api/templates/{id}/export", tag = "templates", params(VersionIdParam),
    responses((status = 200, description = "The template's JSON", body = Template),
        NoSuchTemplate))]
async fn export(_u: Viewer, Found(stored): Found<StoredTemplate>) -> Result<Response> {
    let body = serde_json::to_vec_pretty(&stored.template).context("encoding a template")?;
    let file = format!(
        "attachment; filename=\"template-{}-{}-v{}.json\"",
        stored
            .stand
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        stored.family,
        stored.version
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

/// A store refusal as the answer the caller gets.
pub fn store_error(e: TemplateStoreError) -> Error {
    match e {
        TemplateStoreError::NoStand(id) => Error::NotFound(msg!("stand-not-found", id = id)),
        TemplateStoreError::NotFound(id) => {
            Error::NotFound(msg!("template-store-not-found", id = id))
        }
        TemplateStoreError::Retired(id) => Error::Conflict(msg!("template-retired", id = id)),
        TemplateStoreError::Concurrent(id) => {
            Error::Conflict(msg!("template-changed-meanwhile", id = id))
        }
        TemplateStoreError::Unreadable { .. } => Error::internal("reading a template", e),
        TemplateStoreError::Db(e) => e.into(),
    }
}

/// A template that is not usable, as a 400 naming the place.
pub fn template_error(e: TemplateError) -> Error {
    Error::BadRequest(msg!(
        "template-invalid",
        problem = super::messages::template_error(&e)
    ))
}
