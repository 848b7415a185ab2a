//! Every measurement kind at its bounds and without a value.

use super::*;

/// A step small enough to be "just" inside or outside, exact in binary so every measure below
/// computes the value it is given exactly.
const JUST: f64 = 1.0 / 1_048_576.0;
const LOW: f64 = 1.0;
const HIGH: f64 = 3.0;

/// `spec` with bounds [`LOW`]..=[`HIGH`], measured on `data_for(v)` for values just outside,
/// exactly on and just inside each bound: the measured value is `v`, and only the outside
/// ones fail.
fn check_bounds(spec: Value, data_for: impl Fn(f64) -> Value) {
    let mut spec = spec;
    spec["low"] = json!(LOW);
    spec["high"] = json!(HIGH);
    let l = limit(spec.clone());
    for (v, expected) in [
        (LOW - JUST, Outcome::Fail),
        (LOW, Outcome::Pass),
        (LOW + JUST, Outcome::Pass),
        (2.0, Outcome::Pass),
        (HIGH - JUST, Outcome::Pass),
        (HIGH, Outcome::Pass),
        (HIGH + JUST, Outcome::Fail),
    ] {
        let m = measure_limit(&l, &data_for(v), &Value::Null);
        assert_eq!(m.value, Some(v), "{spec} at {v}");
        assert_eq!(m.outcome, expected, "{spec} at {v}");
    }
}

/// The outcome of `spec` (bounds added) on `data` and `parameters`.
fn outcome(spec: Value, data: Value, parameters: Value) -> Outcome {
    let mut spec = spec;
    spec["low"] = json!(LOW);
    spec["high"] = json!(HIGH);
    let m = measure_limit(&limit(spec), &data, &parameters);
    if m.outcome.reason().is_some() {
        assert_eq!(m.value, None, "an error has no value");
    }
    m.outcome
}

fn series(measure: &str) -> Value {
    json!({"name": "m", "series": "x", "measure": measure})
}

fn sine(freq: f64, fs: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / fs).sin())
        .collect()
}

#[test]
fn scalar_at_its_bounds() {
    check_bounds(
        json!({"name": "m", "scalar": "peak"}),
        |v| json!({"peak": v, "x": [100]}),
    );
}

#[test]
fn min_max_mean_rms_value_at_at_their_bounds() {
    check_bounds(series("min"), |v| json!({"x": [v + 10.0, v, v + 1.0]}));
    check_bounds(series("max"), |v| json!({"x": [v - 10.0, v, v - 1.0]}));
    check_bounds(series("mean"), |v| json!({"x": [v - 1.0, v + 1.0]}));
    check_bounds(series("rms"), |v| json!({"x": [v, -v, v, -v]}));
    let mut at = series("value_at");
    at["index"] = json!(2);
    check_bounds(at, |v| json!({"x": [100, -100, v, 100]}));
}

#[test]
fn measures_of_a_known_series() {
    let data = json!({"x": [3, -4, 1.5, 0]});
    let value = |measure: &str| {
        let mut spec = series(measure);
        spec["high"] = json!(100);
        if measure == "value_at" {
            spec["index"] = json!(1);
        }
        measure_limit(&limit(spec), &data, &Value::Null).value
    };
    assert_eq!(value("min"), Some(-4.0));
    assert_eq!(value("max"), Some(3.0));
    assert_eq!(value("mean"), Some(0.125));
    assert_eq!(value("rms"), Some((27.25_f64 / 4.0).sqrt()));
    assert_eq!(value("value_at"), Some(-4.0));
}

#[test]
fn mean_and_rms_of_huge_values_do_not_overflow() {
    let data = json!({"x": [1e308, 1e308, 1e308]});
    for measure in ["mean", "rms"] {
        let mut spec = series(measure);
        spec["low"] = json!(0);
        let m = measure_limit(&limit(spec), &data, &Value::Null);
        let v = m.value.expect("a value");
        assert!((v / 1e308 - 1.0).abs() < 1e-12, "{measure}: {v}");
        assert_eq!(m.outcome, Outcome::Pass);
    }
}

#[test]
fn one_bound_alone() {
    let at_most = limit(json!({"name": "m", "scalar": "p", "high": 5}));
    let at_least = limit(json!({"name": "m", "scalar": "p", "low": -5}));
    for (v, high_ok, low_ok) in [(-1e9, true, false), (-5.0, true, true), (5.0, true, true)] {
        let data = json!({ "p": v });
        let m = measure_limit(&at_most, &data, &Value::Null);
        assert_eq!(m.outcome == Outcome::Pass, high_ok, "high 5 at {v}");
        let m = measure_limit(&at_least, &data, &Value::Null);
        assert_eq!(m.outcome == Outcome::Pass, low_ok, "low -5 at {v}");
    }
    let m = measure_limit(&at_most, &json!({"p": 5.000001}), &Value::Null);
    assert_eq!(m.outcome, Outcome::Fail);
}

#[test]
fn scalar_without_a_value() {
    let spec = json!({"name": "m", "scalar": "peak"});
    for (data, reason) in [
        (json!({"x": [1]}), "scalar peak is missing"),
        (json!({}), "scalar peak is missing"),
        (Value::Null, "scalar peak is missing"),
        (json!({"peak": null}), "peak is not a number but null"),
        (json!({"peak": "4.2"}), "peak is not a number but text"),
        (json!({"peak": [4.2]}), "peak is not a number but a list"),
        (
            json!({"peak": true}),
            "peak is not a number but true or false",
        ),
    ] {
        assert_eq!(
            outcome(spec.clone(), data.clone(), Value::Null),
            err(reason),
            "{data}"
        );
    }
}

#[test]
fn every_series_measure_without_a_value() {
    let params = json!({"fs": 1000});
    for measure in ["min", "max", "mean", "rms", "peak_frequency", "value_at"] {
        let mut spec = series(measure);
        if measure == "value_at" {
            spec["index"] = json!(0);
        }
        for (data, reason) in [
            (json!({"y": [1, 2]}), "series x is missing".to_owned()),
            (Value::Null, "series x is missing".to_owned()),
            (json!({"x": []}), "x is empty".to_owned()),
            (
                json!({"x": [1, 2, 3, null]}),
                "x holds a value that is not a number at index 3".to_owned(),
            ),
            (
                json!({"x": ["1", 2]}),
                "x holds a value that is not a number at index 0".to_owned(),
            ),
            (
                json!({"x": [1, [2]]}),
                "x holds a value that is not a number at index 1".to_owned(),
            ),
            (
                json!({"x": 2}),
                "x is not a series (an array of numbers) but a number".to_owned(),
            ),
            (
                json!({"x": "1,2,3"}),
                "x is not a series (an array of numbers) but text".to_owned(),
            ),
        ] {
            assert_eq!(
                outcome(spec.clone(), data.clone(), params.clone()),
                Outcome::Error(reason),
                "{measure} on {data}"
            );
        }
    }
}

#[test]
fn value_at_past_the_end() {
    let mut spec = series("value_at");
    spec["index"] = json!(10);
    let eight = json!({"x": [2, 2, 2, 2, 2, 2, 2, 2]});
    assert_eq!(
        outcome(spec.clone(), eight, Value::Null),
        err("index 10 is past the end of x (8 values)")
    );
    let ten = json!({"x": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]});
    assert_eq!(
        outcome(spec.clone(), ten, Value::Null),
        err("index 10 is past the end of x (10 values)")
    );
    let eleven = json!({"x": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2.5]});
    assert_eq!(outcome(spec.clone(), eleven, Value::Null), Outcome::Pass);
    spec["index"] = json!(1);
    assert_eq!(
        outcome(spec, json!({"x": [2]}), Value::Null),
        err("index 1 is past the end of x (1 value)")
    );
}

#[test]
fn peak_frequency_of_a_sine_with_each_source_of_the_rate() {
    let x = sine(50.0, 1000.0, 1000);
    let peak = |spec: Value, data: Value, parameters: Value| {
        let mut spec = spec;
        spec["low"] = json!(0);
        let m = measure_limit(&limit(spec), &data, &parameters);
        (m.value, m.outcome)
    };
    let plain = series("peak_frequency");
    let mut named = series("peak_frequency");
    named["sample_rate"] = json!("rate");
    let pass = |hz: f64| (Some(hz), Outcome::Pass);

    // The rate named by sample_rate: in parameterObj, else in dataObj, parameterObj first.
    assert_eq!(
        peak(named.clone(), json!({ "x": x }), json!({"rate": 1000})),
        pass(50.0)
    );
    assert_eq!(
        peak(named.clone(), json!({"x": x, "rate": 1000}), json!({})),
        pass(50.0)
    );
    assert_eq!(
        peak(named.clone(), json!({"x": x, "rate": 1000}), Value::Null),
        pass(50.0)
    );
    assert_eq!(
        peak(
            named.clone(),
            json!({"x": x, "rate": 1000}),
            json!({"rate": 2000})
        ),
        pass(100.0)
    );
    assert_eq!(
        peak(named.clone(), json!({ "x": x }), json!({"rate": "1000"})),
        pass(50.0),
        "a parameter typed as text"
    );
    // fs (or another usual name) in parameterObj when none is named.
    assert_eq!(
        peak(plain.clone(), json!({ "x": x }), json!({"fs": 1000})),
        pass(50.0)
    );
    assert_eq!(
        peak(
            plain.clone(),
            json!({ "x": x }),
            json!({"sampleRate": 1000})
        ),
        pass(50.0)
    );
    // Missing or unusable.
    let none = (
        None,
        err("no sample rate: name one with sample_rate or send fs"),
    );
    assert_eq!(peak(plain.clone(), json!({ "x": x }), json!({})), none);
    assert_eq!(peak(plain.clone(), json!({ "x": x }), Value::Null), none);
    assert_eq!(
        peak(plain.clone(), json!({"x": x, "fs": 1000}), json!({})),
        none,
        "without sample_rate only parameterObj is read"
    );
    assert_eq!(
        peak(plain.clone(), json!({ "x": x }), json!({"fs": 0})),
        none
    );
    assert_eq!(
        peak(named.clone(), json!({ "x": x }), json!({"fs": 1000})),
        (
            None,
            err("no sample rate: rate is in neither parameterObj nor dataObj")
        )
    );
    assert_eq!(
        peak(named.clone(), json!({ "x": x }), json!({"rate": -1})),
        (
            None,
            err("sample rate rate in parameterObj is not a positive number: -1")
        )
    );
    assert_eq!(
        peak(named, json!({"x": x, "rate": "fast"}), json!({})),
        (
            None,
            err("sample rate rate in dataObj is not a positive number: \"fast\"")
        )
    );
}

#[test]
fn peak_frequency_at_its_bounds_and_without_a_peak() {
    let mut spec = series("peak_frequency");
    spec["low"] = json!(49);
    spec["high"] = json!(51);
    let l = limit(spec);
    let fs = json!({"fs": 1000});
    for (hz, expected) in [
        (48.0, Outcome::Fail),
        (49.0, Outcome::Pass),
        (50.0, Outcome::Pass),
        (51.0, Outcome::Pass),
        (52.0, Outcome::Fail),
    ] {
        let m = measure_limit(&l, &json!({"x": sine(hz, 1000.0, 1000)}), &fs);
        assert_eq!((m.value, m.outcome), (Some(hz), expected), "{hz} Hz");
    }
    // A large DC offset is left out.
    let offset: Vec<f64> = sine(50.0, 1000.0, 1000)
        .iter()
        .map(|v| v + 1000.0)
        .collect();
    let m = measure_limit(&l, &json!({ "x": offset }), &fs);
    assert_eq!((m.value, m.outcome), (Some(50.0), Outcome::Pass));
    // Nothing but DC, or too short for any other bin.
    let m = measure_limit(&l, &json!({"x": [2, 2, 2, 2]}), &fs);
    assert_eq!(
        m.outcome,
        err("x has no peak frequency: its spectrum is zero but for DC")
    );
    let m = measure_limit(&l, &json!({"x": [2]}), &fs);
    assert_eq!(
        m.outcome,
        err("x has too few values for a spectrum (1 value)")
    );
}
