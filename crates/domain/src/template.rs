//! Test templates: the tests a stand takes, as an admin defines them (no code, no rebuild) in
//! place of the old stack's hand-written page per stand type. A template names its commands
//! and its parameters — each a typed field (number with unit and bounds, integer, text with a
//! pattern, choice, boolean) with a label, help, default and whether it is required — and the
//! start form renders and checks them, and sends typed values in the template's order.
//!
//! The JSON of a [`Template`] is also its export and import format: a lab copies one stand
//! type's tests to its twin, a stand module's author ships the file with the stand.

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

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
    TemplateError {
        place: place.into(),
        problem: problem.into(),
    }
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

impl Field {
    /// What the form shows as its name.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// Checks the field; the error names the key (empty: the field itself).
    fn validate(&self) -> Result<(), (&'static str, String)> {
        let n = self.name.chars().count();
        if n == 0 || n > 64 || self.name.trim() != self.name {
            return Err(("name", "1-64 characters, no spaces around".into()));
        }
        let numeric = matches!(self.kind, FieldType::Number | FieldType::Integer);
        let only = |key: &'static str, present: bool, kinds: &str| {
            if present {
                Err((key, format!("only {kinds} fields have a {key}")))
            } else {
                Ok(())
            }
        };
        only(
            "unit",
            !numeric && self.unit.is_some(),
            "number and integer",
        )?;
        only("min", !numeric && self.min.is_some(), "number and integer")?;
        only("max", !numeric && self.max.is_some(), "number and integer")?;
        only(
            "step",
            !numeric && self.step.is_some(),
            "number and integer",
        )?;
        only(
            "pattern",
            self.kind != FieldType::Text && self.pattern.is_some(),
            "text",
        )?;
        only(
            "choices",
            self.kind != FieldType::Choice && !self.choices.is_empty(),
            "choice",
        )?;
        if self.unit.as_deref().is_some_and(|u| u.chars().count() > 16) {
            return Err(("unit", "at most 16 characters".into()));
        }
        for (key, bound) in [("min", self.min), ("max", self.max)] {
            if let Some(b) = bound
                && self.kind == FieldType::Integer
                && b.fract() != 0.0
            {
                return Err((key, "an integer field's bound is a whole number".into()));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max)
            && lo > hi
        {
            return Err(("max", format!("max {hi} is below min {lo}")));
        }
        if let Some(step) = self.step
            && (step <= 0.0 || (self.kind == FieldType::Integer && step.fract() != 0.0))
        {
            return Err(("step", "a positive step (whole for an integer)".into()));
        }
        if let Some(p) = &self.pattern {
            pattern(p).map_err(|e| ("pattern", format!("not a regular expression: {e}")))?;
        }
        if self.kind == FieldType::Choice {
            if self.choices.is_empty() {
                return Err(("choices", "a choice needs at least one value".into()));
            }
            for (i, c) in self.choices.iter().enumerate() {
                if !(c.value.is_string() || c.value.is_number()) {
                    return Err(("choices", format!("value {i} is neither text nor a number")));
                }
                if self.choices[..i].iter().any(|o| o.value == c.value) {
                    return Err(("choices", format!("value {} twice", c.value)));
                }
            }
        }
        if let Some(d) = &self.default {
            self.check(d).map_err(|e| ("default", e))?;
        }
        Ok(())
    }

    /// The value to send for `given` (absent, `null` and empty text count as empty).
    pub fn value(&self, given: Option<&Value>) -> Result<Option<Value>, String> {
        let empty = match given {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if empty {
            return match (&self.default, self.required) {
                (Some(d), _) => Ok(Some(d.clone())),
                (None, true) => Err("required".into()),
                (None, false) => Ok(None),
            };
        }
        let v = given.cloned().unwrap_or(Value::Null);
        let typed = self.typed_text(&v).unwrap_or(v);
        self.check(&typed)?;
        Ok(Some(typed))
    }

    /// A form's text turned into the field's type (None: not text, or not convertible).
    fn typed_text(&self, v: &Value) -> Option<Value> {
        let s = v.as_str()?.trim();
        match self.kind {
            FieldType::Number => s
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(|f| {
                    // Whole numbers go as integers (10, not 10.0), others as written.
                    if f.fract() == 0.0 && f.abs() < 9.0e15 {
                        Some(Value::from(f as i64))
                    } else {
                        Number::from_f64(f).map(Value::Number)
                    }
                }),
            // 2.5 stays a number, for the error to say "a whole number".
            FieldType::Integer => s.parse::<i64>().ok().map(Value::from).or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            }),
            FieldType::Boolean => match s {
                "true" | "on" | "1" => Some(Value::Bool(true)),
                "false" | "off" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            FieldType::Choice => self
                .choices
                .iter()
                .find(|c| {
                    c.value.as_str() == Some(s)
                        || s.parse::<Number>()
                            .is_ok_and(|n| c.value == Value::Number(n))
                })
                .map(|c| c.value.clone()),
            FieldType::Text => None,
        }
    }

    /// Whether `v` is a value of this field; why not, for the person.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        match self.kind {
            FieldType::Number | FieldType::Integer => {
                let Some(x) = v.as_f64() else {
                    return Err("a number".into());
                };
                if self.kind == FieldType::Integer && !(v.is_i64() || v.is_u64()) {
                    return Err("a whole number".into());
                }
                let unit = self
                    .unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default();
                if let Some(lo) = self.min
                    && x < lo
                {
                    return Err(format!("at least {lo}{unit}"));
                }
                if let Some(hi) = self.max
                    && x > hi
                {
                    return Err(format!("at most {hi}{unit}"));
                }
                if let Some(step) = self.step {
                    let k = (x - self.min.unwrap_or(0.0)) / step;
                    if (k - k.round()).abs() > 1e-9 {
                        return Err(format!("in steps of {step}{unit}"));
                    }
                }
                Ok(())
            }
            FieldType::Text => {
                let Some(s) = v.as_str() else {
                    return Err("text".into());
                };
                if s.chars().count() > MAX_TEXT {
                    return Err(format!("at most {MAX_TEXT} characters"));
                }
                match self.pattern.as_deref().map(pattern) {
                    Some(Ok(re)) if !re.is_match(s) => Err(format!(
                        "must match {}",
                        self.pattern.as_deref().unwrap_or_default()
                    )),
                    Some(Err(e)) => Err(format!("the pattern is unusable: {e}")),
                    _ => Ok(()),
                }
            }
            FieldType::Choice => {
                if self.choices.iter().any(|c| &c.value == v) {
                    Ok(())
                } else {
                    let list: Vec<String> =
                        self.choices.iter().map(|c| c.value.to_string()).collect();
                    Err(format!("one of {}", list.join(", ")))
                }
            }
            FieldType::Boolean => {
                if v.is_boolean() {
                    Ok(())
                } else {
                    Err("true or false".into())
                }
            }
        }
    }
}

/// A text pattern, matched against the whole text (as HTML's `pattern` attribute does).
fn pattern(p: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{p})$"))
        .size_limit(1 << 20)
        .build()
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
