//! The template editor's form (`p_*` fields, one per parameter row) read into a
//! [`Template`] and checked, and a template written back into rows: choices one per line
//! (`value` or `value = label`; a value that reads as a number becomes one), a default typed
//! by its field, numbers as written. A refusal marks the row its place names.

use domain::template::{Choice, Field, FieldType, Template, TemplateError};
use serde_json::Value;

use super::fields::text_of;
use crate::extract::lines_of;
use crate::i18n::Msg;
use crate::msg;

/// The kinds, as the type select lists them.
pub const KINDS: [&str; 5] = ["number", "integer", "text", "choice", "boolean"];

/// A kind's place in [`KINDS`].
pub(crate) fn kind_index(k: FieldType) -> usize {
    match k {
        FieldType::Number => 0,
        FieldType::Integer => 1,
        FieldType::Text => 2,
        FieldType::Choice => 3,
        FieldType::Boolean => 4,
    }
}

/// The editor's text columns, stated once: each `column <- p_field` is a `String` of [`Row`]
/// and the repeated `p_field` of [`EditorForm`] (one value per row) it is read from.
macro_rules! editor_columns {
    ($($column:ident <- $field:ident),+ $(,)?) => {
        /// One parameter row of the editor, as text.
        #[derive(Default, Clone)]
        pub(crate) struct Row {
            $(pub(crate) $column: String,)+
            pub(crate) required: bool,
            /// Why the row was refused (`key: problem`).
            pub(crate) error: Option<Msg>,
        }

        /// The editor as posted: repeated `p_*` fields, one per row; `p_required` holds the row
        /// numbers whose box is ticked.
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        pub(crate) struct EditorForm {
            pub(crate) name: String,
            pub(crate) description: String,
            pub(crate) commands: String,
            /// The limits, a JSON list (empty: none).
            pub(crate) limits: String,
            $(pub(crate) $field: Vec<String>,)+
            pub(crate) p_required: Vec<String>,
        }

        impl EditorForm {
            /// The posted rows, blank ones included.
            pub(crate) fn rows(&self) -> Vec<Row> {
                let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
                (0..self.p_name.len())
                    .map(|i| Row {
                        $($column: at(&self.$field, i),)+
                        required: self.p_required.contains(&i.to_string()),
                        error: None,
                    })
                    .collect()
            }
        }
    };
}

editor_columns! {
    name <- p_name, label <- p_label, help <- p_help, kind <- p_type, unit <- p_unit,
    min <- p_min, max <- p_max, step <- p_step, pattern <- p_pattern, choices <- p_choices,
    default <- p_default,
}

impl Row {
    /// A template's parameter as a row.
    pub(crate) fn of(f: &Field) -> Self {
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
            error: None,
        }
    }

    /// Nothing typed in it (its type aside).
    pub(crate) fn blank(&self) -> bool {
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

/// A refusal at `place`.
pub(crate) fn bad(place: String, problem: impl Into<String>) -> TemplateError {
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
        choices: lines_of(&row.choices)
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
pub(crate) fn build(form: &EditorForm) -> (Vec<Row>, Result<Template, TemplateError>) {
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
    let limits = limits_of(&form.limits);
    let result = parameters.and_then(|parameters| {
        let t = Template {
            limits: limits?,
            name: form.name.trim().to_owned(),
            description: optional(&form.description),
            commands: lines_of(&form.commands).map(str::to_owned).collect(),
            parameters,
        };
        t.validate().map(|()| t)
    });
    if let Err(e) = &result
        && let Some(k) = row_of(&e.place)
        && let Some(row) = rows.get_mut(k)
    {
        let key = e.place.rsplit_once(").").map(|(_, key)| key).unwrap_or("");
        let problem = super::messages::problem(&e.problem);
        row.error = Some(if key.is_empty() {
            problem
        } else {
            msg!("template-row-key-problem", key = key, problem = problem)
        });
    }
    (rows, result)
}

/// The limits typed as a JSON list (blank: none), each checked.
fn limits_of(text: &str) -> Result<Vec<domain::verdict::Limit>, TemplateError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad("limits".into(), format!("not JSON: {e}")))?;
    domain::verdict::parse_limits(&value).map_err(|e| bad("limits".into(), e.to_string()))
}

/// The parameter number a place names (`parameters[2] (x).max` → 2).
pub(crate) fn row_of(place: &str) -> Option<usize> {
    place
        .strip_prefix("parameters[")?
        .split(']')
        .next()?
        .parse()
        .ok()
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
        let error = rows[1].error.as_ref().map(Msg::english).unwrap_or_default();
        assert!(error.starts_with("max: "), "{error}");
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
