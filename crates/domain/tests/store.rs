//! The store against a real PostgreSQL: migrations, stands and runs.

use domain::store;
use test_support::pg::TestDb;

#[tokio::test]
async fn migrations_apply_once_and_tables_exist() {
    let db = TestDb::new().await;
    // The template already holds them: a second run applies nothing.
    assert!(store::migrate(&db.pool).await.expect("migrate").is_empty());
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .expect("tables");
    for t in [
        "stands",
        "status_history",
        "runs",
        "results",
        "result_series",
        "quarantine",
        "outbound_commands",
        "users",
        "api_tokens",
        "sessions",
        "job_runs",
        "inbound_receipts",
    ] {
        assert!(
            tables.iter().any(|x| x == t),
            "missing table {t} in {tables:?}"
        );
    }
}

#[tokio::test]
async fn a_stand_has_at_most_one_run_in_progress() {
    let db = TestDb::new().await;
    sqlx::query("INSERT INTO stands (id, name) VALUES ('s1', 'Stand 1')")
        .execute(&db.pool)
        .await
        .expect("stand");
    let stand = domain::StandId::parse("s1").expect("id");
    let params = serde_json::json!({"fs": 100});
    let cmds = serde_json::json!(["run"]);
    let new = || store::runs::NewRun {
        stand: &stand,
        requested_by: "alice",
        user_id: None,
        parameters: &params,
        commands: &cmds,
        keep: false,
    };
    let id = store::runs::create(&db.pool, new())
        .await
        .expect("first run");
    assert!(matches!(
        store::runs::create(&db.pool, new()).await,
        Err(store::runs::CreateRunError::InProgress(_))
    ));
    store::runs::fail(&db.pool, id, "broker unreachable")
        .await
        .expect("fail");
    let run = store::runs::get(&db.pool, id)
        .await
        .expect("get")
        .expect("run");
    assert_eq!(
        (run.state.as_str(), run.error.as_deref()),
        ("failed", Some("broker unreachable"))
    );
    store::runs::create(&db.pool, new())
        .await
        .expect("a new run after the failed one");
    let ghost = domain::StandId::parse("ghost").expect("id");
    let orphan = store::runs::NewRun {
        stand: &ghost,
        ..new()
    };
    assert!(matches!(
        store::runs::create(&db.pool, orphan).await,
        Err(store::runs::CreateRunError::NoStand(_))
    ));
}
