//! A result's verdict as its page and the API show it: none (its run had no template, or the
//! template no limits — never "pass"), pending (stored, not measured yet: seconds at most), or
//! pass / fail / error with a row per limit.

use domain::store::verdicts::{self, Judged};
use domain::verdict::{Measurement, Outcome};
use sqlx::PgPool;

use super::export::{Column, write_number};
use crate::error::Result;
use crate::i18n::Tr;

/// The verdict of one result, ready to show.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct VerdictView {
    /// `none`, `pending`, `pass`, `fail` or `error`.
    #[schema(example = "fail")]
    pub state: &'static str,
    /// One row per limit, in the template's order (empty unless measured).
    pub measurements: Vec<MeasurementRow>,
}

/// One limit measured on the result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MeasurementRow {
    /// The limit's name.
    pub name: String,
    /// Its label (the name when it has none).
    pub label: String,
    /// The measured value; absent when it could not be measured.
    pub value: Option<f64>,
    /// The lower bound (inclusive), if any.
    pub low: Option<f64>,
    /// The upper bound (inclusive), if any.
    pub high: Option<f64>,
    /// The unit, if any.
    pub unit: Option<String>,
    /// `pass`, `fail` or `error`.
    pub outcome: &'static str,
    /// Why there is no value (`error`).
    pub reason: Option<String>,
}

impl VerdictView {
    /// The message key of its state's name.
    pub fn state_key(&self) -> &'static str {
        verdict_key(self.state)
    }
}

impl MeasurementRow {
    /// The message key of its outcome's name.
    pub fn outcome_key(&self) -> &'static str {
        verdict_key(self.outcome)
    }

    /// The bounds as the page writes them for a reader of `t`: `0.1 – 2.5 g`, `≥ 49 Hz`, `≤ 5`
    /// (`0,1 – 2,5 g` in Danish).
    pub fn bounds_in(&self, t: &Tr) -> String {
        let unit = self
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        match (self.low.map(|l| t.num(l)), self.high.map(|h| t.num(h))) {
            (Some(l), Some(h)) => format!("{l} – {h}{unit}"),
            (Some(l), None) => format!("≥ {l}{unit}"),
            (None, Some(h)) => format!("≤ {h}{unit}"),
            (None, None) => "—".into(),
        }
    }

    /// The value as the page writes it for a reader of `t` (with the unit), or the reason
    /// there is none (as the measurement stored it, in English).
    pub fn shown_in(&self, t: &Tr) -> String {
        match (self.value, &self.reason) {
            (Some(v), _) => {
                let unit = self
                    .unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default();
                format!("{}{unit}", t.num_text(&significant(v)))
            }
            (None, Some(reason)) => reason.clone(),
            (None, None) => "—".into(),
        }
    }
}

/// The message key of a verdict's or an outcome's name (`pass`, `fail`, `error`, `pending`,
/// `none`).
pub fn verdict_key(name: &str) -> &'static str {
    match name {
        "pass" => "verdict-pass",
        "fail" => "verdict-fail",
        "error" => "verdict-error",
        "pending" => "verdict-pending",
        _ => "result-verdict-none",
    }
}

/// `v` with at most 6 significant digits, as people read a measurement.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let digits = 6 - 1 - v.abs().log10().floor() as i32;
    if digits <= 0 {
        return format!("{v:.0}");
    }
    let text = format!("{v:.*}", digits.min(12) as usize);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn row(m: Measurement) -> MeasurementRow {
    MeasurementRow {
        label: m.label.clone().unwrap_or_else(|| m.name.clone()),
        outcome: m.outcome.verdict().as_str(),
        reason: match &m.outcome {
            Outcome::Error(why) => Some(why.clone()),
            Outcome::Pass | Outcome::Fail => None,
        },
        name: m.name,
        value: m.value,
        low: m.low,
        high: m.high,
        unit: m.unit,
    }
}

impl From<Judged> for VerdictView {
    fn from(j: Judged) -> Self {
        match j {
            Judged::None => Self {
                state: "none",
                measurements: Vec::new(),
            },
            Judged::Pending => Self {
                state: "pending",
                measurements: Vec::new(),
            },
            Judged::Done {
                verdict,
                measurements,
            } => Self {
                state: verdict.as_str(),
                measurements: measurements.into_iter().map(row).collect(),
            },
        }
    }
}

/// The verdict as extra columns after the series in today's CSV and xlsx layouts: `verdict`
/// (one cell), then per measurement its name, value, bounds, unit, outcome and reason. None
/// when the result has no verdict. (The classic layouts stay as the old stack wrote them.)
pub fn columns(v: &VerdictView) -> Vec<(String, Column)> {
    if v.state == "none" {
        return Vec::new();
    }
    let number = |x: Option<f64>| {
        let mut s = String::new();
        if let Some(x) = x {
            write_number(&mut s, x);
        }
        s
    };
    let m = &v.measurements;
    let texts = |f: &dyn Fn(&MeasurementRow) -> String| Column::Texts(m.iter().map(f).collect());
    vec![
        ("verdict".into(), Column::Texts(vec![v.state.to_owned()])),
        ("verdict: measurement".into(), texts(&|r| r.name.clone())),
        ("verdict: value".into(), texts(&|r| number(r.value))),
        ("verdict: low".into(), texts(&|r| number(r.low))),
        ("verdict: high".into(), texts(&|r| number(r.high))),
        (
            "verdict: unit".into(),
            texts(&|r| r.unit.clone().unwrap_or_default()),
        ),
        ("verdict: outcome".into(), texts(&|r| r.outcome.to_owned())),
        (
            "verdict: reason".into(),
            texts(&|r| r.reason.clone().unwrap_or_default()),
        ),
    ]
}

/// The verdict of result `id`.
pub async fn of(pool: &PgPool, id: i64) -> Result<VerdictView> {
    Ok(verdicts::get(pool, id).await?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_bounds_read_as_people_write_them() {
        for (v, text) in [
            (50.0, "50"),
            (49.999999, "50"),
            (0.123456789, "0.123457"),
            (1234567.0, "1234567"),
            (-2.5, "-2.5"),
            (0.0, "0"),
        ] {
            assert_eq!(significant(v), text, "{v}");
        }
        let mut r = MeasurementRow {
            name: "x_hz".into(),
            label: "x".into(),
            value: Some(50.0),
            low: Some(49.0),
            high: Some(51.0),
            unit: Some("Hz".into()),
            outcome: "pass",
            reason: None,
        };
        let en = Tr::english();
        assert_eq!(r.bounds_in(&en), "49 – 51 Hz");
        assert_eq!(r.shown_in(&en), "50 Hz");
        let da = Tr::new(crate::i18n::Lang::Da, crate::i18n::DEFAULT_TIME_ZONE);
        r.low = Some(0.5);
        r.value = Some(2.25);
        assert_eq!(r.bounds_in(&da), "0,5 – 51 Hz");
        assert_eq!(r.shown_in(&da), "2,25 Hz");
        r.low = None;
        assert_eq!(r.bounds_in(&en), "≤ 51 Hz");
        r.value = None;
        r.reason = Some("series x is missing".into());
        assert_eq!(r.shown_in(&en), "series x is missing");
    }
}
