//! `webinterface import-django` against a database built with the old stack's schema (the SQL
//! of its Django migrations), run as an operator runs it: the binary, twice; and an imported
//! result downloaded as CSV with its formula cells neutralised.

mod common;

use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use test_support::pg::TestDb;

/// The old schema, as the old migrations create it on PostgreSQL.
const OLD_SCHEMA: &str = include_str!("fixtures/django_demo_module.sql");

/// Rows as the old stack wrote them: two results (one kept), one package that failed
/// validation, one result of the first, obsolete table, and four status rows, each holding one
/// real code and the model's default in the other column (power '620', status '200').
const OLD_ROWS: &str = r#"
INSERT INTO demo_module_inbound_teststand_package
    (id, "Timestamp", "NODELETE", "Sent_by", command_list, "Validation_failed") VALUES
    (1, '18/04/2020-11:55:03', true, 'demo_module', '{start,measure}', false),
    (2, '19/04/2020-08:00:00', false, 'demo_module', '{start}', false),
    (3, '04/19/20-09:00:00', false, 'Failed validation', NULL, true);
INSERT INTO demo_module_test_stand_parameters
    ("Parameter_name", "Parameter_value", "Inbound_teststand_package_id") VALUES
    ('fs', '1000', 1), ('gain', '007', 1), ('mode', 'sine', 1), ('fs', '10', 2);
INSERT INTO demo_module_test_stand_data
    ("Data_name", "Data_points", "Inbound_teststand_package_id") VALUES
    ('tid', '[0, 0.001, 0.002]', 1),
    ('spænding', '[1.5, -2.25, 3.0]', 1),
    ('labels', '["a", "b"]', 1),
    ('x', '[1, 2]', 2);
INSERT INTO demo_module_result
    (job_requested_by, job_received_time, "job_NODELETE", command_list, parameter_obj,
     data_obj, embedded_file_format, embedded_file) VALUES
    ('janus', '2019-12-16 05:00:00+00', true, '{go}', '{"n": 2}', '{"y": [0.5, 1.5]}', '', '');
INSERT INTO demo_module_status
    (latest_power_code, latest_power_update, latest_status_code, latest_status_update) VALUES
    ('600', '2020-04-18 11:50:00+00', '200', '2020-04-18 11:50:00+00'),
    ('620', '2020-04-18 11:50:05+00', '200', '2020-04-18 11:50:05+00'),
    ('620', '2020-04-18 11:55:00+00', '202', '2020-04-18 11:55:00+00'),
    ('610', '2020-04-18 12:00:00+00', '200', '2020-04-18 12:00:00+00');
"#;

fn import(target: &TestDb, old: &TestDb) -> Output {
    Command::new(env!("CARGO_BIN_EXE_webinterface"))
        .args(["import-django", "--from", &old.url])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &target.url)
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .output()
        .expect("run webinterface import-django")
}

/// A database with the old schema and `rows` in it.
async fn old_database(rows: &'static str) -> TestDb {
    let old = TestDb::new().await;
    sqlx::raw_sql(OLD_SCHEMA)
        .execute(&old.pool)
        .await
        .expect("the old schema");
    sqlx::raw_sql(rows)
        .execute(&old.pool)
        .await
        .expect("the old rows");
    old
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn an_old_database_is_imported_once_with_every_value() {
    let old = old_database(OLD_ROWS).await;
    let target = TestDb::new().await;

    let first = import(&target, &old);
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Progress and a summary.
    assert!(stdout.contains("results: 3/3"), "{stdout}");
    assert!(
        stdout.contains("results: 3 imported, 0 already imported before, 1 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("status:  4 rows imported as 4 status history entries"),
        "{stdout}"
    );
    // The unkept 2020 result would be gone after the next retention run: the summary says so.
    assert!(
        stdout.contains(
            "warning: 1 imported results are not kept and older than RETENTION_DAYS (30 days)"
        ) && stdout.contains("set RETENTION_DAYS on the scheduler"),
        "{stdout}"
    );
    assert_eq!(count(&target, "results").await, 3);
    assert_eq!(count(&target, "result_series").await, 5);
    assert_eq!(count(&target, "status_history").await, 4);

    // The kept result, value by value.
    let (stand, sent_by, received_at, commands, parameters, data, keep, points): (
        String,
        String,
        chrono::DateTime<chrono::Utc>,
        Value,
        Value,
        String,
        bool,
        i64,
    ) = sqlx::query_as(
        "SELECT r.stand_id, r.sent_by, r.received_at, r.commands, r.parameters, r.data::text,
                r.keep, r.point_count
         FROM results r JOIN django_imports i ON i.result_id = r.id
         WHERE i.kind = 'package' AND i.old_id = 1",
    )
    .fetch_one(&target.pool)
    .await
    .expect("the imported result");
    assert_eq!(stand, "demo_module");
    assert_eq!(sent_by, "demo_module");
    assert_eq!(received_at.to_rfc3339(), "2020-04-18T11:55:03+00:00");
    assert_eq!(commands, json!(["start", "measure"]));
    assert_eq!(
        parameters,
        json!({"fs": 1000, "gain": "007", "mode": "sine"})
    );
    assert_eq!(
        data,
        r#"{"tid":[0,0.001,0.002],"spænding":[1.5,-2.25,3.0],"labels":["a","b"]}"#
    );
    assert!(keep);
    assert_eq!(points, 6);
    let result: i64 = sqlx::query_scalar(
        "SELECT result_id FROM django_imports WHERE kind = 'package' AND old_id = 1",
    )
    .fetch_one(&target.pool)
    .await
    .expect("the package's result");
    let series: Vec<(String, bool, i32, Option<Vec<f64>>)> =
        domain::store::series::series(&target.pool, result, true)
            .await
            .expect("series")
            .into_iter()
            .map(|s| (s.name, s.numeric, s.len, s.values))
            .collect();
    assert_eq!(
        series,
        [
            ("tid".to_owned(), true, 3, Some(vec![0.0, 0.001, 0.002])),
            ("spænding".to_owned(), true, 3, Some(vec![1.5, -2.25, 3.0])),
            ("labels".to_owned(), false, 2, None),
        ]
    );
    // The keep flags of the others, and the obsolete table's result.
    let kept: Vec<(String, i64, bool, String)> = sqlx::query_as(
        "SELECT i.kind, i.old_id, r.keep, r.sent_by FROM results r
         JOIN django_imports i ON i.result_id = r.id ORDER BY i.kind, i.old_id",
    )
    .fetch_all(&target.pool)
    .await
    .expect("kept");
    assert_eq!(
        kept,
        [
            ("package".to_owned(), 1, true, "demo_module".to_owned()),
            ("package".to_owned(), 2, false, "demo_module".to_owned()),
            ("result".to_owned(), 1, true, "janus".to_owned()),
        ]
    );
    let history: Vec<(i16, String)> = sqlx::query_as(
        "SELECT code, to_char(received_at AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM status_history
         WHERE stand_id = 'demo_module' ORDER BY received_at, code",
    )
    .fetch_all(&target.pool)
    .await
    .expect("history");
    assert_eq!(
        history,
        [
            (600, "11:50:00".to_owned()),
            (200, "11:50:05".to_owned()),
            (202, "11:55:00".to_owned()),
            (610, "12:00:00".to_owned()),
        ],
        "only each row's real code: no default 200 or 620 beside it"
    );

    // Again: nothing is imported twice.
    let second = import(&target, &old);
    let stdout = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success(), "{stdout}");
    assert!(
        stdout.contains("results: 0 imported, 3 already imported before"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 rows imported as 0 status history entries, 4 already imported"),
        "{stdout}"
    );
    assert_eq!(count(&target, "results").await, 3);
    assert_eq!(count(&target, "result_series").await, 5);
    assert_eq!(count(&target, "status_history").await, 4);
}

#[tokio::test]
async fn a_database_without_the_old_tables_is_refused_clearly() {
    let old = TestDb::new().await;
    let target = TestDb::new().await;
    let out = import(&target, &old);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("none of the demo_module tables"),
        "{stderr}"
    );
}

/// An old package whose sender, parameters and series would run as formulas in a spreadsheet.
const HOSTILE_ROWS: &str = r#"
INSERT INTO demo_module_inbound_teststand_package
    (id, "Timestamp", "NODELETE", "Sent_by", command_list, "Validation_failed") VALUES
    (1, '18/04/2020-11:55:03', true, '=HYPERLINK("http://evil.example","x")', '{start}', false);
INSERT INTO demo_module_test_stand_parameters
    ("Parameter_name", "Parameter_value", "Inbound_teststand_package_id") VALUES
    ('@cmd', '=1+1', 1), ('offset', '-1.5', 1);
INSERT INTO demo_module_test_stand_data
    ("Data_name", "Data_points", "Inbound_teststand_package_id") VALUES
    ('+x', '[-1.5, 2]', 1),
    ('labels', '["@SUM(A1)", "-1e-3"]', 1);
"#;

#[tokio::test]
async fn an_imported_result_downloads_with_its_formula_cells_neutralised() {
    let mut app = common::App::start().await;
    let old = old_database(HOSTILE_ROWS).await;
    let out = import(&app.db, &old);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id: i64 = sqlx::query_scalar("SELECT max(id) FROM results")
        .fetch_one(&app.db.pool)
        .await
        .expect("the imported result");
    let vera = app.api("vera", domain::store::users::Role::Viewer).await;
    let csv = vera
        .download(&format!("/results/{id}.csv?layout=classic"), "text/csv")
        .await;
    let rows = common::read_csv_rows(&csv.body);
    assert_eq!(rows[1][1], r#"'=HYPERLINK("http://evil.example","x")"#);
    let params = common::classic_parameters(&rows);
    assert!(params.contains(&("'@cmd", "'=1+1")), "{params:?}");
    assert!(params.contains(&("offset", "-1.5")), "{params:?}");
    assert_eq!(rows[4], ["'+x", "labels"]);
    assert_eq!(rows[5], ["-1.5", "'@SUM(A1)"]);
    assert_eq!(rows[6], ["2", "-1e-3"]);
    app.shutdown().await;
}
