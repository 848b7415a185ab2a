//! The measurement and verdict engine: a test template's [`Limit`]s measured on a stored
//! result's `dataObj` (with its `parameterObj` for a sample rate), each giving a
//! [`Measurement`] that passes, fails or could not be taken, and together the result's
//! [`Verdict`]. Pure code: no database, no I/O.
//!
//! A result measured against no limits has **no verdict**: [`evaluate`] answers `None` for an
//! empty list of limits, so such a result never reads "pass".
//!
//! The stored forms: a measurement is
//! `{"name": "x_rms", "value": 1.2, "low": 0.1, "high": 2.5, "unit": "g", "outcome": "pass"}`
//! (`"outcome": "error"` with a `"reason"` and no `value` when it could not be measured), and
//! a verdict is the text `pass`, `fail` or `error` ([`Verdict::as_str`], [`Verdict::from_str`]).

mod limit;
mod measure;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::names::named;

pub use limit::{
    Limit, LimitError, MAX_NAME_CHARS, MAX_UNIT_CHARS, Measure, Quantity, parse_limits,
    validate_limits,
};

/// How one measurement came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The value is within the limit's bounds (a value on a bound is within).
    Pass,
    /// The value is outside the bounds.
    Fail,
    /// There is no value; the text says why (`series x is missing`).
    Error(String),
}

impl Outcome {
    /// The verdict this outcome alone gives (`pass`, `fail` or `error`).
    pub fn verdict(&self) -> Verdict {
        match self {
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail => Verdict::Fail,
            Outcome::Error(_) => Verdict::Error,
        }
    }

    /// Why there is no value, for [`Outcome::Error`].
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Error(reason) => Some(reason),
            _ => None,
        }
    }
}

/// A result's verdict: stored as the text `pass`, `fail` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every measurement passed.
    Pass,
    /// At least one measurement failed.
    Fail,
    /// None failed, but at least one could not be taken.
    Error,
}

impl Verdict {
    /// Every verdict, in its stored order.
    pub const ALL: [Verdict; 3] = [Verdict::Pass, Verdict::Fail, Verdict::Error];

    /// The stored text: `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    /// The verdict of `outcomes` together: any fail gives [`Verdict::Fail`]; else any error
    /// gives [`Verdict::Error`]; else [`Verdict::Pass`]. `None` for no outcomes: nothing was
    /// measured, so there is no verdict.
    pub fn combine<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Option<Verdict> {
        let mut verdict = None;
        for outcome in outcomes {
            verdict = Some(match (verdict, outcome.verdict()) {
                (_, Verdict::Fail) | (Some(Verdict::Fail), _) => Verdict::Fail,
                (_, Verdict::Error) | (Some(Verdict::Error), _) => Verdict::Error,
                _ => Verdict::Pass,
            });
        }
        verdict
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is not a verdict (`pass`, `fail` or `error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a verdict: pass, fail or error")]
pub struct UnknownVerdict(pub String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        named(&Verdict::ALL, Verdict::as_str, s).ok_or_else(|| UnknownVerdict(s.to_owned()))
    }
}

/// One limit measured on one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "MeasurementJson", try_from = "MeasurementJson")]
pub struct Measurement {
    /// The limit's name.
    pub name: String,
    /// The limit's label, if any.
    pub label: Option<String>,
    /// The measured value; `None` when it could not be measured ([`Outcome::Error`]).
    pub value: Option<f64>,
    /// The limit's lower bound, if any.
    pub low: Option<f64>,
    /// The limit's upper bound, if any.
    pub high: Option<f64>,
    /// The limit's unit, if any.
    pub unit: Option<String>,
    /// How it came out.
    pub outcome: Outcome,
}

/// Every limit of a template measured on one result, and the verdict they give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// One per limit, in the limits' order.
    pub measurements: Vec<Measurement>,
    /// Their verdict together ([`Verdict::combine`]).
    pub verdict: Verdict,
}

/// Measures each of `limits` on a result's `data` (`dataObj`), `parameters` (`parameterObj`,
/// `Value::Null` when absent) giving a sample rate, and combines the outcomes into the
/// verdict. `None` when `limits` is empty: a result without limits has no verdict.
pub fn evaluate(limits: &[Limit], data: &Value, parameters: &Value) -> Option<Evaluation> {
    let measurements: Vec<Measurement> = limits
        .iter()
        .map(|limit| measure_limit(limit, data, parameters))
        .collect();
    let verdict = Verdict::combine(measurements.iter().map(|m| &m.outcome))?;
    Some(Evaluation {
        measurements,
        verdict,
    })
}

/// Measures one limit on a result's `data` and `parameters` (see [`evaluate`]).
pub fn measure_limit(limit: &Limit, data: &Value, parameters: &Value) -> Measurement {
    let (value, outcome) = match measure::measure(limit.quantity(), data, parameters) {
        Ok(v) if limit.admits(v) => (Some(v), Outcome::Pass),
        Ok(v) => (Some(v), Outcome::Fail),
        Err(reason) => (None, Outcome::Error(reason)),
    };
    Measurement {
        name: limit.name().to_owned(),
        label: limit.label().map(str::to_owned),
        value,
        low: limit.low(),
        high: limit.high(),
        unit: limit.unit().map(str::to_owned),
        outcome,
    }
}

/// `$target { name: $m.name, …, unit: $m.unit, $rest }`: a measurement and its stored form
/// share every field but how it came out, moved across as they are.
macro_rules! with_shared_fields {
    ($target:ident, $m:ident, $($rest:tt)*) => {
        $target {
            name: $m.name,
            label: $m.label,
            value: $m.value,
            low: $m.low,
            high: $m.high,
            unit: $m.unit,
            $($rest)*
        }
    };
}

/// A measurement's stored form: the outcome as text, an error's reason beside it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasurementJson {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    outcome: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl From<Measurement> for MeasurementJson {
    fn from(m: Measurement) -> Self {
        let (outcome, reason) = match m.outcome {
            Outcome::Error(reason) => (Verdict::Error, Some(reason)),
            other => (other.verdict(), None),
        };
        with_shared_fields!(MeasurementJson, m, outcome, reason)
    }
}

impl TryFrom<MeasurementJson> for Measurement {
    type Error = String;

    fn try_from(m: MeasurementJson) -> Result<Self, String> {
        let outcome = match (m.outcome, m.reason) {
            (Verdict::Error, Some(reason)) => Outcome::Error(reason),
            (Verdict::Error, None) => return Err("reason: is required with outcome error".into()),
            (_, Some(_)) => return Err("reason: goes only with outcome error".into()),
            (Verdict::Pass, None) => Outcome::Pass,
            (Verdict::Fail, None) => Outcome::Fail,
        };
        Ok(with_shared_fields!(Measurement, m, outcome))
    }
}

/// What kind of JSON value `value` is, for a person.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
