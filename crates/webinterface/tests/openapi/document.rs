//! The document itself, read without a server: every route and nothing else, each operation's
//! role and error body, what the handlers take, the domain types' descriptions.

use crate::*;
use domain::store::users::Role;
use serde_json::json;
use std::collections::BTreeSet;

#[test]
fn the_document_lists_every_api_route_and_nothing_else() {
    let doc = document();
    let served: BTreeSet<(String, String)> = webinterface::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .filter(|r| webinterface::openapi::documented(r))
        .map(|r| (r.method.as_str().to_ascii_lowercase(), r.path.to_owned()))
        .collect();
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| ((*m).to_owned(), path.clone()))
        })
        .collect();
    let missing: Vec<_> = served.difference(&described).collect();
    let extra: Vec<_> = described.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "served but not in the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the document but not served: {extra:?}"
    );
    assert!(served.len() >= 25, "only {} API routes", served.len());
    // The only `/api/` routes left out are the 404s of unknown paths.
    let left_out: Vec<_> = webinterface::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") && !webinterface::openapi::documented(r))
        .map(|r| r.path)
        .collect();
    assert_eq!(left_out, ["/api/", "/api/{*rest}"]);
}

#[test]
fn every_operation_names_its_role_and_every_error_is_an_error_body() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "An API token: `webinterface createtoken USER` or `POST /api/tokens`"})
    );
    let table = webinterface::route_table();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            operations += 1;
            let what = format!("{m} {path}");
            let route = table
                .iter()
                .find(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(m))
                .unwrap_or_else(|| panic!("{what} not in the route table"));
            let role = route.least.map_or("public", Role::as_str);
            assert_eq!(op["x-required-role"], role, "{what}");
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(match route.least {
                    None => "Public",
                    Some(_) => role,
                }),
                "{what}: {description}"
            );
            if route.least.is_some() {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{what}");
            } else {
                assert!(op.get("security").is_none(), "{what}");
            }
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("401"), "{what}");
            assert!(responses.contains_key("500"), "{what}");
            if route.least > Some(Role::Viewer) {
                assert!(responses.contains_key("403"), "{what}");
            }
            if path.contains('{') {
                let bad = responses
                    .get("400")
                    .unwrap_or_else(|| panic!("{what}: no 400"));
                let said = bad["description"].as_str().unwrap_or_default();
                assert!(said.contains("path segment"), "{what}: {said}");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} answers {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 25);
    assert_eq!(
        doc["components"]["schemas"]["ErrorBody"]["required"],
        json!(["error", "code"])
    );
}

/// The request side says what the handlers take: `commands` is an array of strings (the
/// handler refuses anything else, tests/http.rs), the x–y plot's axes are required, the
/// `kept` pattern takes every case the parser takes and nothing it refuses, and
/// `POST /api/users` documents its 503 with `Retry-After`.
#[test]
fn the_document_says_what_the_handlers_take() {
    let doc = document();
    let commands = &doc["components"]["schemas"]["StartRun"]["properties"]["commands"];
    assert_eq!(commands["type"], "array", "{commands}");
    assert_eq!(commands["items"]["type"], "string", "{commands}");

    let busy = &doc["paths"]["/api/users"]["post"]["responses"]["503"];
    assert_eq!(
        busy["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(
        busy["headers"]["Retry-After"]["schema"]["type"], "integer",
        "{busy}"
    );

    // The x–y plot answers 400 without `x` or `y`: both are required.
    for p in doc["paths"]["/api/results/{id}/xy"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
    {
        assert_eq!(p["required"], true, "{p}");
    }

    let kept = doc["paths"]["/api/results"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "kept")
        .expect("kept")["schema"]["pattern"]
        .as_str()
        .expect("a pattern")
        .to_owned();
    let pattern = regex::Regex::new(&kept).expect("the pattern compiles");
    let parse = |v: &str| {
        webinterface::results::params::ListParams {
            kept: Some(v.to_owned()),
            ..Default::default()
        }
        .parse()
    };
    for word in [
        "true", "yes", "1", "on", "false", "no", "0", "off", "any", "",
    ] {
        let mut capital = word.to_owned();
        if let Some(first) = capital.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let alternating: String = word
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        for v in [
            word.to_owned(),
            word.to_ascii_uppercase(),
            capital,
            alternating,
        ] {
            assert!(pattern.is_match(&v), "the pattern refuses kept={v:?}");
            assert!(parse(&v).is_ok(), "the parser refuses kept={v:?}");
        }
    }
    for v in ["maybe", "tru", "yess", "2", "on1", "true,false"] {
        assert!(!pattern.is_match(v), "the pattern takes kept={v:?}");
        assert!(parse(v).is_err(), "the parser takes kept={v:?}");
    }
}

/// The answers' schemas are the domain's own types: a run's state and a job run's outcome are
/// enums of exactly the names the store reads (not free strings), and every stand id is the one
/// `StandId` schema.
#[test]
fn states_and_stand_ids_are_described_by_the_domain_types() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let names = |all: &[&str]| json!(all);
    assert_eq!(
        schemas["RunState"]["enum"],
        names(&domain::RunState::ALL.map(domain::RunState::as_str)),
        "{}",
        schemas["RunState"]
    );
    assert_eq!(
        schemas["JobOutcome"]["enum"],
        names(&domain::JobOutcome::ALL.map(domain::JobOutcome::as_str)),
        "{}",
        schemas["JobOutcome"]
    );
    let refers = |schema: &str, field: &str, to: &str| {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(
            property["$ref"],
            format!("#/components/schemas/{to}"),
            "{schema}.{field}: {property}"
        );
    };
    refers("Run", "state", "RunState");
    refers("RunSummary", "state", "RunState");
    refers("Started", "state", "RunState");
    refers("JobRun", "outcome", "JobOutcome");
    for (schema, field) in [
        ("Run", "stand"),
        ("ResultItem", "stand"),
        ("Result", "stand"),
        ("Stand", "id"),
    ] {
        refers(schema, field, "StandId");
    }
    let stand_id = &schemas["StandId"];
    assert_eq!(
        (
            &stand_id["type"],
            &stand_id["minLength"],
            &stand_id["maxLength"]
        ),
        (
            &json!("string"),
            &json!(1),
            &json!(domain::StandId::MAX_LEN)
        ),
        "{stand_id}"
    );
}
