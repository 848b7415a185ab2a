//! Adding and editing stands: the admin pages (`/admin/stands…`) and the API
//! (`POST /api/stands`, `PATCH /api/stands/{id}`), which share the settings' checks.

use super::stand_account::{self, AccountPart};
use crate::api_doc::{NoSuchStand, StandIdParam};
use crate::auth::{Admin, Authed};
use crate::error::{Error, ErrorBody, Result};
use crate::extract::{ApiJson, ApiPath, find_stand, stand_id};
use crate::i18n::Msg;
use crate::msg;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::stands::api::{StandDetail, stand_detail};
use crate::state::AppState;
use crate::test_templates::editor::{TemplateRow, rows};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::CameraUrl;
use domain::camera::{redact, unredact};
use domain::store::stands::{self, StandAdminError, StandSettings, StandView};
use domain::{StandId, StandTopics};

/// `/admin/stands` and `/admin/stands/{id}`.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/admin/stands", ADMIN, admin_stands)
        .post("/admin/stands", ADMIN, admin_stand_create)
        .get("/admin/stands/{id}", ADMIN, admin_stand)
        .post("/admin/stands/{id}", ADMIN, admin_stand_save)
}

/// `POST /api/stands`, `PATCH /api/stands/{id}`.
pub fn api() -> Routes {
    Routes::api()
        .post("/api/stands", ADMIN, create_stand)
        .patch("/api/stands/{id}", ADMIN, update_stand)
}

/// The settings a stand has now.
pub fn settings_of(v: &StandView) -> StandSettings {
    StandSettings {
        name: v.name.clone(),
        description: v.description.clone(),
        camera_url: v.camera_url.clone().map(CameraUrl::from_stored),
        max_test_seconds: v.max_test_seconds,
        topics: v.topics(),
    }
}

/// A new stand's settings.
fn defaults(id: &StandId) -> StandSettings {
    StandSettings {
        name: id.to_string(),
        description: String::new(),
        camera_url: None,
        max_test_seconds: 3600,
        topics: StandTopics::Standard,
    }
}

/// A topic choice by its exact name: the API takes nothing else (an empty or padded name
/// is refused, not read as the default); forms trim and handle an empty field first.
fn parse_topics(raw: &str) -> Result<StandTopics> {
    StandTopics::parse(raw)
        .ok_or_else(|| Error::BadRequest(msg!("admin-stand-bad-topics", value = raw)))
}

/// An empty URL removes the camera; others must pass [`CameraUrl::parse`].
pub fn check_camera_url(raw: &str) -> Result<Option<CameraUrl>> {
    CameraUrl::parse_optional(raw).map_err(|e| Error::BadRequest(super::messages::camera_url(&e)))
}

fn parse_new_id(raw: &str) -> Result<StandId> {
    StandId::parse(raw.trim()).map_err(|e| Error::BadRequest(super::messages::stand_id(&e)))
}

/// Creates a stand and tells the open pages.
async fn create(state: &AppState, id: &StandId, settings: &StandSettings) -> Result<()> {
    stands::create(state.pool(), id, settings).await?;
    stands::notify_stand(state.pool(), id).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// API

/// A stand's settings in `POST /api/stands` (with its `id`) and `PATCH /api/stands/{id}`
/// (without: the id cannot change); a field left out keeps its value (or the default, when
/// creating).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandPatch {
    /// The new stand's id: required to create, refused when editing.
    #[schema(example = "rig9")]
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Camera URL (http or https); empty removes it.
    pub camera_url: Option<String>,
    /// Time limit in seconds (at least 1).
    #[schema(minimum = 1)]
    pub max_test_seconds: Option<i32>,
    /// Legacy topics (`true` is `topics: legacy`, `false` is `standard`).
    pub legacy_topics: Option<bool>,
    /// The topics the stand is answered on until it is heard; wins over `legacy_topics`.
    // A string here, read by `parse_topics`, whose refusal names the value.
    #[schema(value_type = Option<StandTopics>)]
    pub topics: Option<String>,
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
            // The API shows the URL redacted: sending that back keeps the stored password.
            let stored = s.camera_url.as_ref().map(CameraUrl::as_str);
            s.camera_url = check_camera_url(unredact(&url, stored))?;
        }
        if let Some(m) = self.max_test_seconds {
            s.max_test_seconds = m;
        }
        if let Some(l) = self.legacy_topics {
            s.topics = if l {
                StandTopics::Legacy
            } else {
                StandTopics::Standard
            };
        }
        if let Some(t) = self.topics {
            s.topics = parse_topics(&t)?;
        }
        if s.max_test_seconds < 1 {
            return Err(StandAdminError::BadDuration.into());
        }
        Ok(s)
    }
}

/// Changes a stand's settings.
#[utoipa::path(patch, path = "/api/stands/{id}", tag = "admin",
    params(StandIdParam), request_body = StandPatch, responses(
        (status = 200, description = "The stand as saved", body = StandDetail),
        (status = 400, description = "The body is not valid (bad camera URL, time limit below 1, \
            an `id`, an unknown field)", body = ErrorBody),
        NoSuchStand,
    ))]
async fn update_stand(
    State(state): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<StandPatch>,
) -> Result<Json<StandDetail>> {
    let current = find_stand(&state, &id).await?;
    if patch.id.is_some() {
        return Err(Error::BadRequest(msg!("admin-stand-id-fixed")));
    }
    let settings = patch.apply(settings_of(&current))?;
    stands::update(state.pool(), &current.id, &settings).await?;
    Ok(Json(stand_detail(find_stand(&state, &id).await?)))
}

/// Adds a stand.
#[utoipa::path(post, path = "/api/stands", tag = "admin", request_body = StandPatch,
    responses((status = 201, description = "The new stand", body = StandDetail),
        (status = 400, description = "No `id`, a bad id, or another field is not valid",
            body = ErrorBody),
        (status = 409, description = "A stand with this id exists", body = ErrorBody)))]
async fn create_stand(
    State(state): State<AppState>,
    _a: Admin,
    ApiJson(patch): ApiJson<StandPatch>,
) -> Result<impl IntoResponse> {
    let raw = patch
        .id
        .clone()
        .ok_or_else(|| Error::BadRequest(msg!("admin-stand-id-missing")))?;
    let sid = parse_new_id(&raw)?;
    let settings = patch.apply(defaults(&sid))?;
    create(&state, &sid, &settings).await?;
    Ok((
        StatusCode::CREATED,
        Json(stand_detail(find_stand(&state, sid.as_str()).await?)),
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages

struct AdminStandRow {
    id: StandId,
    name: String,
    camera: String,
    max_test_seconds: i32,
    /// The message key of the topics' name.
    topics: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stands.html")]
struct AdminStandsPage {
    layout: Layout,
    csrf: String,
    stands: Vec<AdminStandRow>,
    choices: Vec<(&'static str, Msg)>,
}

/// The message key of a topic choice's name.
fn topics_key(t: StandTopics) -> &'static str {
    match t {
        StandTopics::Standard => "admin-topics-standard",
        StandTopics::Legacy => "admin-topics-legacy",
        StandTopics::Guide => "admin-topics-guide",
    }
}

/// The topic choices as forms list them: each name with its outbound topic for `id`.
fn topic_choices(id: &str) -> Vec<(&'static str, Msg)> {
    StandTopics::ALL
        .into_iter()
        .map(|t| {
            let topic = t.pattern().replace("{stand}", id);
            let label = Msg::new(topics_key(t));
            (
                t.as_str(),
                msg!("admin-topics-choice", label = label, topic = topic),
            )
        })
        .collect()
}

async fn admin_stands_page(
    state: &AppState,
    a: &Authed,
    problem: Option<Msg>,
) -> Result<AdminStandsPage> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(AdminStandsPage {
        layout: a.layout().problem(problem),
        csrf: a.csrf().to_owned(),
        choices: topic_choices("<id>"),
        stands: all
            .into_iter()
            .map(|s| AdminStandRow {
                topics: topics_key(s.topics()),
                camera: s
                    .camera_url
                    .as_deref()
                    .map(redact)
                    .unwrap_or_else(|| "—".into()),
                id: s.id,
                name: s.name,
                max_test_seconds: s.max_test_seconds,
            })
            .collect(),
    })
}

async fn admin_stands(State(state): State<AppState>, Admin(a): Admin) -> Result<AdminStandsPage> {
    admin_stands_page(&state, &a, None).await
}

#[derive(serde::Deserialize)]
struct NewStandForm {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    topics: String,
}

async fn admin_stand_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<NewStandForm>,
) -> Result<Response> {
    let outcome = async {
        let id = parse_new_id(&form.id)?;
        let mut settings = defaults(&id);
        // A form without the field (or an empty one) gets the standard layout.
        settings.topics = match form.topics.trim() {
            "" => StandTopics::Standard,
            raw => parse_topics(raw)?,
        };
        if !form.name.trim().is_empty() {
            settings.name = form.name.trim().to_owned();
        }
        create(&state, &id, &settings).await?;
        Ok::<_, Error>(id)
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!(
            "/admin/stands/{}",
            crate::extract::path_segment(id.as_str())
        ))
        .into_response()),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let status = e.status_code();
            let page = admin_stands_page(&state, &a, Some(e.message())).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stand.html")]
struct AdminStandPage {
    layout: Layout,
    csrf: String,
    id: String,
    name: String,
    description: String,
    camera_url: String,
    max_test_seconds: i32,
    topics: &'static str,
    choices: Vec<(&'static str, Msg)>,
    account: AccountPart,
    templates: Vec<TemplateRow>,
}

fn admin_stand_view(
    a: &Authed,
    id: &str,
    s: StandSettings,
    layout: Layout,
    (account, templates): (AccountPart, Vec<TemplateRow>),
) -> AdminStandPage {
    AdminStandPage {
        account,
        templates,
        layout,
        csrf: a.csrf().to_owned(),
        id: id.to_owned(),
        name: s.name,
        description: s.description,
        // Display of a `CameraUrl` is redacted; the form sends it back to keep the password.
        camera_url: s.camera_url.map(|u| u.to_string()).unwrap_or_default(),
        max_test_seconds: s.max_test_seconds,
        topics: s.topics.as_str(),
        choices: topic_choices(id),
    }
}

async fn admin_stand(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> Result<AdminStandPage> {
    let v = find_stand(&state, &id).await?;
    let account = parts(&state, &v.id).await?;
    Ok(admin_stand_view(
        &a,
        v.id.as_str(),
        settings_of(&v),
        a.layout(),
        account,
    ))
}

/// The stand admin page's account and templates sections.
async fn parts(state: &AppState, id: &StandId) -> Result<(AccountPart, Vec<TemplateRow>)> {
    Ok((
        stand_account::part(state, id).await?,
        rows(state, id).await?,
    ))
}

#[derive(serde::Deserialize)]
struct StandForm {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    camera_url: String,
    max_test_seconds: String,
    #[serde(default)]
    topics: String,
}

async fn admin_stand_save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<StandForm>,
) -> Result<Response> {
    let sid = stand_id(&id)?;
    let current = find_stand(&state, &id).await?;
    let camera_url = unredact(&form.camera_url, current.camera_url.as_deref()).to_owned();
    let settings = StandSettings {
        name: form.name.trim().to_owned(),
        description: form.description.clone(),
        camera_url: None,
        max_test_seconds: form.max_test_seconds.trim().parse().unwrap_or(0),
        topics: current.topics(),
    };
    let checked = check_camera_url(&camera_url).and_then(|camera_url| {
        if settings.name.is_empty() {
            return Err(Error::BadRequest(msg!("admin-stand-name-empty")));
        }
        Ok(StandSettings {
            camera_url,
            // A form without the field keeps the stand's topics.
            topics: match form.topics.trim() {
                "" => current.topics(),
                raw => parse_topics(raw)?,
            },
            ..settings.clone()
        })
    });
    let outcome = match checked {
        Ok(s) => stands::update(state.pool(), &sid, &s)
            .await
            .map(|()| s)
            .map_err(Error::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(s) => {
            let layout = a.layout().notice(Some(msg!("admin-saved")));
            let account = parts(&state, &sid).await?;
            Ok(admin_stand_view(&a, sid.as_str(), s, layout, account).into_response())
        }
        Err(e @ Error::BadRequest(_)) => {
            // The form is shown again as it was sent, camera URL included (redacted).
            let layout = a.layout().problem(Some(e.message()));
            let account = parts(&state, &sid).await?;
            let mut shown = admin_stand_view(&a, sid.as_str(), settings, layout, account);
            shown.camera_url = redact(&form.camera_url);
            Ok((StatusCode::BAD_REQUEST, shown).into_response())
        }
        Err(e) => Err(e),
    }
}
