//! A field's own rules: how it is checked when a template is saved, and how an operator's
//! value (form text or JSON) becomes the typed value the stand receives.

use regex::Regex;
use serde_json::{Number, Value};

use super::{Field, FieldType, MAX_TEXT};

impl Field {
    /// What the form shows as its name.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// Checks the field; the error names the key (empty: the field itself).
    pub(super) fn validate(&self) -> Result<(), (&'static str, String)> {
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
