//! The classic CSV against the old stack's own export: each case of
//! `tests/fixtures/old_stack/` (made by running the old code outside the project, see its
//! README) is stored through our ingest path with the old export's date, downloaded with
//! `?layout=classic`, and must equal the old stack's bytes — CRLF, `0.0`, `True`, `1e-07`,
//! uneven series cut, parameters in the order sent.

mod common;

use common::App;
use domain::store::users::Role;
use serde_json::Value;

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/old_stack")
}

#[tokio::test]
async fn the_classic_csv_is_the_old_stacks_byte_for_byte() {
    let app = App::start().await;
    let token = app.token("vera", Role::Viewer).await;
    let mut cases: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("utf-8");
            name.strip_suffix(".classic.csv").map(str::to_owned)
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the golden cases: {cases:?}");
    for case in &cases {
        let input: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(format!("{case}.input.json"))).expect("input"),
        )
        .expect("json");
        let payload = input["mqtt_payload"].as_str().expect("payload");
        let id = common::ingest(&app.db.pool, "demo_module", payload.as_bytes())
            .await
            .unwrap_or_else(|| panic!("{case}: stored"));
        // The old export's date: when the message arrived, in the old stack's format.
        let date = chrono::NaiveDateTime::parse_from_str(
            input["date"].as_str().expect("date"),
            "%d/%m/%Y-%H:%M:%S",
        )
        .expect("a date")
        .and_utc();
        sqlx::query("UPDATE results SET received_at = $2 WHERE id = $1")
            .bind(id)
            .bind(date)
            .execute(&app.db.pool)
            .await
            .expect("date");
        let ours = common::Api::new(&app, &token)
            .download(&format!("/results/{id}.csv?layout=classic"), "text/csv")
            .await
            .body;
        let old = std::fs::read(fixtures().join(format!("{case}.classic.csv"))).expect("golden");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&old),
            "{case}: ours (left) and the old stack's (right)"
        );
        assert_eq!(ours.as_slice(), old.as_slice(), "{case}: byte for byte");
    }
}

#[test]
fn the_simulators_messages_have_exactly_the_keys_the_old_parser_accepted() {
    let outcomes: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("parser_outcomes.json")).expect("outcomes"),
    )
    .expect("json");
    let keys_of = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let stand = domain::StandId::parse("demo_module").expect("id");
    let command =
        domain::protocol::command_message("olga", &serde_json::json!([]), &serde_json::json!({}));
    let ours = [
        standhub::simulate::status_message(&stand, "200"),
        standhub::simulate::last_will(&stand, true),
        standhub::simulate::data_message(&stand, &command),
    ];
    for (name, case) in outcomes["cases"].as_object().expect("cases") {
        let message: Value =
            serde_json::from_str(case["payload"].as_str().expect("payload")).expect("json");
        let same_keys = ours.iter().all(|m| keys_of(m) == keys_of(&message));
        if case["outcome"] == "accepted" {
            assert!(same_keys, "{name}: the old parser took {message}");
        } else if case["schema_valid"] == true {
            assert!(
                !same_keys,
                "{name}: the old parser refused {message}; ours match it"
            );
        }
    }
}
