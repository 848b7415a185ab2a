//! The store against a real PostgreSQL: migrations, stands and runs.

use domain::store;
use test_support::pg::TestDb;

mod common;

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

/// Large values are compressed with lz4 (pglz costs ~150 ms per 100,000-point result at
/// insert; see scripts/storage-study.sql), and a stored result reads back exactly.
#[tokio::test]
async fn large_values_are_compressed_with_lz4_and_read_back_exactly() {
    let db = TestDb::new().await;
    for (table, column) in [
        ("results", "data"),
        ("result_series", "values"),
        ("quarantine", "payload"),
    ] {
        let method: String = sqlx::query_scalar(
            "SELECT attcompression::text FROM pg_attribute
             WHERE attrelid = $1::regclass AND attname = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_one(&db.pool)
        .await
        .expect("column");
        assert_eq!(method, "l", "{table}.{column} compression");
    }
    // A value large enough to be compressed: stored with lz4 and equal to its source.
    let text: String = sqlx::query_scalar(
        "SELECT array_to_json(array_agg(round(sin(p * 0.001)::numeric, 3)::float8 ORDER BY p))::text
         FROM generate_series(0, 99999) AS p",
    )
    .fetch_one(&db.pool)
    .await
    .expect("text");
    sqlx::query("INSERT INTO stands (id, name) VALUES ('lz4', 'lz4')")
        .execute(&db.pool)
        .await
        .expect("stand");
    sqlx::query(
        "INSERT INTO results (stand_id, sent_by, protocol_version, status_code, data)
         VALUES ('lz4', 'study', 1.1, 200, $1::json)",
    )
    .bind(&text)
    .execute(&db.pool)
    .await
    .expect("insert");
    let (method, back): (Option<String>, String) = sqlx::query_as(
        "SELECT pg_column_compression(data), data::text FROM results WHERE stand_id = 'lz4'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("read back");
    assert_eq!(method.as_deref(), Some("lz4"));
    assert_eq!(back, text);
}

/// A numeric series is stored as PostgreSQL's own `float8send` bytes (the migration from
/// `float8[]` converted the old rows with it), reads back bit for bit, and the table refuses
/// bytes that do not match the series' length.
#[tokio::test]
async fn series_values_are_stored_as_float8send_bytes_and_read_back_exactly() {
    let db = TestDb::new().await;
    let values = common::EDGE_DOUBLES;
    let (ours, theirs): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT $1::bytea, (SELECT string_agg(float8send(v), ''::bytea ORDER BY o)
                          FROM unnest($2::float8[]) WITH ORDINALITY AS t (v, o))",
    )
    .bind(
        values
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>(),
    )
    .bind(&values[..])
    .fetch_one(&db.pool)
    .await
    .expect("float8send");
    assert_eq!(ours, theirs, "the same bytes as float8send");
    let back = store::series::decode_values(&theirs).expect("whole doubles");
    assert_eq!(
        back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert!(store::series::decode_values(&theirs[..7]).is_err());

    sqlx::query("INSERT INTO stands (id, name) VALUES ('b', 'b')")
        .execute(&db.pool)
        .await
        .expect("stand");
    let result: i64 = sqlx::query_scalar(
        "INSERT INTO results (stand_id, sent_by, protocol_version, status_code, data)
         VALUES ('b', 'b', 1.1, 200, '{}') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .expect("result");
    let short = sqlx::query(
        "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\")
         VALUES ($1, 0, 'u', true, 2, float8send(1))",
    )
    .bind(result)
    .execute(&db.pool)
    .await
    .expect_err("8 bytes for a series of 2");
    assert!(
        short.to_string().contains("result_series_values_length"),
        "{short}"
    );
}

#[tokio::test]
async fn a_stand_has_at_most_one_run_in_progress() {
    let db = TestDb::new().await;
    db.exec("INSERT INTO stands (id, name) VALUES ('s1', 'Stand 1')")
        .await;
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
        (run.state, run.error.as_deref()),
        (domain::RunState::Failed, Some("broker unreachable"))
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

#[tokio::test]
async fn store_errors_name_their_query_and_tell_refusals_from_outages() {
    let db = TestDb::new().await;
    let expiry = chrono::Utc::now() + chrono::Duration::hours(1);
    let user = store::users::create(&db.pool, "u1", "", "x", store::users::Role::Viewer)
        .await
        .expect("user");
    store::sessions::create(&db.pool, "k1", user, b"{}", expiry)
        .await
        .expect("first session");
    // The same key again: the database refuses the data itself, and would refuse it again.
    let refused = store::sessions::create(&db.pool, "k1", user, b"{}", expiry)
        .await
        .expect_err("duplicate key");
    assert!(refused.is_refusal(), "{refused}");
    assert_eq!(refused.constraint(), Some("sessions_pkey"));
    assert!(
        refused.to_string().starts_with("sessions.create: "),
        "{refused}"
    );

    // Nobody listens on port 1: an outage, worth waiting out.
    let outage = store::connect("postgres://u@127.0.0.1:1/x", 1)
        .await
        .expect_err("no server");
    assert!(!outage.is_refusal(), "{outage}");
    assert!(matches!(
        store::connect("postgres://u@127.0.0.1:port/x", 1).await,
        Err(store::StoreError::BadUrl(_))
    ));
}

#[tokio::test]
async fn startup_gives_up_after_its_wait_with_an_error_naming_database_url() {
    let started = std::time::Instant::now();
    let e = store::connect_at_startup(
        "test",
        "postgres://u@127.0.0.1:1/x",
        1,
        std::time::Duration::from_secs(3),
    )
    .await
    .expect_err("no server");
    assert!(matches!(e, store::StoreError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(3));
    // A database that answers is connected to at once.
    let db = TestDb::new().await;
    let pool = store::connect_at_startup("test", &db.url, 1, std::time::Duration::ZERO)
        .await
        .expect("reachable");
    store::ping(&pool).await.expect("ping");
    assert!(store::database::pending_migrations(&pool).await.is_empty());
}

#[tokio::test]
async fn create_database_if_missing_creates_once() {
    let db = TestDb::new().await;
    let name = format!("created_{}", std::process::id());
    assert!(
        store::database::create_database_if_missing(&db.url, &name)
            .await
            .expect("create")
    );
    assert!(
        !store::database::create_database_if_missing(&db.url, &name)
            .await
            .expect("exists")
    );
    assert!(
        store::database::create_database_if_missing(&db.url, "x; DROP DATABASE y")
            .await
            .is_err()
    );
    db.exec(&format!("DROP DATABASE {name}")).await;
}

#[tokio::test]
async fn the_listener_reads_what_the_writers_send() {
    use store::listener::{NotificationListener, Received};
    let db = TestDb::new().await;
    let mut listener = NotificationListener::connect(&db.pool)
        .await
        .expect("listen");
    let stand = domain::StandId::parse("s1").expect("id");
    store::stands::notify_stand(&db.pool, &stand)
        .await
        .expect("notify");
    store::runs::notify_state(&db.pool, 7, &stand, domain::RunState::Failed)
        .await
        .expect("notify");
    sqlx::query("SELECT pg_notify($1, 'sentinel')")
        .bind(domain::notification::CHANNEL)
        .execute(&db.pool)
        .await
        .expect("sentinel");
    assert_eq!(
        listener.recv().await.expect("recv"),
        Received::Notification(domain::Notification::Stand { id: stand.clone() })
    );
    assert_eq!(
        listener.recv().await.expect("recv"),
        Received::Notification(domain::Notification::Run {
            id: 7,
            stand,
            state: domain::RunState::Failed,
        })
    );
    assert_eq!(
        listener.recv().await.expect("recv"),
        Received::Unknown("sentinel".into())
    );
}

/// The handler's lazy pool gives its sessions the `work_mem` asked for (so a batch's
/// `unnest`ed values stay in memory instead of a temporary file), on top of any options the
/// URL already sets.
#[tokio::test]
async fn the_lazy_pool_sets_work_mem_beside_the_urls_own_options() {
    let db = TestDb::new().await;
    let url = format!("{}?options=-c%20statement_timeout%3D7s", db.url);
    let pool = store::connect_lazy(&url, 1, 32 << 20).expect("pool");
    let (work_mem, timeout): (String, String) =
        sqlx::query_as("SELECT current_setting('work_mem'), current_setting('statement_timeout')")
            .fetch_one(&pool)
            .await
            .expect("settings");
    assert_eq!((work_mem.as_str(), timeout.as_str()), ("32MB", "7s"));
    // Never below PostgreSQL's minimum, whatever is asked.
    let pool = store::connect_lazy(&db.url, 1, 1).expect("pool");
    let work_mem: String = sqlx::query_scalar("SHOW work_mem")
        .fetch_one(&pool)
        .await
        .expect("work_mem");
    assert_eq!(work_mem, "64kB");
}
