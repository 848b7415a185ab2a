//! A limit as a test template names it, read from and written to its JSON form, and checked
//! once, when it is made: a [`Limit`] that exists is a valid one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most characters of a limit's `name`.
pub const MAX_NAME_CHARS: usize = 64;

/// The most characters of a limit's `unit`.
pub const MAX_UNIT_CHARS: usize = 16;

/// What a limit measures in a result's `dataObj`.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantity {
    /// `"scalar": key`: a number at the top level of `dataObj`.
    Scalar(String),
    /// `"series": key` with a `measure`: a measure of an array of numbers in `dataObj`.
    Series {
        /// The series' key in `dataObj`.
        series: String,
        /// What is measured of it.
        measure: Measure,
    },
}

/// A measure of a series (`"measure"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// `min`: the smallest value.
    Min,
    /// `max`: the largest value.
    Max,
    /// `mean`: the arithmetic mean.
    Mean,
    /// `rms`: the root mean square.
    Rms,
    /// `peak_frequency`: the frequency in Hz of the largest-power bin of the one-sided
    /// spectrum, DC left out ([`crate::signal::peak_frequency`]).
    PeakFrequency {
        /// `"sample_rate"`: the name of the rate in Hz in `parameterObj` (or else at the top of
        /// `dataObj`); without it the usual names ([`crate::signal::RATE_NAMES`]) are looked
        /// up in `parameterObj`.
        sample_rate: Option<String>,
    },
    /// `value_at`: the value at `"index"` (0-based).
    ValueAt {
        /// The 0-based index.
        index: usize,
    },
}

impl Measure {
    /// The names `measure` takes, in the order they are listed to a person.
    pub const NAMES: [&str; 6] = ["min", "max", "mean", "rms", "peak_frequency", "value_at"];

    /// Its name in the JSON form.
    pub fn as_str(&self) -> &'static str {
        match self {
            Measure::Min => "min",
            Measure::Max => "max",
            Measure::Mean => "mean",
            Measure::Rms => "rms",
            Measure::PeakFrequency { .. } => "peak_frequency",
            Measure::ValueAt { .. } => "value_at",
        }
    }
}

/// A limit on one quantity of a result: inclusive bounds `low` and/or `high` (at least one).
///
/// Its JSON form (every key snake_case; unknown keys refused):
/// `{"name": "peak_g", "label": "Peak acceleration", "scalar": "peak", "low": 0, "high": 5,
/// "unit": "g"}` or `{"name": "x_rms", "series": "x", "measure": "rms", "low": 0.1, "high":
/// 2.5}`, with `"index"` for `value_at` and an optional `"sample_rate"` for `peak_frequency`.
/// [`Limit::from_value`] and `Deserialize` check every rule and name the field that breaks
/// one ([`LimitError`]); [`validate_limits`] checks a list's names are unique.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    name: String,
    label: Option<String>,
    quantity: Quantity,
    low: Option<f64>,
    high: Option<f64>,
    unit: Option<String>,
}

/// Why a limit, or a list of them, was refused. The `Display` form names the field and is
/// meant for a person: `high: must be a number, not text`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A field (or a pair of fields, such as `low or high`) breaks a rule.
    #[error("{field}: {problem}")]
    Field {
        /// The field, as its JSON key.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Not a JSON object of the known keys (the message names an unknown key).
    #[error("{0}")]
    Form(String),
    /// Two limits of one list share a name.
    #[error("name: {0:?} is the name of more than one limit")]
    DuplicateName(String),
    /// The limit at `position` (1-based) of a list is refused.
    #[error("limit {position}: {error}")]
    InList {
        /// 1-based position in the list.
        position: usize,
        /// Why it is refused.
        error: Box<LimitError>,
    },
}

impl LimitError {
    /// The field at fault, as its JSON key (`None` for the form of the whole limit).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            LimitError::Field { field, .. } => Some(field),
            LimitError::Form(_) => None,
            LimitError::DuplicateName(_) => Some("name"),
            LimitError::InList { error, .. } => error.field(),
        }
    }
}

fn bad(field: &'static str, problem: impl Into<String>) -> LimitError {
    LimitError::Field {
        field,
        problem: problem.into(),
    }
}

impl Limit {
    /// The limit in its JSON form, every rule checked (the checked constructor).
    pub fn from_value(value: &Value) -> Result<Self, LimitError> {
        if !value.is_object() {
            return Err(LimitError::Form(format!(
                "a limit must be a JSON object, not {}",
                kind(value)
            )));
        }
        let raw = RawLimit::deserialize(value).map_err(|e| LimitError::Form(e.to_string()))?;
        Self::from_raw(raw)
    }

    /// Its JSON form (what [`Limit::from_value`] reads back to an equal limit).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.out()).unwrap_or(Value::Null)
    }

    /// `name`: unique among a template's limits; 1–64 letters, digits, `_` or `-`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `label`: what a person reads, when given.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// What is measured.
    pub fn quantity(&self) -> &Quantity {
        &self.quantity
    }

    /// `low`: the inclusive lower bound, if any.
    pub fn low(&self) -> Option<f64> {
        self.low
    }

    /// `high`: the inclusive upper bound, if any.
    pub fn high(&self) -> Option<f64> {
        self.high
    }

    /// `unit`: the unit shown with the value, if any.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    /// Whether `value` is within the bounds (inclusive: on a bound is within).
    pub fn admits(&self, value: f64) -> bool {
        self.low.is_none_or(|low| value >= low) && self.high.is_none_or(|high| value <= high)
    }

    fn from_raw(raw: RawLimit) -> Result<Self, LimitError> {
        let name = text("name", raw.name)?.ok_or_else(|| bad("name", "is required"))?;
        check_name(&name)?;
        let label = text("label", raw.label)?;
        let quantity = match (key("scalar", raw.scalar)?, key("series", raw.series)?) {
            (Some(_), Some(_)) => {
                return Err(bad("scalar or series", "give one of them, not both"));
            }
            (None, None) => {
                return Err(bad(
                    "scalar or series",
                    "one is required: scalar (a number in dataObj) or series (an array of \
                     numbers in dataObj)",
                ));
            }
            (Some(scalar), None) => {
                if raw.measure.is_some() {
                    return Err(bad("measure", "goes only with series; remove it"));
                }
                only_with("index", &raw.index, "value_at")?;
                only_with("sample_rate", &raw.sample_rate, "peak_frequency")?;
                Quantity::Scalar(scalar)
            }
            (None, Some(series)) => Quantity::Series {
                series,
                measure: measure(raw.measure, raw.index, raw.sample_rate)?,
            },
        };
        let low = number("low", raw.low)?;
        let high = number("high", raw.high)?;
        match (low, high) {
            (None, None) => return Err(bad("low or high", "give at least one bound")),
            (Some(l), Some(h)) if l > h => {
                return Err(bad("low", format!("{l} is above high ({h})")));
            }
            _ => {}
        }
        let unit = text("unit", raw.unit)?;
        if let Some(u) = &unit
            && u.chars().count() > MAX_UNIT_CHARS
        {
            return Err(bad(
                "unit",
                format!(
                    "is {} characters long; at most {MAX_UNIT_CHARS}",
                    u.chars().count()
                ),
            ));
        }
        Ok(Limit {
            name,
            label,
            quantity,
            low,
            high,
            unit,
        })
    }

    fn out(&self) -> LimitOut<'_> {
        let (scalar, series, measure) = match &self.quantity {
            Quantity::Scalar(key) => (Some(key.as_str()), None, None),
            Quantity::Series { series, measure } => (None, Some(series.as_str()), Some(measure)),
        };
        LimitOut {
            name: &self.name,
            label: self.label.as_deref(),
            scalar,
            series,
            measure: measure.map(Measure::as_str),
            index: match measure {
                Some(Measure::ValueAt { index }) => Some(*index),
                _ => None,
            },
            sample_rate: match measure {
                Some(Measure::PeakFrequency { sample_rate }) => sample_rate.as_deref(),
                _ => None,
            },
            low: self.low,
            high: self.high,
            unit: self.unit.as_deref(),
        }
    }
}

/// Checks that no two of `limits` share a name (each limit is checked when it is made).
pub fn validate_limits(limits: &[Limit]) -> Result<(), LimitError> {
    let mut seen = std::collections::HashSet::new();
    for limit in limits {
        if !seen.insert(limit.name()) {
            return Err(LimitError::DuplicateName(limit.name.clone()));
        }
    }
    Ok(())
}

/// A template's limits from their JSON form (a list of limit objects): each one checked, the
/// first refused one named by its position, and the names checked unique.
pub fn parse_limits(value: &Value) -> Result<Vec<Limit>, LimitError> {
    let Value::Array(items) = value else {
        return Err(LimitError::Form(format!(
            "limits must be a JSON list, not {}",
            kind(value)
        )));
    };
    let limits = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Limit::from_value(item).map_err(|error| LimitError::InList {
                position: i + 1,
                error: Box::new(error),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    validate_limits(&limits)?;
    Ok(limits)
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.out().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawLimit::deserialize(deserializer)?;
        Limit::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

/// The JSON form as it comes: every known key, each value still unread so a wrong type is
/// reported by its field's name.
#[derive(Deserialize)]
#[serde(rename = "limit", deny_unknown_fields)]
struct RawLimit {
    name: Option<Value>,
    label: Option<Value>,
    scalar: Option<Value>,
    series: Option<Value>,
    measure: Option<Value>,
    index: Option<Value>,
    sample_rate: Option<Value>,
    low: Option<Value>,
    high: Option<Value>,
    unit: Option<Value>,
}

/// The JSON form written out, in the order a person reads it.
#[derive(Serialize)]
struct LimitOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scalar: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measure: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_rate: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
}

fn measure(
    measure: Option<Value>,
    index: Option<Value>,
    sample_rate: Option<Value>,
) -> Result<Measure, LimitError> {
    let one_of = Measure::NAMES.join(", ");
    let name = text("measure", measure)?.ok_or_else(|| {
        bad(
            "measure",
            format!("is required with series: one of {one_of}"),
        )
    })?;
    let measure = match name.as_str() {
        "min" => Measure::Min,
        "max" => Measure::Max,
        "mean" => Measure::Mean,
        "rms" => Measure::Rms,
        "peak_frequency" => Measure::PeakFrequency {
            sample_rate: key("sample_rate", sample_rate.clone())?,
        },
        "value_at" => {
            let index = index
                .as_ref()
                .ok_or_else(|| bad("index", "is required with measure value_at (0-based)"))?;
            let index = index
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| {
                    bad(
                        "index",
                        format!("must be a whole number from 0, not {index}"),
                    )
                })?;
            Measure::ValueAt { index }
        }
        other => {
            return Err(bad(
                "measure",
                format!("{other:?} is not a measure: one of {one_of}"),
            ));
        }
    };
    if !matches!(measure, Measure::ValueAt { .. }) {
        only_with("index", &index, "value_at")?;
    }
    if !matches!(measure, Measure::PeakFrequency { .. }) {
        only_with("sample_rate", &sample_rate, "peak_frequency")?;
    }
    Ok(measure)
}

fn only_with(field: &'static str, value: &Option<Value>, measure: &str) -> Result<(), LimitError> {
    match value {
        Some(_) => Err(bad(
            field,
            format!("goes only with measure {measure}; remove it"),
        )),
        None => Ok(()),
    }
}

fn check_name(name: &str) -> Result<(), LimitError> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(bad("name", "must not be empty"));
    }
    if chars > MAX_NAME_CHARS {
        return Err(bad(
            "name",
            format!("is {chars} characters long; at most {MAX_NAME_CHARS}"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(bad(
            "name",
            format!("may hold only letters, digits, _ and -, not {c:?}"),
        ));
    }
    Ok(())
}

/// Text, when given.
fn text(field: &'static str, value: Option<Value>) -> Result<Option<String>, LimitError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad(field, format!("must be text, not {}", kind(&other)))),
    }
}

/// A key of `dataObj` or `parameterObj`, when given: text that is not empty.
fn key(field: &'static str, value: Option<Value>) -> Result<Option<String>, LimitError> {
    match text(field, value)? {
        Some(s) if s.is_empty() => Err(bad(field, "must not be empty")),
        other => Ok(other),
    }
}

/// A finite number, when given.
fn number(field: &'static str, value: Option<Value>) -> Result<Option<f64>, LimitError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(bad(field, format!("{n} is not a finite number"))),
        },
        Some(other) => Err(bad(
            field,
            format!("must be a number, not {}", kind(&other)),
        )),
    }
}

/// What kind of JSON value `value` is, for a person.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
