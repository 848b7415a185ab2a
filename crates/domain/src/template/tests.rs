use super::*;
use serde_json::json;

/// The module guide's accelerometer stand: sensor choice, duration, step size, frequency.
fn accelerometer() -> Template {
    Template::from_json(
        &json!({
            "name": "Full sweep",
            "commands": ["start"],
            "parameters": [
                {"name": "sensor", "label": "Sensor", "type": "choice", "required": true,
                 "choices": [{"value": "adxl345", "label": "ADXL345"}, {"value": "mpu6050"}]},
                {"name": "duration", "type": "number", "unit": "s", "min": 1, "max": 60,
                 "step": 0.5, "default": 10, "required": true},
                {"name": "steps", "type": "integer", "min": 1, "max": 1000},
                {"name": "frequency", "type": "choice", "required": true,
                 "choices": [{"value": 10, "label": "10 Hz"}, {"value": 100, "label": "100 Hz"},
                             {"value": 1000, "label": "1 kHz"}, {"value": 10000, "label": "10 kHz"}]},
                {"name": "operator", "type": "text", "pattern": "[A-Z]{2}[0-9]+", "required": true},
                {"name": "calibrate", "type": "boolean", "default": false}
            ],
            "limits": [
                {"name": "peak_g", "scalar": "peak", "low": 0, "high": 5, "unit": "g"},
                {"name": "x_hz", "series": "x", "measure": "peak_frequency", "low": 49, "high": 51, "unit": "Hz"}
            ]
        })
        .to_string(),
    )
    .expect("a valid template")
}

fn given(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

#[test]
fn form_text_becomes_typed_values_in_the_templates_order() {
    let t = accelerometer();
    // The form sends text, in whatever order; the stand gets types, in the template's order.
    let sent = t
        .values(&given(json!({
            "calibrate": "on", "operator": "AB12", "frequency": "1000",
            "steps": "20", "duration": "2.5", "sensor": "mpu6050"
        })))
        .expect("valid");
    assert_eq!(
        Value::Object(sent.clone()).to_string(),
        r#"{"sensor":"mpu6050","duration":2.5,"steps":20,"frequency":1000,"operator":"AB12","calibrate":true}"#
    );
    // Empty fields: the default, or left out when optional.
    let sent = t
        .values(&given(
            json!({"sensor": "adxl345", "frequency": "10", "operator": "XY1",
                              "duration": "", "steps": ""}),
        ))
        .expect("valid");
    assert_eq!(sent["duration"], json!(10));
    assert!(!sent.contains_key("steps"));
    assert_eq!(sent["calibrate"], json!(false));
    // JSON values (the API) pass as they are.
    let sent = t
        .values(&given(
            json!({"sensor": "adxl345", "frequency": 100, "operator": "XY1",
                              "duration": 60}),
        ))
        .expect("valid");
    assert_eq!(sent["frequency"], json!(100));
}

#[test]
fn wrong_values_are_refused_each_with_its_reason() {
    let t = accelerometer();
    let errors = t
        .values(&given(json!({
            "sensor": "bmi160", "duration": "61", "steps": "2.5", "frequency": "50",
            "operator": "ab12", "calibrate": "maybe", "typo": "1"
        })))
        .expect_err("refused");
    let by_field: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(by_field["sensor"], r#"one of "adxl345", "mpu6050""#);
    assert_eq!(by_field["duration"], "at most 60 s");
    assert_eq!(by_field["steps"], "a whole number");
    assert_eq!(by_field["frequency"], "one of 10, 100, 1000, 10000");
    assert_eq!(by_field["operator"], "must match [A-Z]{2}[0-9]+");
    assert_eq!(by_field["calibrate"], "true or false");
    assert!(by_field["typo"].contains("no parameter"), "{errors:?}");
    let missing = t.values(&Map::new()).expect_err("required");
    let names: Vec<&str> = missing.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(names, ["sensor", "frequency", "operator"]);
    assert!(missing.iter().all(|e| e.message == "required"));
}

#[test]
fn numbers_at_their_bounds_and_steps() {
    let f = &accelerometer().parameters[1];
    for ok in [json!(1), json!(1.5), json!(60), json!(59.5)] {
        assert_eq!(f.check(&ok), Ok(()), "{ok}");
    }
    assert_eq!(f.check(&json!(0.5)), Err("at least 1 s".into()));
    assert_eq!(f.check(&json!(60.5)), Err("at most 60 s".into()));
    assert_eq!(f.check(&json!(1.25)), Err("in steps of 0.5 s".into()));
    assert_eq!(f.check(&json!("5")), Err("a number".into()));
}

#[test]
fn broken_templates_are_refused_naming_the_place() {
    let base = json!({"name": "t", "parameters": [{"name": "p", "type": "number"}]});
    for (change, place) in [
        (json!({"name": " "}), "name"),
        (json!({"commands": [""]}), "commands[0]"),
        (
            json!({"parameters": [{"name": "p", "type": "number", "min": 5, "max": 1}]}),
            "parameters[0] (p).max",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "text", "unit": "s"}]}),
            "parameters[0] (p).unit",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "text", "pattern": "("}]}),
            "parameters[0] (p).pattern",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "choice"}]}),
            "parameters[0] (p).choices",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "choice", "choices": [{"value": 1}, {"value": 1}]}]}),
            "parameters[0] (p).choices",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "integer", "min": 0.5}]}),
            "parameters[0] (p).min",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "number", "max": 3, "default": 4}]}),
            "parameters[0] (p).default",
        ),
        (
            json!({"parameters": [{"name": "p", "type": "number"}, {"name": "p", "type": "text"}]}),
            "parameters[1] (p)",
        ),
        (
            json!({"parameters": [{"name": "", "type": "number"}]}),
            "parameters[0] ().name",
        ),
    ] {
        let mut t = base.clone();
        for (k, v) in change.as_object().expect("object") {
            t[k] = v.clone();
        }
        let err = Template::from_json(&t.to_string()).expect_err(&t.to_string());
        assert_eq!(err.place, place, "{t}: {err}");
    }
    let twice = json!({"name": "t", "limits": [{"name": "a", "scalar": "x", "low": 1},
                                               {"name": "a", "scalar": "y", "high": 2}]});
    let err = Template::from_json(&twice.to_string()).expect_err("the same limit twice");
    assert_eq!(err.place, "limits", "{err}");
    let bad_limit = json!({"name": "t", "limits": [{"name": "a", "series": "x", "low": 1}]});
    let err = Template::from_json(&bad_limit.to_string()).expect_err("no measure");
    assert!(err.problem.contains("measure"), "{err}");
    let unknown = Template::from_json(r#"{"name": "t", "paramters": []}"#).expect_err("typo");
    assert!(unknown.problem.contains("paramters"), "{unknown}");
}

#[test]
fn the_json_form_round_trips() {
    let t = accelerometer();
    let text = serde_json::to_string_pretty(&t).expect("json");
    assert_eq!(Template::from_json(&text).expect("again"), t);
}
