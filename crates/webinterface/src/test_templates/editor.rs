//! The admin's template editor (`/admin/stands/{id}/templates/new`, `/admin/templates/{id}`):
//! name, description, commands one per line, and a table of parameter rows — the template's
//! own plus three blank ones (a blank row is ignored; save to get more). The server builds the
//! [`Template`] from the form and checks it; a refused form comes back as typed with the error
//! next to its row or field. Saving an existing template makes its next version. Also the
//! stand admin page's list of templates ([`rows`]), importing a template's JSON onto a stand
//! and deleting (retiring) one. No script: the page is plain forms.

use askama::Template as Askama;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::StandId;
use domain::store::templates::{self, StoredTemplate};
use domain::template::{Template, TemplateError};

use super::api::store_error;
use super::messages::{problem, template_error};
use super::rows::{EditorForm, KINDS, Row, bad, build, kind_index, row_of};
use crate::auth::{Admin, Authed};
use crate::error::{Error, Result};
use crate::extract::{find_stand, path_segment};
use crate::i18n::Msg;
use crate::msg;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// Blank rows offered below a template's parameters.
const BLANK_ROWS: usize = 3;

/// The editor's routes.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/admin/stands/{id}/templates/new", ADMIN, new_page)
        .post("/admin/stands/{id}/templates", ADMIN, create)
        .post("/admin/stands/{id}/templates/import", ADMIN, import)
        .get("/admin/templates/{id}", ADMIN, edit_page)
        .post("/admin/templates/{id}", ADMIN, save)
        .post("/admin/templates/{id}/retire", ADMIN, retire)
}

/// The message key of a parameter type's name (`number`, …, as [`KINDS`] names them).
pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "number" => "template-kind-number",
        "integer" => "template-kind-integer",
        "text" => "template-kind-text",
        "choice" => "template-kind-choice",
        _ => "template-kind-boolean",
    }
}

/// A template in the stand admin page's list.
pub struct TemplateRow {
    /// The current version's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: i32,
    /// Its parameters, each `name (type, unit)`.
    pub fields: Vec<Msg>,
}

/// The stand's current templates for its admin page.
pub async fn rows(state: &AppState, stand: &StandId) -> Result<Vec<TemplateRow>> {
    let list = templates::list(state.pool(), stand)
        .await
        .map_err(store_error)?;
    Ok(list
        .into_iter()
        .map(|t| TemplateRow {
            id: t.id,
            version: t.version,
            fields: t
                .template
                .parameters
                .iter()
                .map(|f| {
                    let kind = Msg::new(kind_key(KINDS[kind_index(f.kind)]));
                    match &f.unit {
                        Some(u) => msg!(
                            "template-field-with-unit",
                            name = &f.name,
                            kind = kind,
                            unit = u
                        ),
                        None => msg!("template-field", name = &f.name, kind = kind),
                    }
                })
                .collect(),
            name: t.template.name,
        })
        .collect())
}

#[derive(Askama, WebTemplate)]
#[template(path = "admin_template.html")]
struct EditorPage {
    layout: Layout,
    csrf: String,
    stand: String,
    /// Where the form posts.
    action: String,
    /// The version edited (None: a new template).
    editing: Option<(i64, i32)>,
    /// A newer version exists than the one edited.
    newer: Option<i32>,
    name: String,
    description: String,
    commands: String,
    /// The limits as a JSON list (verdicts), as typed.
    limits: String,
    rows: Vec<Row>,
    /// Each type: its name and the message key of its name as shown.
    kinds: Vec<(&'static str, &'static str)>,
    /// The error of a place outside the rows: `name`, `description`, `commands`, `limits`,
    /// `template`.
    place: String,
    place_error: String,
    /// The JSON of a refused import, kept.
    import: String,
}

/// What the editor edits: a new template of a stand, or a version of one.
struct Target {
    /// The stand the template is (or will be) on.
    stand: StandId,
    /// The version edited (None: a new template).
    editing: Option<(i64, i32)>,
    /// A newer version exists than the one edited.
    newer: Option<i32>,
}

impl Target {
    /// A new template on the stand the path names.
    async fn new_on(state: &AppState, raw: &str) -> Result<Self> {
        let stand = find_stand(state, raw).await?.id;
        Ok(Self {
            stand,
            editing: None,
            newer: None,
        })
    }

    /// The version the path names, with its template.
    async fn version(state: &AppState, raw: &str) -> Result<(Self, Template)> {
        let (stored, newer) = version_and_latest(state, raw).await?;
        let target = Self {
            stand: stored.stand,
            editing: Some((stored.id, stored.version)),
            newer,
        };
        Ok((target, stored.template))
    }

    /// Stores `t` (a new template, or the next version of the one edited) and goes back to
    /// the stand's admin page.
    async fn store(&self, state: &AppState, a: &Authed, t: &Template) -> Result<Response> {
        let by = &a.user.username;
        match self.editing {
            None => templates::create(state.pool(), &self.stand, t, by).await,
            Some((id, _)) => templates::new_version(state.pool(), id, t, by).await,
        }
        .map_err(store_error)?;
        Ok(back_to_stand(&self.stand))
    }

    /// Stores the template the form builds, or shows the form again with its error.
    async fn save_form(&self, state: &AppState, a: &Authed, form: &EditorForm) -> Result<Response> {
        match build(form) {
            (_, Ok(t)) => self.store(state, a, &t).await,
            (rows, Err(e)) => Ok(self.refused(a, form, rows, &e, String::new())),
        }
    }

    /// The form as sent with the error that refused it (a 400); `import`: a refused import's
    /// JSON, kept.
    fn refused(
        &self,
        a: &Authed,
        form: &EditorForm,
        rows: Vec<Row>,
        e: &TemplateError,
        import: String,
    ) -> Response {
        let shown = self.page(a, form, rows, Some(e), import);
        (StatusCode::BAD_REQUEST, shown).into_response()
    }

    /// The editor page showing `form` and its parameter `rows` (blank ones added).
    fn page(
        &self,
        a: &Authed,
        form: &EditorForm,
        mut rows: Vec<Row>,
        error: Option<&TemplateError>,
        import: String,
    ) -> EditorPage {
        let stand = &self.stand;
        rows.extend(std::iter::repeat_n(Row::default(), BLANK_ROWS));
        let place = error
            .filter(|e| row_of(&e.place).is_none())
            .map(|e| e.place.split('[').next().unwrap_or("").to_owned())
            .unwrap_or_default();
        EditorPage {
            layout: a
                .layout()
                .problem(error.map(|e| msg!("template-not-saved", problem = template_error(e)))),
            csrf: a.csrf().to_owned(),
            stand: stand.to_string(),
            action: match self.editing {
                Some((id, _)) => format!("/admin/templates/{id}"),
                None => format!("/admin/stands/{}/templates", path_segment(stand.as_str())),
            },
            editing: self.editing,
            newer: self.newer,
            name: form.name.clone(),
            description: form.description.clone(),
            commands: form.commands.clone(),
            limits: form.limits.clone(),
            rows,
            kinds: KINDS.iter().map(|k| (*k, kind_key(k))).collect(),
            place_error: if place.is_empty() {
                String::new()
            } else {
                error
                    .map(|e| a.t.msg(&problem(&e.problem)))
                    .unwrap_or_default()
            },
            place,
            import,
        }
    }
}

fn form_of(t: &Template) -> EditorForm {
    EditorForm {
        name: t.name.clone(),
        description: t.description.clone().unwrap_or_default(),
        commands: t.commands.join("\n"),
        limits: if t.limits.is_empty() {
            String::new()
        } else {
            serde_json::to_string_pretty(&t.limits).unwrap_or_default()
        },
        ..EditorForm::default()
    }
}

fn back_to_stand(stand: &StandId) -> Response {
    Redirect::to(&format!(
        "/admin/stands/{}#templates",
        path_segment(stand.as_str())
    ))
    .into_response()
}

async fn new_page(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> Result<EditorPage> {
    let target = Target::new_on(&state, &id).await?;
    Ok(target.page(&a, &EditorForm::default(), Vec::new(), None, String::new()))
}

async fn create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let target = Target::new_on(&state, &id).await?;
    target.save_form(&state, &a, &form).await
}

async fn import(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response> {
    let target = Target::new_on(&state, &id).await?;
    let parsed = if form.json.contains('\0') {
        Err(bad("template".into(), "text with a NUL character"))
    } else {
        Template::from_json(&form.json)
    };
    match parsed {
        Ok(t) => target.store(&state, &a, &t).await,
        Err(e) => {
            let empty = EditorForm::default();
            Ok(target.refused(&a, &empty, Vec::new(), &e, form.json))
        }
    }
}

/// The import form: a template's JSON, pasted.
#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    json: String,
}

fn template_id(raw: &str) -> Result<i64> {
    raw.parse()
        .map_err(|_| Error::NotFound(msg!("template-not-found-text", id = raw)))
}

/// The version and, when it is not the latest, the latest version's number.
async fn version_and_latest(state: &AppState, raw: &str) -> Result<(StoredTemplate, Option<i32>)> {
    let stored = super::api::load(state, template_id(raw)?).await?;
    let current = templates::list(state.pool(), &stored.stand)
        .await
        .map_err(store_error)?;
    let newer = current
        .iter()
        .find(|t| t.family == stored.family && t.version > stored.version)
        .map(|t| t.version);
    Ok((stored, newer))
}

async fn edit_page(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> Result<EditorPage> {
    let (target, template) = Target::version(&state, &id).await?;
    let rows = template.parameters.iter().map(Row::of).collect();
    Ok(target.page(&a, &form_of(&template), rows, None, String::new()))
}

async fn save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let (target, _) = Target::version(&state, &id).await?;
    target.save_form(&state, &a, &form).await
}

async fn retire(
    State(state): State<AppState>,
    Admin(_a): Admin,
    Path(id): Path<String>,
) -> Result<Response> {
    let stored = super::api::load(&state, template_id(&id)?).await?;
    templates::retire(state.pool(), stored.id).await?;
    Ok(back_to_stand(&stored.stand))
}
