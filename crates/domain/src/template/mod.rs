//! Test templates: the tests a stand takes, as an admin defines them (no code, no rebuild) in
//! place of the old stack's hand-written page per stand type. A template names its commands
//! and its parameters — each a typed field (number with unit and bounds, integer, text with a
//! pattern, choice, boolean) with a label, help, default and whether it is required — and the
//! start form renders and checks them, and sends typed values in the template's order.
//!
//! The JSON of a [`Template`] is also its export and import format: a lab copies one stand
//! type's tests to its twin, a stand module's author ships the file with the stand.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The longest text a text field takes.
pub const MAX_TEXT: usize = 1000;

/// A test template (its portable JSON form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The test's name as operators pick it ("Quick check", "Full sweep").
    pub name: String,
    /// What the test does, shown on the start form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The commands sent as `commandList`, in order.
    #[serde(default)]
    pub commands: Vec<String>,
    /// The parameters, in the order the form shows them and the stand receives them.
    #[serde(default)]
    pub parameters: Vec<Field>,
    /// Limits on what the stand sends back: each result of a run started from this template
    /// is measured against them and gets a verdict ([`crate::verdict`]); none: no verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub limits: Vec<crate::verdict::Limit>,
}

/// The kind of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// A number (sent as a JSON number), with an optional unit, bounds and step.
    Number,
    /// A whole number.
    Integer,
    /// Text, optionally matching a pattern.
    Text,
    /// One of a list of values, each with a label.
    Choice,
    /// True or false.
    Boolean,
}

/// One value of a choice field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What the stand receives: a string or a number.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub value: Value,
    /// What the operator reads (the value when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One parameter of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The name in `parameterObj`.
    pub name: String,
    /// What the form calls it (the name when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A line of help under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// The unit shown beside a number (never sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The least value of a number or integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The greatest value of a number or integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The step of a number or integer (from `min`, or from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// A pattern the whole text must match (regular expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The values of a choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// The value the form starts with, sent when the field is left empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub default: Option<Value>,
    /// The field must have a value (its own or the default).
    #[serde(default)]
    pub required: bool,
}

/// Why a template is not usable, naming the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {problem}")]
pub struct TemplateError {
    /// Where: `name`, `parameters[2] (duration).max`, ….
    pub place: String,
    /// What is wrong.
    pub problem: String,
}

fn bad(place: impl Into<String>, problem: impl Into<String>) -> TemplateError {
    let (place, problem) = (place.into(), problem.into());
    TemplateError { place, problem }
}

/// A value an operator gave that a field refuses: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// The field's name.
    pub field: String,
    /// Why, for the person (shown next to the field).
    pub message: String,
}

impl Template {
    /// Reads a template from its JSON, checked.
    pub fn from_json(text: &str) -> Result<Self, TemplateError> {
        let template: Self =
            serde_json::from_str(text).map_err(|e| bad("template", e.to_string()))?;
        template.validate()?;
        Ok(template)
    }

    /// Checks the template: names, bounds, patterns, choices and defaults.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(bad("name", "give the test a name of 1-100 characters"));
        }
        if self.description.as_deref().is_some_and(|d| d.len() > 2000) {
            return Err(bad("description", "at most 2000 characters"));
        }
        for (i, c) in self.commands.iter().enumerate() {
            if c.trim().is_empty() || c.len() > 200 {
                return Err(bad(
                    format!("commands[{i}]"),
                    "a command of 1-200 characters",
                ));
            }
        }
        if self.parameters.len() > 100 {
            return Err(bad("parameters", "at most 100 parameters"));
        }
        for (i, field) in self.parameters.iter().enumerate() {
            let place = format!("parameters[{i}] ({})", field.name);
            if self.parameters[..i].iter().any(|f| f.name == field.name) {
                return Err(bad(place, "a second parameter of this name"));
            }
            field.validate().map_err(|(key, problem)| {
                bad(
                    if key.is_empty() {
                        place.clone()
                    } else {
                        format!("{place}.{key}")
                    },
                    problem,
                )
            })?;
        }
        if self.limits.len() > 100 {
            return Err(bad("limits", "at most 100 limits"));
        }
        crate::verdict::validate_limits(&self.limits).map_err(|e| bad("limits", e.to_string()))?;
        Ok(())
    }

    /// The values to send for the operator's `given` ones (by name), in the template's order:
    /// each checked by its field, an empty one replaced by the default or left out; all the
    /// refused ones at once.
    pub fn values(
        &self,
        given: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Vec<ValueError>> {
        let mut out = Map::new();
        let mut errors = Vec::new();
        for field in &self.parameters {
            match field.value(given.get(&field.name)) {
                Ok(Some(v)) => {
                    out.insert(field.name.clone(), v);
                }
                Ok(None) => {}
                Err(message) => errors.push(ValueError {
                    field: field.name.clone(),
                    message,
                }),
            }
        }
        for name in given.keys() {
            if !self.parameters.iter().any(|f| &f.name == name) {
                errors.push(ValueError {
                    field: name.clone(),
                    message: format!("the test {:?} has no parameter {name:?}", self.name),
                });
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

mod field;
#[cfg(test)]
mod tests;
