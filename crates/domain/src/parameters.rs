//! How a parameter typed as text (a form cell) becomes the JSON value a stand receives.
//!
//! The rule is meant to be predicted by the operator without knowing JSON: a value becomes a
//! number only when the stand would see exactly what was typed, so `007` and `1.10` are not
//! silently turned into `7` and `1.1`.

use serde_json::Value;

/// The rule in one sentence, shown next to the start-test form and in the API documentation.
pub const PARAMETER_RULE: &str = "A value is sent as a number only when it is written exactly \
as that number is written back (42, -3, 2.5), as true or false when it is exactly that word, \
and as text otherwise, so 007, 1.10 and 1e3 arrive as typed.";

/// The JSON value of a parameter typed as `raw` (see [`PARAMETER_RULE`]). Spaces around a
/// number or a boolean are ignored; text is kept exactly as typed.
pub fn parameter_value(raw: &str) -> Value {
    let t = raw.trim();
    match t {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    // Compared as text on purpose: `Value == &str` would compare with a JSON string.
    if let Ok(number @ Value::Number(_)) = serde_json::from_str::<Value>(t)
        && serde_json::to_string(&number).is_ok_and(|written| written == t)
    {
        return number;
    }
    Value::String(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_written_as_they_come_back_are_numbers() {
        for (typed, sent) in [
            ("42", json!(42)),
            ("-3", json!(-3)),
            (" 2.5 ", json!(2.5)),
            ("1000", json!(1000)),
            ("0", json!(0)),
            ("1.0", json!(1.0)),
            ("true", json!(true)),
            ("false", json!(false)),
        ] {
            assert_eq!(parameter_value(typed), sent, "{typed}");
        }
    }

    #[test]
    fn everything_else_arrives_as_typed() {
        for typed in [
            "007",
            "1.10",
            "1e3",
            "-0",
            "+1",
            ".5",
            "5.",
            "NaN",
            "inf",
            "sine",
            "True",
            "null",
            "[1,2]",
            "",
            " a b ",
            "12345678901234567890123",
        ] {
            assert_eq!(parameter_value(typed), json!(typed), "{typed}");
        }
    }

    #[test]
    fn the_rule_names_its_examples() {
        for example in ["007", "1.10", "2.5", "true"] {
            assert!(PARAMETER_RULE.contains(example), "{example}");
        }
    }
}
