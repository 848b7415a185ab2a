//! A limit's JSON form: every valid form round-trips, every invalid one is refused naming its
//! field.

use super::*;

fn valid_forms() -> Vec<Value> {
    vec![
        json!({"name": "peak_g", "label": "Peak acceleration", "scalar": "peak", "low": 0.0,
               "high": 5.0, "unit": "g"}),
        json!({"name": "x_rms", "series": "x", "measure": "rms", "low": 0.1, "high": 2.5,
               "unit": "g"}),
        json!({"name": "x-min", "series": "x", "measure": "min", "low": -1.0}),
        json!({"name": "X_max_2", "series": "x", "measure": "max", "high": 1.0}),
        json!({"name": "m", "series": "x", "measure": "mean", "low": 1.0, "high": 1.0}),
        json!({"name": "f", "series": "x", "measure": "peak_frequency", "low": 49.0,
               "high": 51.0, "unit": "Hz"}),
        json!({"name": "f2", "series": "x", "measure": "peak_frequency", "sample_rate": "fs",
               "high": 51.0}),
        json!({"name": "v", "series": "x", "measure": "value_at", "index": 10, "low": 0.0}),
        json!({"name": "a".repeat(MAX_NAME_CHARS), "scalar": "p", "high": 1.0,
               "unit": "u".repeat(MAX_UNIT_CHARS)}),
    ]
}

#[test]
fn every_valid_form_round_trips() {
    for form in valid_forms() {
        let l = limit(form.clone());
        assert_eq!(l.to_value(), form);
        assert_eq!(serde_json::to_value(&l).expect("json"), form);
        let text = serde_json::to_string(&l).expect("text");
        assert_eq!(serde_json::from_str::<Limit>(&text).expect("back"), l);
        assert_eq!(
            serde_json::from_value::<Limit>(form.clone()).expect("serde"),
            l
        );
    }
    let all = parse_limits(&Value::Array(valid_forms())).expect("a valid list");
    assert_eq!(all.len(), valid_forms().len());
    assert_eq!(
        serde_json::to_value(&all).expect("json"),
        Value::Array(valid_forms())
    );
}

#[test]
fn a_limit_reads_back_its_parts() {
    let l = limit(
        json!({"name": "peak_g", "label": "Peak", "scalar": "peak", "low": 0,
                         "high": 5, "unit": "g"}),
    );
    assert_eq!(l.name(), "peak_g");
    assert_eq!(l.label(), Some("Peak"));
    assert_eq!(l.quantity(), &Quantity::Scalar("peak".into()));
    assert_eq!(
        (l.low(), l.high(), l.unit()),
        (Some(0.0), Some(5.0), Some("g"))
    );
    let l = limit(
        json!({"name": "v", "series": "x", "measure": "value_at", "index": 3,
                         "high": 1}),
    );
    assert_eq!(
        l.quantity(),
        &Quantity::Series {
            series: "x".into(),
            measure: Measure::ValueAt { index: 3 }
        }
    );
    let l = limit(
        json!({"name": "f", "series": "x", "measure": "peak_frequency",
                         "sample_rate": "fs", "high": 1}),
    );
    assert_eq!(
        l.quantity(),
        &Quantity::Series {
            series: "x".into(),
            measure: Measure::PeakFrequency {
                sample_rate: Some("fs".into())
            }
        }
    );
    // `null` is taken as absent.
    let l = limit(json!({"name": "n", "label": null, "scalar": "p", "low": null, "high": 1}));
    assert_eq!((l.label(), l.low()), (None, None));
}

#[test]
fn every_invalid_form_is_refused_naming_its_field() {
    let long_name = "a".repeat(MAX_NAME_CHARS + 1);
    let long_unit = "u".repeat(MAX_UNIT_CHARS + 1);
    let cases: Vec<(&str, Vec<(Value, &str)>)> = vec![
        (
            "name",
            vec![
                (json!({"scalar": "p", "high": 1}), "name: is required"),
                (
                    json!({"name": 5, "scalar": "p", "high": 1}),
                    "name: must be text, not a number",
                ),
                (
                    json!({"name": "", "scalar": "p", "high": 1}),
                    "name: must not be empty",
                ),
                (
                    json!({"name": long_name, "scalar": "p", "high": 1}),
                    "name: is 65 characters long; at most 64",
                ),
                (
                    json!({"name": "a b", "scalar": "p", "high": 1}),
                    "name: may hold only letters, digits, _ and -, not ' '",
                ),
                (json!({"name": "x.y", "scalar": "p", "high": 1}), "not '.'"),
                (json!({"name": "é", "scalar": "p", "high": 1}), "not 'é'"),
            ],
        ),
        (
            "label",
            vec![(
                json!({"name": "a", "label": 1, "scalar": "p", "high": 1}),
                "label: must be text, not a number",
            )],
        ),
        (
            "scalar or series",
            vec![
                (
                    json!({"name": "a", "high": 1}),
                    "scalar or series: one is required",
                ),
                (
                    json!({"name": "a", "scalar": "p", "series": "x", "measure": "max", "high": 1}),
                    "scalar or series: give one of them, not both",
                ),
            ],
        ),
        (
            "scalar",
            vec![
                (
                    json!({"name": "a", "scalar": "", "high": 1}),
                    "scalar: must not be empty",
                ),
                (
                    json!({"name": "a", "scalar": 3, "high": 1}),
                    "scalar: must be text",
                ),
            ],
        ),
        (
            "series",
            vec![(
                json!({"name": "a", "series": ["x"], "measure": "max", "high": 1}),
                "series: must be text, not a list",
            )],
        ),
        (
            "measure",
            vec![
                (
                    json!({"name": "a", "scalar": "p", "measure": "max", "high": 1}),
                    "measure: goes only with series",
                ),
                (
                    json!({"name": "a", "series": "x", "high": 1}),
                    "measure: is required with series: one of min, max, mean, rms, peak_frequency, \
                     value_at",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "avg", "high": 1}),
                    "measure: \"avg\" is not a measure: one of min, max",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "RMS", "high": 1}),
                    "is not a measure",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": 2, "high": 1}),
                    "measure: must be text",
                ),
            ],
        ),
        (
            "index",
            vec![
                (
                    json!({"name": "a", "scalar": "p", "index": 1, "high": 1}),
                    "index: goes only with measure value_at",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "value_at", "high": 1}),
                    "index: is required with measure value_at",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "value_at", "index": -1,
                        "high": 1}),
                    "index: must be a whole number from 0, not -1",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "value_at", "index": 1.5,
                        "high": 1}),
                    "index: must be a whole number from 0, not 1.5",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "value_at", "index": "3",
                        "high": 1}),
                    "index: must be a whole number from 0, not \"3\"",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "rms", "index": 3, "high": 1}),
                    "index: goes only with measure value_at",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "peak_frequency", "index": 1,
                        "high": 1}),
                    "index: goes only with measure value_at",
                ),
            ],
        ),
        (
            "sample_rate",
            vec![
                (
                    json!({"name": "a", "scalar": "p", "sample_rate": "fs", "high": 1}),
                    "sample_rate: goes only with measure peak_frequency",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "max", "sample_rate": "fs",
                        "high": 1}),
                    "sample_rate: goes only with measure peak_frequency",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "value_at", "index": 1,
                        "sample_rate": "fs", "high": 1}),
                    "sample_rate: goes only with measure peak_frequency",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "peak_frequency",
                        "sample_rate": "", "high": 1}),
                    "sample_rate: must not be empty",
                ),
                (
                    json!({"name": "a", "series": "x", "measure": "peak_frequency",
                        "sample_rate": 1000, "high": 1}),
                    "sample_rate: must be text, not a number",
                ),
            ],
        ),
        (
            "low or high",
            vec![
                (
                    json!({"name": "a", "scalar": "p"}),
                    "low or high: give at least one bound",
                ),
                (
                    json!({"name": "a", "scalar": "p", "low": null, "high": null}),
                    "give at least one bound",
                ),
            ],
        ),
        (
            "low",
            vec![
                (
                    json!({"name": "a", "scalar": "p", "low": "0", "high": 1}),
                    "low: must be a number, not text",
                ),
                (
                    json!({"name": "a", "scalar": "p", "low": 5, "high": 2}),
                    "low: 5 is above high (2)",
                ),
            ],
        ),
        (
            "high",
            vec![(
                json!({"name": "a", "scalar": "p", "high": [1]}),
                "high: must be a number, not a list",
            )],
        ),
        (
            "unit",
            vec![
                (
                    json!({"name": "a", "scalar": "p", "high": 1, "unit": long_unit}),
                    "unit: is 17 characters long; at most 16",
                ),
                (
                    json!({"name": "a", "scalar": "p", "high": 1, "unit": 5}),
                    "unit: must be text, not a number",
                ),
            ],
        ),
    ];
    for (field, forms) in cases {
        for (form, message) in forms {
            let e = Limit::from_value(&form).expect_err(&form.to_string());
            assert_eq!(e.field(), Some(field), "{form}: {e}");
            let shown = e.to_string();
            assert!(shown.starts_with(field), "{form}: {shown}");
            assert!(shown.contains(message), "{form}: {shown}");
            // The same through serde.
            let e = serde_json::from_value::<Limit>(form.clone()).expect_err("serde refuses");
            assert!(e.to_string().contains(message), "{form}: {e}");
        }
    }
}

#[test]
fn unknown_keys_and_other_shapes_are_refused() {
    for (form, message) in [
        (
            json!({"name": "a", "scalar": "p", "high": 1, "lo": 0}),
            "unknown field `lo`, expected one of `name`",
        ),
        (
            json!({"name": "a", "scalar": "p", "high": 1, "Low": 0}),
            "unknown field `Low`",
        ),
        (json!([1]), "a limit must be a JSON object, not a list"),
        (json!("peak"), "a limit must be a JSON object, not text"),
        (Value::Null, "a limit must be a JSON object, not null"),
    ] {
        let e = Limit::from_value(&form).expect_err("refused");
        assert!(e.to_string().contains(message), "{form}: {e}");
        assert!(serde_json::from_value::<Limit>(form).is_err());
    }
    let e = serde_json::from_str::<Limit>(r#"{"name": "a", "scalar": "p", "high": 1, "lo": 0}"#)
        .expect_err("refused");
    assert!(e.to_string().contains("unknown field `lo`"), "{e}");
    let e = serde_json::from_str::<Limit>(r#"{"name": "a", "scalar": "p", "high": 1, "high": 2}"#)
        .expect_err("refused");
    assert!(e.to_string().contains("duplicate field `high`"), "{e}");
}

#[test]
fn names_are_unique_in_a_list() {
    let a = limit(json!({"name": "a", "scalar": "p", "high": 1}));
    let b = limit(json!({"name": "b", "scalar": "p", "high": 1}));
    assert_eq!(validate_limits(&[]), Ok(()));
    assert_eq!(validate_limits(&[a.clone(), b.clone()]), Ok(()));
    let e = validate_limits(&[a.clone(), b, a]).expect_err("duplicate");
    assert_eq!(e, LimitError::DuplicateName("a".into()));
    assert_eq!(e.field(), Some("name"));
    assert_eq!(
        e.to_string(),
        "name: \"a\" is the name of more than one limit"
    );

    let list = json!([
        {"name": "a", "scalar": "p", "high": 1},
        {"name": "a", "series": "x", "measure": "max", "high": 1},
    ]);
    assert_eq!(
        parse_limits(&list).expect_err("duplicate").to_string(),
        "name: \"a\" is the name of more than one limit"
    );
}

#[test]
fn a_list_names_the_position_of_the_refused_limit() {
    let list = json!([
        {"name": "a", "scalar": "p", "high": 1},
        {"name": "b", "scalar": "p", "high": "1"},
    ]);
    let e = parse_limits(&list).expect_err("refused");
    assert_eq!(e.to_string(), "limit 2: high: must be a number, not text");
    assert_eq!(e.field(), Some("high"));
    assert_eq!(parse_limits(&json!([])), Ok(Vec::new()));
    assert_eq!(
        parse_limits(&json!({"a": 1}))
            .expect_err("not a list")
            .to_string(),
        "limits must be a JSON list, not an object"
    );
}
