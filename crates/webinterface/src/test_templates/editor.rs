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
use domain::template::{Choice, Field, FieldType, Template, TemplateError};
use serde_json::Value;

use super::fields::text_of;
use super::store_error;
use crate::auth::{Admin, Authed};
use crate::error::{Error, Result};
use crate::extract::{find_stand, path_segment};
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// Blank rows offered below a template's parameters.
const BLANK_ROWS: usize = 3;

/// The kinds, as the type select lists them.
const KINDS: [&str; 5] = ["number", "integer", "text", "choice", "boolean"];

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

/// A template in the stand admin page's list.
pub struct TemplateRow {
    /// The current version's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: i32,
    /// Its parameters: `name (type, unit)`, joined.
    pub fields: String,
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
                .map(|f| match &f.unit {
                    Some(u) => format!("{} ({}, {u})", f.name, KINDS[kind_index(f.kind)]),
                    None => format!("{} ({})", f.name, KINDS[kind_index(f.kind)]),
                })
                .collect::<Vec<_>>()
                .join(", "),
            name: t.template.name,
        })
        .collect())
}

fn kind_index(k: FieldType) -> usize {
    match k {
        FieldType::Number => 0,
        FieldType::Integer => 1,
        FieldType::Text => 2,
        FieldType::Choice => 3,
        FieldType::Boolean => 4,
    }
}

/// One parameter row of the editor, as text.
#[derive(Default, Clone)]
struct Row {
    name: String,
    label: String,
    help: String,
    kind: String,
    unit: String,
    min: String,
    max: String,
    step: String,
    pattern: String,
    choices: String,
    default: String,
    required: bool,
    error: String,
}

impl Row {
    fn of(f: &Field) -> Self {
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        Self {
            name: f.name.clone(),
            label: f.label.clone().unwrap_or_default(),
            help: f.help.clone().unwrap_or_default(),
            kind: KINDS[kind_index(f.kind)].into(),
            unit: f.unit.clone().unwrap_or_default(),
            min: num(f.min),
            max: num(f.max),
            step: num(f.step),
            pattern: f.pattern.clone().unwrap_or_default(),
            choices: f
                .choices
                .iter()
                .map(|c| match &c.label {
                    Some(l) => format!("{} = {l}", text_of(&c.value)),
                    None => text_of(&c.value),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            default: f.default.as_ref().map(text_of).unwrap_or_default(),
            required: f.required,
            error: String::new(),
        }
    }

    fn blank(&self) -> bool {
        [
            &self.name,
            &self.label,
            &self.help,
            &self.unit,
            &self.min,
            &self.max,
            &self.step,
            &self.pattern,
            &self.choices,
            &self.default,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// The editor as posted: repeated `p_*` fields, one per row; `p_required` holds the row
/// numbers whose box is ticked.
#[derive(serde::Deserialize, Default)]
struct EditorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    commands: String,
    #[serde(default)]
    p_name: Vec<String>,
    #[serde(default)]
    p_label: Vec<String>,
    #[serde(default)]
    p_help: Vec<String>,
    #[serde(default)]
    p_type: Vec<String>,
    #[serde(default)]
    p_unit: Vec<String>,
    #[serde(default)]
    p_min: Vec<String>,
    #[serde(default)]
    p_max: Vec<String>,
    #[serde(default)]
    p_step: Vec<String>,
    #[serde(default)]
    p_pattern: Vec<String>,
    #[serde(default)]
    p_choices: Vec<String>,
    #[serde(default)]
    p_default: Vec<String>,
    #[serde(default)]
    p_required: Vec<String>,
}

impl EditorForm {
    fn rows(&self) -> Vec<Row> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.p_name.len())
            .map(|i| Row {
                name: at(&self.p_name, i),
                label: at(&self.p_label, i),
                help: at(&self.p_help, i),
                kind: at(&self.p_type, i),
                unit: at(&self.p_unit, i),
                min: at(&self.p_min, i),
                max: at(&self.p_max, i),
                step: at(&self.p_step, i),
                pattern: at(&self.p_pattern, i),
                choices: at(&self.p_choices, i),
                default: at(&self.p_default, i),
                required: self.p_required.contains(&i.to_string()),
                error: String::new(),
            })
            .collect()
    }
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A choice's value as written: a number when it reads as one, else the text.
fn choice_value(s: &str) -> Value {
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
        Ok(f) if f.is_finite() => Value::from(f),
        _ => Value::from(s),
    }
}

fn bad(place: String, problem: impl Into<String>) -> TemplateError {
    TemplateError {
        place,
        problem: problem.into(),
    }
}

/// A row's parameter (its number among the parameters is `k`).
fn field_of(k: usize, row: &Row) -> Result<Field, TemplateError> {
    let place = |key: &str| format!("parameters[{k}] ({}).{key}", row.name.trim());
    let kind = match row.kind.trim() {
        "number" => FieldType::Number,
        "integer" => FieldType::Integer,
        "text" => FieldType::Text,
        "choice" => FieldType::Choice,
        "boolean" => FieldType::Boolean,
        other => return Err(bad(place("type"), format!("no type {other:?}"))),
    };
    let number = |key: &str, s: &str| -> Result<Option<f64>, TemplateError> {
        match s.trim() {
            "" => Ok(None),
            t => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| bad(place(key), format!("{t:?} is not a number"))),
        }
    };
    let mut field = Field {
        name: row.name.trim().to_owned(),
        label: optional(&row.label),
        help: optional(&row.help),
        kind,
        unit: optional(&row.unit),
        min: number("min", &row.min)?,
        max: number("max", &row.max)?,
        step: number("step", &row.step)?,
        pattern: optional(&row.pattern),
        choices: row
            .choices
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once('=') {
                Some((v, label)) => Choice {
                    value: choice_value(v.trim()),
                    label: optional(label),
                },
                None => Choice {
                    value: choice_value(l),
                    label: None,
                },
            })
            .collect(),
        default: None,
        required: row.required,
    };
    if let Some(d) = optional(&row.default) {
        let loose = Field {
            required: false,
            ..field.clone()
        };
        field.default = loose
            .value(Some(&Value::from(d)))
            .map_err(|e| bad(place("default"), e))?;
    }
    Ok(field)
}

/// The template the form describes, checked; on a refusal the rows (blank ones dropped, the
/// refused one marked) and the error.
fn build(form: &EditorForm) -> (Vec<Row>, Result<Template, TemplateError>) {
    let mut rows: Vec<Row> = form.rows().into_iter().filter(|r| !r.blank()).collect();
    let text = [&form.name, &form.description, &form.commands];
    if text.iter().any(|t| t.contains('\0')) || rows.iter().any(|r| r.name.contains('\0')) {
        let e = bad(
            "template".into(),
            "text with a NUL character cannot be stored",
        );
        return (rows, Err(e));
    }
    let parameters: Result<Vec<Field>, TemplateError> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| field_of(k, r))
        .collect();
    let result = parameters.and_then(|parameters| {
        let t = Template {
            name: form.name.trim().to_owned(),
            description: optional(&form.description),
            commands: form
                .commands
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            parameters,
        };
        t.validate().map(|()| t)
    });
    if let Err(e) = &result
        && let Some(k) = row_of(&e.place)
        && let Some(row) = rows.get_mut(k)
    {
        let key = e.place.rsplit_once(").").map(|(_, key)| key).unwrap_or("");
        row.error = if key.is_empty() {
            e.problem.clone()
        } else {
            format!("{key}: {}", e.problem)
        };
    }
    (rows, result)
}

/// The parameter number a place names (`parameters[2] (x).max` → 2).
fn row_of(place: &str) -> Option<usize> {
    place
        .strip_prefix("parameters[")?
        .split(']')
        .next()?
        .parse()
        .ok()
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
    rows: Vec<Row>,
    kinds: [&'static str; 5],
    /// The error of a place outside the rows: `name`, `description`, `commands`, `template`.
    place: String,
    place_error: String,
    /// The JSON of a refused import, kept.
    import: String,
}

#[allow(clippy::too_many_arguments)]
fn page(
    a: &Authed,
    stand: &StandId,
    editing: Option<(i64, i32)>,
    newer: Option<i32>,
    form: &EditorForm,
    mut rows: Vec<Row>,
    error: Option<&TemplateError>,
    import: String,
) -> EditorPage {
    rows.extend(std::iter::repeat_n(Row::default(), BLANK_ROWS));
    let place = error
        .filter(|e| row_of(&e.place).is_none())
        .map(|e| e.place.split('[').next().unwrap_or("").to_owned())
        .unwrap_or_default();
    EditorPage {
        layout: a
            .layout()
            .problem(error.map(|e| format!("The template was not saved: {e}"))),
        csrf: a.csrf().to_owned(),
        stand: stand.to_string(),
        action: match editing {
            Some((id, _)) => format!("/admin/templates/{id}"),
            None => format!("/admin/stands/{}/templates", path_segment(stand.as_str())),
        },
        editing,
        newer,
        name: form.name.clone(),
        description: form.description.clone(),
        commands: form.commands.clone(),
        rows,
        kinds: KINDS,
        place_error: if place.is_empty() {
            String::new()
        } else {
            error.map(|e| e.problem.clone()).unwrap_or_default()
        },
        place,
        import,
    }
}

fn form_of(t: &Template) -> EditorForm {
    EditorForm {
        name: t.name.clone(),
        description: t.description.clone().unwrap_or_default(),
        commands: t.commands.join("\n"),
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
    let stand = find_stand(&state, &id).await?.id;
    let form = EditorForm::default();
    Ok(page(
        &a,
        &stand,
        None,
        None,
        &form,
        Vec::new(),
        None,
        String::new(),
    ))
}

async fn create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let stand = find_stand(&state, &id).await?.id;
    match build(&form) {
        (_, Ok(t)) => {
            templates::create(state.pool(), &stand, &t, &a.user.username)
                .await
                .map_err(store_error)?;
            Ok(back_to_stand(&stand))
        }
        (rows, Err(e)) => {
            let shown = page(&a, &stand, None, None, &form, rows, Some(&e), String::new());
            Ok((StatusCode::BAD_REQUEST, shown).into_response())
        }
    }
}

async fn import(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response> {
    let stand = find_stand(&state, &id).await?.id;
    let parsed = if form.json.contains('\0') {
        Err(bad("template".into(), "text with a NUL character"))
    } else {
        Template::from_json(&form.json)
    };
    match parsed {
        Ok(t) => {
            templates::create(state.pool(), &stand, &t, &a.user.username)
                .await
                .map_err(store_error)?;
            Ok(back_to_stand(&stand))
        }
        Err(e) => {
            let empty = EditorForm::default();
            let shown = page(
                &a,
                &stand,
                None,
                None,
                &empty,
                Vec::new(),
                Some(&e),
                form.json,
            );
            Ok((StatusCode::BAD_REQUEST, shown).into_response())
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
        .map_err(|_| Error::NotFound(format!("no test template {raw:?}")))
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
    let (stored, newer) = version_and_latest(&state, &id).await?;
    let form = form_of(&stored.template);
    let rows = stored.template.parameters.iter().map(Row::of).collect();
    let editing = Some((stored.id, stored.version));
    Ok(page(
        &a,
        &stored.stand,
        editing,
        newer,
        &form,
        rows,
        None,
        String::new(),
    ))
}

async fn save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Result<Response> {
    let (stored, newer) = version_and_latest(&state, &id).await?;
    match build(&form) {
        (_, Ok(t)) => {
            templates::new_version(state.pool(), stored.id, &t, &a.user.username)
                .await
                .map_err(store_error)?;
            Ok(back_to_stand(&stored.stand))
        }
        (rows, Err(e)) => {
            let editing = Some((stored.id, stored.version));
            let shown = page(
                &a,
                &stored.stand,
                editing,
                newer,
                &form,
                rows,
                Some(&e),
                String::new(),
            );
            Ok((StatusCode::BAD_REQUEST, shown).into_response())
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_builds_typed_fields_and_names_the_refused_row() {
        let form = EditorForm {
            name: "Sweep".into(),
            commands: "start\n\n measure \n".into(),
            p_name: vec!["sensor".into(), "".into(), "f".into()],
            p_type: vec!["choice".into(), "number".into(), "number".into()],
            p_choices: vec!["x = X axis\n10\n2.5".into(), "".into(), "".into()],
            p_unit: vec!["".into(), "".into(), "Hz".into()],
            p_min: vec!["".into(), "".into(), "10".into()],
            p_max: vec!["".into(), "".into(), "5".into()],
            p_required: vec!["0".into()],
            ..EditorForm::default()
        };
        let (rows, r) = build(&form);
        let e = r.expect_err("max below min");
        assert_eq!(e.place, "parameters[1] (f).max");
        assert_eq!(rows.len(), 2, "the blank row is dropped");
        assert!(rows[1].error.starts_with("max: "), "{}", rows[1].error);
        let ok = EditorForm {
            p_max: vec!["".into(), "".into(), "50".into()],
            p_default: vec!["".into(), "".into(), "20".into()],
            ..form
        };
        let t = build(&ok).1.expect("valid");
        assert_eq!(t.commands, ["start", "measure"]);
        let values: Vec<&Value> = t.parameters[0].choices.iter().map(|c| &c.value).collect();
        assert_eq!(
            values,
            [&Value::from("x"), &Value::from(10), &Value::from(2.5)]
        );
        assert_eq!(t.parameters[0].choices[0].label.as_deref(), Some("X axis"));
        assert!(t.parameters[0].required);
        assert_eq!(t.parameters[1].default, Some(Value::from(20)));
    }
}
