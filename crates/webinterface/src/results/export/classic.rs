//! The old stack's CSV ("classic" layout), byte for byte as its own export wrote it — checked
//! against golden files its code made (`tests/fixtures/old_stack/`) — except for text cells
//! neutralised against formula injection ([`neutralise`]).
//!
//! What the old stack did, and so this does:
//! - Python's `csv` "excel" dialect: every record ends in CRLF; a field is quoted only when it
//!   holds `,`, `"`, CR or LF (`"` doubled); a record of one empty field is `""`, an empty
//!   record an empty line.
//! - Rows: `Testdato,Oprettet af,Kommandoliste`; the date (`%d/%m/%Y-%H:%M:%S`), `sentBy`
//!   and the command list as Python's `str(list)`; the parameter names; their values as
//!   Python's `str()` (`True`, `1e-07`, `2.0`, `{'a': 1}`); the series names; then one row per
//!   index, **cut to the shortest series** (never padded).
//! - Parameters and series in the order the stand sent them.
//! - Series values as they came back from its `jsonb` column: a JSON float went through
//!   Python's `repr` into PostgreSQL's `numeric` and back, so it reads as Python's `repr`
//!   (`0.0`, `1e-05`, `0.30000000000000004`) unless `numeric` kept no decimals, when it reads
//!   as the whole number (`1e16` → `10000000000000000`); `-0.0` reads `0.0`; integers as
//!   written; booleans `True`/`False`; `null` an empty cell.

use std::collections::HashMap;

use domain::store::results::ResultDetail;
use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::csv::CLASSIC_HEADER;
use super::formula::neutralise;

/// One cell: text (neutralised when written) or a number, boolean or nothing (written as is).
enum Cell {
    Text(String),
    Plain(String),
}

/// Writes the classic CSV of a result whose `dataObj` is `data` (its stored text), handing
/// chunks of about 64 KiB to `emit`; stops early when `emit` returns false (the client left).
pub fn write_classic(
    detail: &ResultDetail,
    data: &str,
    mut emit: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), serde_json::Error> {
    let series = series_of(data)?;
    let mut out = Vec::with_capacity(64 * 1024);
    let commands = match &detail.commands {
        Some(v @ Value::Array(_)) => python_repr(v),
        Some(Value::Null) | None => "[]".to_owned(),
        Some(other) => python_str(other),
    };
    record(&mut out, &CLASSIC_HEADER.map(|h| Cell::Plain(h.to_owned())));
    record(
        &mut out,
        &[
            Cell::Plain(test_date(detail)),
            Cell::Text(detail.sent_by.clone()),
            Cell::Text(commands),
        ],
    );
    let params = parameters(detail);
    let names: Vec<Cell> = params
        .iter()
        .map(|(k, _)| Cell::Text((*k).clone()))
        .collect();
    record(&mut out, &names);
    let values: Vec<Cell> = params
        .iter()
        .map(|(_, v)| match v {
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Plain(python_str(other)),
        })
        .collect();
    record(&mut out, &values);
    let names: Vec<Cell> = series.iter().map(|(k, _)| Cell::Text(k.clone())).collect();
    record(&mut out, &names);
    let rows = series.iter().map(|(_, v)| v.len()).min().unwrap_or(0);
    let mut cells = Vec::with_capacity(series.len());
    for i in 0..rows {
        cells.clear();
        cells.extend(series.iter().map(|(_, v)| cell_of(v[i])));
        record(&mut out, &cells);
        if out.len() >= 64 * 1024 && !emit(std::mem::take(&mut out)) {
            return Ok(());
        }
    }
    if !out.is_empty() {
        emit(out);
    }
    Ok(())
}

/// The test's date as the old stack stored it (`18/04/2020-11:55:03`, UTC): when the run was
/// started, else when the result arrived.
pub(super) fn test_date(detail: &ResultDetail) -> String {
    let date = detail.requested_at.unwrap_or(detail.received_at);
    date.format("%d/%m/%Y-%H:%M:%S").to_string()
}

/// The parameters in the order sent.
pub(super) fn parameters(detail: &ResultDetail) -> Vec<(&String, &Value)> {
    match &detail.parameters {
        Some(Value::Object(map)) => map.iter().collect(),
        _ => Vec::new(),
    }
}

/// The series of `data` in the order sent, each value's JSON text; a name sent twice keeps
/// its first place and its last value (as Python's `json.loads` reads it). A series that is
/// not an array has no values.
pub(super) fn series_of(data: &str) -> Result<Vec<(String, Vec<&RawValue>)>, serde_json::Error> {
    struct Series;
    impl<'de> Visitor<'de> for Series {
        type Value = Vec<(String, Vec<&'de RawValue>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of series")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Self::Value = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            while let Some(name) = map.next_key::<String>()? {
                let Values(values) = map.next_value()?;
                match index.get(&name) {
                    Some(&i) => out[i].1 = values,
                    None => {
                        index.insert(name.clone(), out.len());
                        out.push((name, values));
                    }
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(data);
    let series = de.deserialize_any(Series)?;
    de.end()?;
    Ok(series)
}

/// A series' values as their JSON texts, read in the one pass over the message; a series that
/// is not an array has none (the old export skipped it).
struct Values<'a>(Vec<&'a RawValue>);

impl<'de> serde::Deserialize<'de> for Values<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Values<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a series")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element()? {
                    values.push(v);
                }
                Ok(Values(values))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Values(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
        }
        d.deserialize_any(Any)
    }
}

/// A series value as the old stack read it back from its `jsonb` column (Python's `json`).
pub(super) enum Point<'a> {
    /// `null`: an empty cell.
    Empty,
    /// `true` or `false`.
    Bool(bool),
    /// A number, its JSON text.
    Number(&'a str),
    /// A string, or a list or object as Python's `repr` prints it.
    Text(String),
}

/// A series value from its JSON text.
pub(super) fn point_of(raw: &RawValue) -> Point<'_> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'n') => Point::Empty,
        Some(b't') => Point::Bool(true),
        Some(b'f') => Point::Bool(false),
        Some(b'"') => Point::Text(serde_json::from_str(text).unwrap_or_default()),
        Some(b'[' | b'{') => Point::Text(
            serde_json::from_str::<Value>(text)
                .map(|v| python_repr(&v))
                .unwrap_or_default(),
        ),
        _ => Point::Number(text),
    }
}

/// A series value as the old CSV export wrote it, from its JSON text.
fn cell_of(raw: &RawValue) -> Cell {
    match point_of(raw) {
        Point::Empty => Cell::Plain(String::new()),
        Point::Bool(b) => Cell::Plain(if b { "True" } else { "False" }.into()),
        Point::Number(text) => Cell::Plain(stored_number(text)),
        Point::Text(t) => Cell::Text(t),
    }
}

/// A JSON number of a series as the old stack read it back: see the module documentation.
pub(super) fn stored_number(text: &str) -> String {
    if !text.contains(['.', 'e', 'E']) {
        // An integer: Python's int, stored and read back as written.
        return text.strip_prefix("-0").map_or(text, |_| "0").to_owned();
    }
    let Ok(x) = text.parse::<f64>() else {
        return text.to_owned();
    };
    if x == 0.0 {
        return "0.0".into();
    }
    let repr = python_float(x);
    // `numeric` of the repr keeps max(0, fraction digits − exponent) decimals.
    let Some((mantissa, exp)) = repr.split_once('e') else {
        return repr;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let fraction_digits = i32::try_from(fraction.len()).unwrap_or(i32::MAX);
    if fraction_digits - exp > 0 {
        return repr;
    }
    let zeros = usize::try_from(exp - fraction_digits).unwrap_or(0);
    format!("{sign}{whole}{fraction}{}", "0".repeat(zeros))
}

/// Python's `repr(float)`: the shortest round-trip digits, in fixed notation for decimal
/// exponents from -4 to 15 (`123456789.0`, `0.0001`), else scientific (`1e-05`, `1e+16`).
pub fn python_float(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits: `1.5e-7`, `1e16`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..16).contains(&exp) {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs());
    }
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = usize::try_from(exp + 1).unwrap_or(0);
    if digits.len() <= point {
        format!("{sign}{digits}{}.0", "0".repeat(point - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

/// Python's `str()` of a value `json.loads` made: text as is, the rest as [`python_repr`].
pub(super) fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a value `json.loads` made: `None`, `True`, `1.5`, `'text'`,
/// `[1, 'a']`, `{'k': [True, None]}`.
pub fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), ..) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (.., Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => python_quoted(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_quoted(k), python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string as Python's `repr` quotes it: single quotes unless it holds one and no double.
fn python_quoted(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Appends one record as Python's `csv` "excel" dialect writes it.
fn record(out: &mut Vec<u8>, cells: &[Cell]) {
    if let [cell] = cells {
        let text = match cell {
            Cell::Text(t) => neutralise(t),
            Cell::Plain(p) => p.as_str().into(),
        };
        if text.is_empty() {
            out.extend_from_slice(b"\"\"\r\n");
            return;
        }
    }
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let text = match cell {
            Cell::Text(t) => neutralise(t),
            Cell::Plain(p) => p.as_str().into(),
        };
        if text.contains([',', '"', '\r', '\n']) {
            out.push(b'"');
            out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_writes_them() {
        for (x, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (1e-7, "1e-07"),
            (2.5e-5, "2.5e-05"),
            (0.0001, "0.0001"),
            (123_456_789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.23e30, "1.23e+30"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100.0"),
        ] {
            assert_eq!(python_float(x), want, "{x}");
        }
    }

    #[test]
    fn series_numbers_read_as_they_came_back_from_jsonb() {
        for (text, want) in [
            ("1", "1"),
            ("-20", "-20"),
            ("2.0", "2.0"),
            ("1e16", "10000000000000000"),
            ("1e21", "1000000000000000000000"),
            ("1e-05", "1e-05"),
            ("-0.0", "0.0"),
            ("1E2", "100.0"),
            ("1.23e+30", "1230000000000000000000000000000"),
            ("-2.5e20", "-250000000000000000000"),
        ] {
            assert_eq!(stored_number(text), want, "{text}");
        }
    }

    #[test]
    fn values_read_as_python_prints_them() {
        let v: Value =
            serde_json::from_str(r#"{"a": 1, "b": [true, null, "it's", 2.5]}"#).expect("json");
        assert_eq!(
            python_repr(&v),
            r#"{'a': 1, 'b': [True, None, "it's", 2.5]}"#
        );
    }
}
