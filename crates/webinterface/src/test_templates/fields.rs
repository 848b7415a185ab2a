//! A template's start form on the stand page: its fields drawn so the browser checks them
//! (choices as `<select>` with labels, numbers with min/max/step and the unit, text with its
//! pattern, booleans as checkboxes, `required`, help, defaults filled in), and the posted form
//! read back as the text the operator typed, for [`domain::template::Template::values`] to
//! check and type. A refused form is drawn again with the text kept and each error next to
//! its field.

use std::collections::HashMap;

use domain::store::templates::StoredTemplate;
use domain::template::{Field, FieldType};
use serde_json::{Map, Value};

use super::messages::problem;
use crate::i18n::Tr;

/// The prefix of a parameter's input name: `param.duration`.
pub const PARAM: &str = "param.";

/// What an operator sent through a template's form (or is asked to confirm).
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    /// The template version the form was for.
    pub template: i64,
    /// The text of each parameter as typed (by name; a checkbox as `true`/`false`).
    pub values: Map<String, Value>,
    /// The refusals, by field name.
    pub errors: HashMap<String, String>,
    /// A refusal of the whole start (stand busy, broker down).
    pub problem: Option<String>,
    /// "Start anyway?": the question, the form ready to re-send with `confirm`.
    pub question: Option<String>,
    /// "Keep the result forever" was ticked.
    pub keep: bool,
    /// The operator confirmed a start on a stand whose state is unknown or quiet.
    pub confirm: bool,
}

fn ticked(v: &str) -> bool {
    v == "true" || v == "on"
}

impl TemplateInput {
    /// The posted form of `stored`'s start form: `param.NAME` fields, `keep`, `confirm`. An
    /// unticked checkbox (absent) is `false`.
    pub fn from_form(stored: &StoredTemplate, pairs: &[(String, String)]) -> Self {
        let mut input = Self {
            template: stored.id,
            ..Self::default()
        };
        for (key, value) in pairs {
            if let Some(name) = key.strip_prefix(PARAM) {
                input
                    .values
                    .insert(name.to_owned(), Value::from(value.as_str()));
            } else if key == "keep" {
                input.keep = ticked(value);
            } else if key == "confirm" {
                input.confirm = ticked(value);
            }
        }
        for f in &stored.template.parameters {
            if f.kind == FieldType::Boolean && !input.values.contains_key(&f.name) {
                input.values.insert(f.name.clone(), Value::from("false"));
            }
        }
        input
    }
}

/// One choice of a `<select>`.
pub struct ChoiceOption {
    /// What the form sends.
    pub value: String,
    /// What the operator reads.
    pub label: String,
    /// Chosen now.
    pub selected: bool,
}

/// One field of a start form, as drawn.
pub struct FormField {
    /// The input's name (`param.NAME`).
    pub input: String,
    /// The element id (`tpl-3-0`).
    pub dom_id: String,
    /// The parameter's name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Its help line.
    pub help: String,
    /// `number`, `integer`, `text`, `choice` or `boolean`.
    pub kind: &'static str,
    /// A number's unit.
    pub unit: String,
    /// `min`, `max` and `step` attributes (empty: none).
    pub min: String,
    /// See `min`.
    pub max: String,
    /// See `min`; `any` for a number without a step.
    pub step: String,
    /// A text's pattern.
    pub pattern: String,
    /// The `required` attribute.
    pub required: bool,
    /// A choice's options (an empty one first unless a value must be chosen from a default).
    pub choices: Vec<ChoiceOption>,
    /// The text shown.
    pub value: String,
    /// A checkbox's state.
    pub checked: bool,
    /// Why the last value was refused.
    pub error: String,
}

/// A template's start form, as drawn.
pub struct TemplateForm {
    /// The version's id (the form's action names it).
    pub id: i64,
    /// The template's name.
    pub name: String,
    /// Its version.
    pub version: i32,
    /// What it does.
    pub description: String,
    /// The commands it sends, for the operator to read.
    pub commands: String,
    /// The fields.
    pub fields: Vec<FormField>,
    /// A refusal of the last start.
    pub problem: String,
    /// "Start anyway?", when asked.
    pub question: String,
    /// Keep ticked.
    pub keep: bool,
    /// The form of the last post (opened and scrolled to).
    pub active: bool,
}

/// A JSON value as a form shows it: text as is, numbers and booleans written out.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn bound(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn field(t: &Tr, template: i64, i: usize, f: &Field, input: Option<&TemplateInput>) -> FormField {
    let given = input.and_then(|inp| inp.values.get(&f.name));
    let value = given
        .map(text_of)
        .or_else(|| f.default.as_ref().map(text_of))
        .unwrap_or_default();
    let kind = match f.kind {
        FieldType::Number => "number",
        FieldType::Integer => "integer",
        FieldType::Text => "text",
        FieldType::Choice => "choice",
        FieldType::Boolean => "boolean",
    };
    let step = match (f.kind, f.step) {
        (_, Some(s)) => s.to_string(),
        (FieldType::Number, None) => "any".into(),
        (FieldType::Integer, None) => "1".into(),
        _ => String::new(),
    };
    let mut choices = Vec::new();
    if f.kind == FieldType::Choice && f.default.is_none() {
        choices.push(ChoiceOption {
            value: String::new(),
            label: t.s("template-choose"),
            selected: value.is_empty(),
        });
    }
    for c in &f.choices {
        let v = text_of(&c.value);
        choices.push(ChoiceOption {
            selected: v == value,
            label: c.label.clone().unwrap_or_else(|| v.clone()),
            value: v,
        });
    }
    FormField {
        input: format!("{PARAM}{}", f.name),
        dom_id: format!("tpl-{template}-{i}"),
        name: f.name.clone(),
        label: f.label().to_owned(),
        help: f.help.clone().unwrap_or_default(),
        kind,
        unit: f.unit.clone().unwrap_or_default(),
        min: bound(f.min),
        max: bound(f.max),
        step,
        pattern: f.pattern.clone().unwrap_or_default(),
        // A checkbox left unticked is a value (false), not a missing one.
        required: f.required && f.kind != FieldType::Boolean,
        choices,
        checked: ["true", "on"].contains(&value.as_str()),
        value,
        // The domain's refusal (English) in the reader's language.
        error: input
            .and_then(|inp| inp.errors.get(&f.name))
            .map(|e| t.msg(&problem(e)))
            .unwrap_or_default(),
    }
}

/// The start forms of a stand's templates, in English; see [`forms_in`].
pub fn forms(templates: &[StoredTemplate], input: Option<&TemplateInput>) -> Vec<TemplateForm> {
    forms_in(&Tr::english(), templates, input)
}

/// The start forms of a stand's templates in the reader's language (`t`: the "choose" entry
/// and each field's refusal; a value refused by the domain, whose English
/// [`TemplateInput::errors`] holds, is shown translated); the one `input` was posted to shows
/// its text, its errors and its question.
pub fn forms_in(
    t: &Tr,
    templates: &[StoredTemplate],
    input: Option<&TemplateInput>,
) -> Vec<TemplateForm> {
    templates
        .iter()
        .map(|tpl| {
            let mine = input.filter(|i| i.template == tpl.id);
            TemplateForm {
                id: tpl.id,
                name: tpl.template.name.clone(),
                version: tpl.version,
                description: tpl.template.description.clone().unwrap_or_default(),
                commands: tpl.template.commands.join(", "),
                fields: tpl
                    .template
                    .parameters
                    .iter()
                    .enumerate()
                    .map(|(i, f)| field(t, tpl.id, i, f, mine))
                    .collect(),
                problem: mine.and_then(|i| i.problem.clone()).unwrap_or_default(),
                question: mine.and_then(|i| i.question.clone()).unwrap_or_default(),
                keep: mine.is_some_and(|i| i.keep),
                active: mine.is_some(),
            }
        })
        .collect()
}

/// The refusals of [`domain::template::Template::values`] as one line naming each field, in
/// English ([`super::messages::refusals`] is the same as a message).
pub fn refusals(errors: &[domain::template::ValueError]) -> String {
    let each: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    format!("parameter values refused: {}", each.join("; "))
}
