//! A limit's JSON form read, every rule checked with a message naming the field, and written
//! back in the order a person reads it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Limit, LimitError, MAX_NAME_CHARS, MAX_UNIT_CHARS, Measure, Quantity};
use crate::verdict::kind;

impl Limit {
    /// The limit `raw` describes, when it follows every rule.
    pub(super) fn from_raw(raw: RawLimit) -> Result<Self, LimitError> {
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
pub(super) struct RawLimit {
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

fn bad(field: &'static str, problem: impl Into<String>) -> LimitError {
    LimitError::Field {
        field,
        problem: problem.into(),
    }
}
