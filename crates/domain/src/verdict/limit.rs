//! A limit as a test template names it, read from and written to its JSON form, and checked
//! once, when it is made: a [`Limit`] that exists is a valid one.

use serde::Deserialize;
use serde_json::Value;

use super::kind;

mod json;

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

impl Limit {
    /// The limit in its JSON form, every rule checked (the checked constructor).
    pub fn from_value(value: &Value) -> Result<Self, LimitError> {
        if !value.is_object() {
            return Err(LimitError::Form(format!(
                "a limit must be a JSON object, not {}",
                kind(value)
            )));
        }
        let raw =
            json::RawLimit::deserialize(value).map_err(|e| LimitError::Form(e.to_string()))?;
        Self::from_raw(raw)
    }

    /// Its JSON form (what [`Limit::from_value`] reads back to an equal limit).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
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
