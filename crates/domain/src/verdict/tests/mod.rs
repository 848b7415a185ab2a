//! The verdict engine's tests: the verdict rules and stored forms here, each measurement kind
//! in `measures`, the limit's JSON form and its refusals in `limits`.

mod limits;
mod measures;

use super::*;
use serde_json::json;

/// A limit from its JSON form, which must be valid.
fn limit(spec: Value) -> Limit {
    Limit::from_value(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn err(reason: &str) -> Outcome {
    Outcome::Error(reason.to_owned())
}

/// The verdict rule written out plainly, to check [`Verdict::combine`] against.
fn expected_verdict(outcomes: &[Outcome]) -> Option<Verdict> {
    if outcomes.is_empty() {
        None
    } else if outcomes.contains(&Outcome::Fail) {
        Some(Verdict::Fail)
    } else if outcomes.iter().any(|o| matches!(o, Outcome::Error(_))) {
        Some(Verdict::Error)
    } else {
        Some(Verdict::Pass)
    }
}

#[test]
fn verdict_combines_fail_over_error_over_pass() {
    let kinds = [Outcome::Pass, Outcome::Fail, err("series x is missing")];
    assert_eq!(Verdict::combine(&[]), None);
    // Every list of up to three outcomes, in every order.
    let mut lists: Vec<Vec<Outcome>> = vec![Vec::new()];
    let mut longest: Vec<Vec<Outcome>> = vec![Vec::new()];
    for _ in 0..3 {
        longest = longest
            .iter()
            .flat_map(|l| {
                kinds
                    .iter()
                    .map(move |k| [l.clone(), vec![k.clone()]].concat())
            })
            .collect();
        lists.extend(longest.iter().cloned());
    }
    assert_eq!(lists.len(), 1 + 3 + 9 + 27);
    for list in &lists {
        assert_eq!(Verdict::combine(list), expected_verdict(list), "{list:?}");
    }
    assert_eq!(
        Verdict::combine(&[Outcome::Pass, err("x is empty"), Outcome::Fail]),
        Some(Verdict::Fail)
    );
    assert_eq!(
        Verdict::combine(&[Outcome::Pass, err("x is empty")]),
        Some(Verdict::Error)
    );
    assert_eq!(
        Verdict::combine(&[Outcome::Pass, Outcome::Pass]),
        Some(Verdict::Pass)
    );
}

#[test]
fn no_limits_no_verdict() {
    assert_eq!(evaluate(&[], &json!({"x": [1, 2, 3]}), &json!({})), None);
    assert_eq!(evaluate(&[], &Value::Null, &Value::Null), None);
}

#[test]
fn evaluate_measures_every_limit_in_order_and_gives_the_verdict() {
    let limits = [
        limit(json!({"name": "peak_g", "scalar": "peak", "low": 0, "high": 5, "unit": "g"})),
        limit(json!({"name": "x_max", "series": "x", "measure": "max", "high": 2.5})),
        limit(json!({"name": "y_mean", "series": "y", "measure": "mean", "low": 0})),
    ];
    let data = json!({"peak": 4.5, "x": [1, 2, 2.5], "y": [0, 1]});
    let e = evaluate(&limits, &data, &Value::Null).expect("a verdict");
    assert_eq!(e.verdict, Verdict::Pass);
    let names: Vec<&str> = e.measurements.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["peak_g", "x_max", "y_mean"]);
    assert_eq!(e.measurements[0].unit.as_deref(), Some("g"));
    assert_eq!(
        (e.measurements[0].low, e.measurements[0].high),
        (Some(0.0), Some(5.0))
    );
    assert_eq!(e.measurements[2].value, Some(0.5));

    // One missing series: error, with the reason.
    let data = json!({"peak": 4.5, "x": [1, 2, 2.5]});
    let e = evaluate(&limits, &data, &Value::Null).expect("a verdict");
    assert_eq!(e.verdict, Verdict::Error);
    assert_eq!(e.measurements[2].outcome, err("series y is missing"));
    assert_eq!(e.measurements[2].value, None);

    // A failure outweighs the error.
    let data = json!({"peak": 5.5, "x": [1, 2, 2.5]});
    let e = evaluate(&limits, &data, &Value::Null).expect("a verdict");
    assert_eq!(e.verdict, Verdict::Fail);
    assert_eq!(e.measurements[0].outcome, Outcome::Fail);
    assert_eq!(e.measurements[0].value, Some(5.5), "a failed value is kept");

    // dataObj that is not an object: every limit is an error.
    let e = evaluate(&limits, &json!([1, 2]), &Value::Null).expect("a verdict");
    assert_eq!(e.verdict, Verdict::Error);
    assert_eq!(e.measurements[0].outcome, err("scalar peak is missing"));
}

#[test]
fn verdict_text_for_a_database_column() {
    for v in Verdict::ALL {
        assert_eq!(v.as_str().parse::<Verdict>(), Ok(v));
        assert_eq!(v.to_string(), v.as_str());
        assert_eq!(serde_json::to_value(v).expect("json"), json!(v.as_str()));
    }
    assert_eq!(
        ["pass", "fail", "error"].map(|s| s.parse::<Verdict>().expect("verdict")),
        [Verdict::Pass, Verdict::Fail, Verdict::Error]
    );
    let e = "PASS".parse::<Verdict>().expect_err("case matters");
    assert_eq!(
        e.to_string(),
        "\"PASS\" is not a verdict: pass, fail or error"
    );
    assert!("".parse::<Verdict>().is_err());
    assert!(serde_json::from_value::<Verdict>(json!("ok")).is_err());
}

#[test]
fn measurements_store_as_json_with_the_reason_beside_the_outcome() {
    let pass = Measurement {
        name: "x_rms".into(),
        label: Some("X RMS".into()),
        value: Some(1.25),
        low: Some(0.1),
        high: Some(2.5),
        unit: Some("g".into()),
        outcome: Outcome::Pass,
    };
    let j = serde_json::to_value(&pass).expect("json");
    assert_eq!(
        j,
        json!({"name": "x_rms", "label": "X RMS", "value": 1.25, "low": 0.1, "high": 2.5,
               "unit": "g", "outcome": "pass"})
    );
    assert_eq!(
        serde_json::from_value::<Measurement>(j).expect("back"),
        pass
    );

    let error = Measurement {
        name: "x_rms".into(),
        label: None,
        value: None,
        low: None,
        high: Some(2.5),
        unit: None,
        outcome: err("series x is missing"),
    };
    let j = serde_json::to_value(&error).expect("json");
    assert_eq!(
        j,
        json!({"name": "x_rms", "high": 2.5, "outcome": "error",
               "reason": "series x is missing"})
    );
    assert_eq!(
        serde_json::from_value::<Measurement>(j).expect("back"),
        error
    );

    let fail = Measurement {
        outcome: Outcome::Fail,
        value: Some(3.0),
        ..error.clone()
    };
    let j = serde_json::to_value(&fail).expect("json");
    assert_eq!(j["outcome"], "fail");
    assert_eq!(j.get("reason"), None);
    assert_eq!(
        serde_json::from_value::<Measurement>(j).expect("back"),
        fail
    );

    // Forms that do not go together are refused.
    for (bad, why) in [
        (
            json!({"name": "a", "outcome": "error"}),
            "reason: is required",
        ),
        (
            json!({"name": "a", "outcome": "pass", "reason": "x"}),
            "reason: goes only",
        ),
        (json!({"name": "a", "outcome": "maybe"}), "unknown variant"),
        (
            json!({"name": "a", "outcome": "pass", "extra": 1}),
            "unknown field",
        ),
    ] {
        let e = serde_json::from_value::<Measurement>(bad.clone()).expect_err("refused");
        assert!(e.to_string().contains(why), "{bad}: {e}");
    }
}

#[test]
fn evaluations_round_trip_as_json() {
    let limits = [
        limit(json!({"name": "a", "scalar": "a", "high": 1})),
        limit(json!({"name": "b", "series": "b", "measure": "value_at", "index": 3, "low": 0})),
    ];
    let e = evaluate(&limits, &json!({"a": 2, "b": [1]}), &Value::Null).expect("a verdict");
    assert_eq!(e.verdict, Verdict::Fail);
    let j = serde_json::to_value(&e).expect("json");
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["measurements"][0]["outcome"], "fail");
    assert_eq!(j["measurements"][1]["outcome"], "error");
    assert_eq!(
        j["measurements"][1]["reason"],
        "index 3 is past the end of b (1 value)"
    );
    assert_eq!(serde_json::from_value::<Evaluation>(j).expect("back"), e);
}
