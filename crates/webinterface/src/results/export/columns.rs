//! A result's series as named columns, ready to write: numbers, or the texts of a
//! non-numeric series.

use domain::store::series::Series;
use serde_json::Value;

/// A series ready to write: numbers, or the texts of a non-numeric one.
pub enum Column {
    /// Numeric values.
    Numbers(Vec<f64>),
    /// One text per value (strings as they are, anything else as JSON text).
    Texts(Vec<String>),
}

impl Column {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::Numbers(v) => v.len(),
            Self::Texts(v) => v.len(),
        }
    }

    /// Whether it has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cells of a non-numeric series from its JSON text: an array gives one cell per element,
/// any other value one cell. Strings are shown without quotes, the rest as JSON.
pub fn texts_of(raw: &str) -> Vec<String> {
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(items)) => items.iter().map(cell).collect(),
        Ok(v) => vec![cell(&v)],
        Err(_) => vec![raw.to_owned()],
    }
}

/// The series of a result as named columns.
pub fn columns(series: Vec<Series>) -> Vec<(String, Column)> {
    series
        .into_iter()
        .map(|s| {
            let column = match (s.values, s.raw) {
                (Some(v), _) => Column::Numbers(v),
                (None, Some(raw)) => Column::Texts(texts_of(&raw)),
                (None, None) => Column::Texts(Vec::new()),
            };
            (s.name, column)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_non_numeric_series() {
        assert_eq!(
            texts_of(r#"["a", 1, null, {"b": [2]}]"#),
            vec!["a", "1", "null", r#"{"b":[2]}"#]
        );
        assert_eq!(texts_of(r#""raw""#), vec!["raw"]);
        assert_eq!(texts_of("{\"x\": 1}"), vec![r#"{"x":1}"#]);
    }
}
