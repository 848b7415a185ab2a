//! Protocol v1.1 payloads as stands send them, for tests and benchmarks.

use serde_json::{Value, json};

/// A message's keys in the order written (the stand's order: serde_json keeps it).
pub fn keys(message: &Value) -> Vec<&str> {
    message
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// A status message with `code`, sent by `sent_by`.
pub fn status(code: &str, sent_by: &str) -> Value {
    json!({"protocolVersion": 1.1, "sentBy": sent_by, "msgType": "status", "statusCode": code})
}

/// A data message with `series` (an object of named arrays), command `measure` and
/// `fs = 1000`.
pub fn data(sent_by: &str, series: Value) -> Value {
    let text = data_text(
        sent_by,
        &["measure"],
        &json!({"fs": 1000}),
        &series.to_string(),
    );
    serde_json::from_str(&text).expect("the data message is JSON")
}

/// A data message's text with the given commands, parameters and `dataObj` text. The series
/// stay as written (number spelling, key order, even invalid JSON), for tests of exactly that.
pub fn data_text(sent_by: &str, commands: &[&str], parameters: &Value, series: &str) -> String {
    format!(
        r#"{{"protocolVersion": 1.1, "sentBy": {}, "msgType": "data", "statusCode": "200",
            "commandList": {}, "parameterObj": {parameters}, "dataObj": {series}}}"#,
        Value::from(sent_by),
        json!(commands),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_message_keeps_its_series_text() {
        let text = data_text("pc", &["start"], &json!({"fs": 2}), r#"{"v": [1.50, 2]}"#);
        assert!(text.contains(r#""dataObj": {"v": [1.50, 2]}"#), "{text}");
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(parsed["commandList"], json!(["start"]));
        assert_eq!(parsed["sentBy"], "pc");
    }

    #[test]
    fn the_data_builder_fills_the_defaults() {
        let m = data("rig", json!({"a": [1]}));
        assert_eq!(m["msgType"], "data");
        assert_eq!(m["commandList"], json!(["measure"]));
        assert_eq!(m["parameterObj"], json!({"fs": 1000}));
        assert_eq!(m["dataObj"], json!({"a": [1]}));
    }
}
