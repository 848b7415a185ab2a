//! Tests of both parse paths, including property tests on arbitrary input.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn validator() -> ProtocolValidator {
    ProtocolValidator::bundled().expect("bundled schema compiles")
}

fn parse(v: &Value) -> Result<Message, Rejection> {
    validator().parse(v.to_string().as_bytes())
}

fn status(code: &str) -> Value {
    json!({"protocolVersion": 1.1, "sentBy": "s1", "msgType": "status", "statusCode": code})
}

#[test]
fn the_bundled_schema_keeps_its_label() {
    let schema: Value = serde_json::from_str(BUNDLED_SCHEMA).expect("json");
    assert_eq!(schema["$schema"], "AUTeam2 JSONschema");
    assert_eq!(schema["title"], "PayloadSchema");
    assert_eq!(
        schema["required"],
        json!(["protocolVersion", "sentBy", "msgType", "statusCode"])
    );
}

#[test]
fn parses_a_status() {
    let Ok(Message::Status(s)) = parse(&status("202")) else {
        panic!("status expected")
    };
    assert_eq!(
        (s.code.get(), s.sent_by.as_str(), s.last_will),
        (202, "s1", false)
    );
}

#[test]
fn parses_data_keeping_dataobj_text_exactly() {
    let text = r#"{"protocolVersion":1.1,"sentBy":"s1","msgType":"result","statusCode":"200",
        "commandList":["go"],"parameterObj":{"fs":1000,"nested":{"a":[1,2]}},
        "dataObj":{"b":[1.0, 2.50, 3e2],"a":["x",1],"c":"raw"}}"#;
    let Ok(Message::Data(d)) = validator().parse(text.as_bytes()) else {
        panic!("data")
    };
    assert_eq!(
        d.data_raw,
        r#"{"b":[1.0, 2.50, 3e2],"a":["x",1],"c":"raw"}"#
    );
    assert_eq!(d.series[0].name, "b");
    assert_eq!(d.series[0].values.as_deref(), Some(&[1.0, 2.5, 300.0][..]));
    assert_eq!((d.series[1].values.is_none(), d.series[1].len), (true, 2));
    assert_eq!((d.series[2].values.is_none(), d.series[2].len), (true, 1));
    assert_eq!(d.point_count(), 3);
    assert_eq!(d.commands, Some(json!(["go"])));
}

/// The inputs that killed the handler of the stack we replace.
#[test]
fn old_killers_are_rejected_or_accepted_never_panic() {
    let v = validator();
    assert_eq!(v.parse(b""), Err(Rejection::Empty));
    assert_eq!(v.parse(b"  \n"), Err(Rejection::Empty));
    assert!(matches!(v.parse(b"hello"), Err(Rejection::NotJson(_))));
    assert_eq!(v.parse(b"{\"a\":\"\xff\xfe\"}"), Err(Rejection::NotUtf8(6)));
    let mut no_code = status("200");
    no_code.as_object_mut().map(|o| o.remove("statusCode"));
    assert!(matches!(parse(&no_code), Err(Rejection::Schema(m)) if m.contains("statusCode")));
    assert!(matches!(
        parse(&status("abc")),
        Err(Rejection::StatusCode(_))
    ));
    assert!(matches!(
        parse(&status("2020")),
        Err(Rejection::StatusCode(_))
    ));
    // A data message without commandList, and a parameter of 150 characters, are fine.
    let data = json!({"protocolVersion": 1.1, "sentBy": "s1", "msgType": "data",
        "statusCode": "200", "parameterObj": {"p": "x".repeat(150)}, "dataObj": {"a": [1]}});
    let Ok(Message::Data(d)) = parse(&data) else {
        panic!("data")
    };
    assert_eq!(d.commands, None);
    assert_eq!(d.parameters, Some(json!({"p": "x".repeat(150)})));
}

#[test]
fn rejects_every_kind_of_bad_message() {
    let mut m = status("200");
    m["protocolVersion"] = json!("1.1");
    assert!(matches!(parse(&m), Err(Rejection::Schema(e)) if e.contains("protocolVersion")));
    let mut m = status("200");
    m["msgType"] = json!("gossip");
    assert_eq!(parse(&m), Err(Rejection::UnknownMsgType("gossip".into())));
    m["msgType"] = json!("command");
    assert_eq!(parse(&m), Err(Rejection::InboundCommand));
    m["msgType"] = json!("data");
    assert_eq!(parse(&m), Err(Rejection::MissingData));
    m["dataObj"] = json!([1, 2]);
    assert!(matches!(parse(&m), Err(Rejection::Schema(_))));
    assert!(matches!(parse(&json!([1, 2])), Err(Rejection::Schema(_))));
    assert!(matches!(parse(&json!(null)), Err(Rejection::Schema(_))));
    let mut m = status("200");
    m["statusCode"] = json!(200);
    assert!(matches!(parse(&m), Err(Rejection::Schema(_))));
}

#[test]
fn extra_properties_and_last_will_are_allowed() {
    let mut m = status("500");
    m["lastWill"] = json!(true);
    m["firmware"] = json!("2.1");
    let Ok(Message::Status(s)) = parse(&m) else {
        panic!("status")
    };
    assert!(s.last_will);
}
/// The one-pass path and the full parse give the same verdict for the same bytes.
fn same_on_both_paths(text: &str) {
    let v = validator();
    assert!(v.data_obj_opaque, "the bundled schema takes the fast path");
    let full = v.parse_full(text);
    if let Some(fast) = v.parse_fast(text) {
        assert_eq!(fast, full, "{text}");
    }
    assert_eq!(v.parse(text.as_bytes()), full, "{text}");
}

#[test]
fn the_one_pass_parse_agrees_with_the_full_parse() {
    let head = r#""protocolVersion":1.1,"sentBy":"s1","msgType":"data","statusCode":"200""#;
    for data in [
        r#"{"b":[1.0, 2.50, 3e2, -0, 18446744073709551615, -9223372036854775808],"a":["x",1]}"#,
        r#"{"a":[1,2],"a":[3],"b":[]}"#,
        r#"{"n":null,"o":{"x":[1]},"t":true,"s":"raw","e":[[1],[2]],"m":[1,{"a":2}]}"#,
        r#"{"kéy":[1e-320, 1.7976931348623157e308]}"#,
        r#"{}"#,
    ] {
        same_on_both_paths(&format!("{{{head},\"dataObj\":{data}}}"));
        same_on_both_paths(&format!(
            " {{ \"dataObj\" : {data} , {head}, \"dataObj\":{data} }} "
        ));
    }
    for text in [
        format!("{{{head}}}"),
        format!("{{{head},\"dataObj\":[1]}}"),
        format!("{{{head},\"dataObj\":null}}"),
        format!("{{{head},\"dataObj\":{{\"a\":[1,]}}}}"),
        format!("{{{head},\"commandList\":\"x\",\"dataObj\":{{}}}}"),
        format!("{{{head},\"dataObj\":{{}}}} trailing"),
        r#"{"protocolVersion":1.1,"sentBy":"s1","msgType":"status","statusCode":"200","lastWill":true}"#.into(),
        r#"{"protocolVersion":"1.1","sentBy":"s1","msgType":"status","statusCode":"200"}"#.into(),
        r#"[1,2]"#.into(),
        r#""text""#.into(),
    ] {
        same_on_both_paths(&text);
    }
}

#[test]
fn a_schema_that_looks_inside_dataobj_takes_the_full_path() {
    let mut schema: Value = serde_json::from_str(BUNDLED_SCHEMA).expect("json");
    schema["properties"]["dataObj"]["maxProperties"] = json!(1);
    let v = ProtocolValidator::new(&schema).expect("compiles");
    assert!(!v.data_obj_opaque);
    let two = r#"{"protocolVersion":1.1,"sentBy":"s","msgType":"data","statusCode":"200","dataObj":{"a":[1],"b":[2]}}"#;
    assert!(matches!(v.parse(two.as_bytes()), Err(Rejection::Schema(_))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = validator().parse(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(
        code in "\\PC{0,6}",
        kind in prop_oneof![Just("status".to_owned()), Just("data".to_owned()), Just("result".to_owned()), Just("command".to_owned()), "\\PC{0,8}"],
        version in prop_oneof![Just(json!(1.1)), Just(json!("1.1")), Just(json!(null))],
        data in prop_oneof![Just(json!({"a": [1, 2.5]})), Just(json!({"a": "x"})), Just(json!([1])), Just(json!(null))],
    ) {
        let msg = json!({"protocolVersion": version, "sentBy": "p", "msgType": kind,
            "statusCode": code, "dataObj": data});
        let _ = validator().parse(msg.to_string().as_bytes());
    }

    #[test]
    fn both_paths_agree_on_arbitrary_series(
        values in proptest::collection::vec(prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            any::<i64>().prop_map(|i| json!(i)),
            any::<u64>().prop_map(|i| json!(i)),
            Just(json!(null)), Just(json!("x")), Just(json!([1])), Just(json!({"a": 1})),
        ], 0..20),
        numeric_only in any::<bool>(),
    ) {
        let values: Vec<Value> = if numeric_only {
            values.into_iter().filter(Value::is_number).collect()
        } else {
            values
        };
        let msg = json!({"protocolVersion": 1.1, "sentBy": "p", "msgType": "data",
            "statusCode": "200", "dataObj": {"s": values, "t": values.first()}});
        same_on_both_paths(&msg.to_string());
    }
}

/// A data message whose `dataObj` is `data`.
fn data_text(data: &str) -> String {
    format!(
        r#"{{"protocolVersion":1.1,"sentBy":"s1","msgType":"data","statusCode":"200","dataObj":{data}}}"#
    )
}

/// A `dataObj` of `n` one-point series.
fn many_series(n: usize) -> String {
    let body: Vec<String> = (0..n).map(|i| format!("\"s{i}\":[{i}]")).collect();
    format!("{{{}}}", body.join(","))
}

#[test]
fn parse_time_grows_linearly_with_the_number_of_series() {
    let v = validator().with_max_series(usize::MAX);
    let small = data_text(&many_series(80_000));
    let large = data_text(&many_series(160_000));
    for text in [&small, &large] {
        let Ok(Message::Data(_)) = v.parse(text.as_bytes()) else {
            panic!("data")
        };
    }
    let time = |text: &str| {
        let t = std::time::Instant::now();
        std::hint::black_box(v.parse(std::hint::black_box(text.as_bytes())).ok());
        t.elapsed()
    };
    // The fastest of five interleaved runs each: a loaded machine only ever adds time. Up to
    // three tries, as a busy neighbour may still spoil one; a quadratic parse (4×) never passes.
    let mut ratios = Vec::new();
    for _ in 0..3 {
        let (mut t_small, mut t_large) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..5 {
            t_small = t_small.min(time(&small));
            t_large = t_large.min(time(&large));
        }
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64();
        if ratio < 2.5 {
            return;
        }
        ratios.push(format!("{ratio:.1}× ({t_small:?} → {t_large:?})"));
    }
    panic!("twice the series took {}", ratios.join(", then "));
}

#[test]
fn more_series_than_the_limit_are_rejected_naming_it() {
    let v = validator().with_max_series(3);
    let Ok(Message::Data(d)) = v.parse(data_text(&many_series(3)).as_bytes()) else {
        panic!("three series are within the limit")
    };
    assert_eq!(d.series.len(), 3);
    // A repeated name is one series.
    let repeated = data_text(r#"{"a":[1],"b":[2],"a":[3],"c":[4],"c":[5]}"#);
    assert!(v.parse(repeated.as_bytes()).is_ok());
    let four = v.parse(data_text(&many_series(4)).as_bytes());
    assert_eq!(four, Err(Rejection::TooManySeries { limit: 3 }));
    let reason = four.expect_err("rejected").to_string();
    assert!(
        reason.contains('3') && reason.contains("MAX_SERIES_PER_MESSAGE"),
        "{reason}"
    );
    // The default applies without a setting.
    let over = data_text(&many_series(DEFAULT_MAX_SERIES + 1));
    assert_eq!(
        validator().parse(over.as_bytes()),
        Err(Rejection::TooManySeries {
            limit: DEFAULT_MAX_SERIES
        })
    );
}

/// A `dataObj` of `levels` levels: `dataObj` itself, then a series of nested arrays or objects.
fn nested(levels: usize, objects: bool) -> String {
    let (open, close) = if objects {
        ("{\"k\":", "}")
    } else {
        ("[", "]")
    };
    let inner = levels - 1;
    format!(
        "{{\"deep\":{}1{},\"text\":\"[[[{{\\\"\"}}",
        open.repeat(inner),
        close.repeat(inner)
    )
}

#[test]
fn data_nested_deeper_than_the_limit_is_rejected_naming_it() {
    let v = validator();
    for objects in [false, true] {
        let ok = data_text(&nested(MAX_DATA_DEPTH, objects));
        assert!(v.parse(ok.as_bytes()).is_ok(), "{ok}");
        same_on_both_paths(&ok);
        for levels in [MAX_DATA_DEPTH + 1, 127, 129, 200_000] {
            let deep = data_text(&nested(levels, objects));
            let verdict = v.parse(deep.as_bytes());
            assert_eq!(
                verdict,
                Err(Rejection::TooDeep {
                    limit: MAX_DATA_DEPTH
                })
            );
            same_on_both_paths(&deep);
            let reason = verdict.expect_err("rejected").to_string();
            assert!(reason.contains("deeper than 32"), "{reason}");
        }
    }
    // Brackets inside strings are text, not nesting.
    let text = data_text(&format!("{{\"s\":\"{}\"}}", "[{".repeat(100)));
    assert!(v.parse(text.as_bytes()).is_ok());
}

#[test]
fn both_paths_agree_at_the_limits() {
    let v = validator().with_max_series(2);
    for data in [
        r#"{"a":[1],"b":[2]}"#,
        r#"{"a":[1],"b":[2],"c":[3]}"#,
        r#"{"a":[1],"a":[2],"b":[[[1]]]}"#,
        r#"{"a":[1],"\u0061":[2],"b":[3]}"#,
        r#"{"\u0061":[1],"a":["x"]}"#,
    ] {
        let text = data_text(data);
        let full = v.parse_full(&text);
        if let Some(fast) = v.parse_fast(&text) {
            assert_eq!(fast, full, "{text}");
        }
        assert_eq!(v.parse(text.as_bytes()), full, "{text}");
    }
}
