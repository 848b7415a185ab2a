//! Measuring one quantity of a result's `dataObj`: the value, or why there is none (the reason
//! a measurement's `error` outcome carries).

use serde_json::Value;

use super::kind;
use super::limit::{Measure, Quantity};
use crate::signal;

/// The value of `quantity` in `data` (`dataObj`), with `parameters` (`parameterObj`) for a
/// sample rate; or why it cannot be measured. Only JSON numbers count as values.
pub(super) fn measure(
    quantity: &Quantity,
    data: &Value,
    parameters: &Value,
) -> Result<f64, String> {
    match quantity {
        Quantity::Scalar(key) => scalar(data, key),
        Quantity::Series { series, measure } => {
            let values = series_values(data, series)?;
            of_series(series, &values, measure, data, parameters)
        }
    }
}

fn scalar(data: &Value, key: &str) -> Result<f64, String> {
    match data.get(key) {
        None => Err(format!("scalar {key} is missing")),
        Some(Value::Number(n)) => finite(n.as_f64(), || format!("{key} is not a finite number")),
        Some(other) => Err(format!("{key} is not a number but {}", kind(other))),
    }
}

/// The values of series `key`: a non-empty array of numbers.
fn series_values(data: &Value, key: &str) -> Result<Vec<f64>, String> {
    let items = match data.get(key) {
        None => return Err(format!("series {key} is missing")),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "{key} is not a series (an array of numbers) but {}",
                kind(other)
            ));
        }
    };
    if items.is_empty() {
        return Err(format!("{key} is empty"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            match item {
                Value::Number(n) => n.as_f64().filter(|v| v.is_finite()),
                _ => None,
            }
            .ok_or_else(|| format!("{key} holds a value that is not a number at index {i}"))
        })
        .collect()
}

fn of_series(
    key: &str,
    values: &[f64],
    measure: &Measure,
    data: &Value,
    parameters: &Value,
) -> Result<f64, String> {
    let n = values.len();
    match measure {
        Measure::Min => Ok(values.iter().copied().fold(f64::INFINITY, f64::min)),
        Measure::Max => Ok(values.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        Measure::Mean => Ok(mean(values)),
        Measure::Rms => Ok(rms(values)),
        Measure::ValueAt { index } => values.get(*index).copied().ok_or_else(|| {
            format!(
                "index {index} is past the end of {key} ({n} value{})",
                if n == 1 { "" } else { "s" }
            )
        }),
        Measure::PeakFrequency { sample_rate } => {
            let rate = rate(sample_rate.as_deref(), data, parameters)?;
            if n < 2 {
                return Err(format!(
                    "{key} has too few values for a spectrum ({n} value)"
                ));
            }
            signal::peak_frequency(values, rate).ok_or_else(|| {
                format!("{key} has no peak frequency: its spectrum is zero but for DC")
            })
        }
    }
}

/// The arithmetic mean; summed in shares of `1/n` when the plain sum overflows.
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let plain = values.iter().sum::<f64>() / n;
    if plain.is_finite() {
        plain
    } else {
        values.iter().map(|v| v / n).sum()
    }
}

/// The root mean square; scaled by the largest magnitude when the squares overflow.
fn rms(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let plain = (values.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    if plain.is_finite() {
        return plain;
    }
    let m = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    m * (values.iter().map(|v| (v / m) * (v / m)).sum::<f64>() / n).sqrt()
}

/// The sample rate in Hz: the one `named` (in `parameterObj`, or else at the top of
/// `dataObj`), or else one of [`signal::RATE_NAMES`] in `parameterObj`.
fn rate(named: Option<&str>, data: &Value, parameters: &Value) -> Result<f64, String> {
    let Some(name) = named else {
        return signal::sample_rate(Some(parameters))
            .ok_or_else(|| "no sample rate: name one with sample_rate or send fs".to_owned());
    };
    let found = match parameters.get(name) {
        Some(v) => Some(("parameterObj", v)),
        None => data.get(name).map(|v| ("dataObj", v)),
    };
    match found {
        None => Err(format!(
            "no sample rate: {name} is in neither parameterObj nor dataObj"
        )),
        Some((place, v)) => signal::rate_value(v)
            .ok_or_else(|| format!("sample rate {name} in {place} is not a positive number: {v}")),
    }
}

fn finite(value: Option<f64>, why: impl FnOnce() -> String) -> Result<f64, String> {
    value.filter(|v| v.is_finite()).ok_or_else(why)
}
