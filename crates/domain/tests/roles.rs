//! The services' own PostgreSQL roles (issue 11, least privilege), made and granted by the
//! migrations: each role does its service's work and no more. A pool here acts as a role
//! with `SET ROLE` on every connection (the test cluster's user may; the services log in).

mod common;

use domain::store::ingest::{BatchOptions, Delivery, Incoming, write_batch};
use domain::{CameraUrl, StandId};
use sqlx::Executor;
use sqlx::postgres::{PgPool, PgPoolOptions};
use test_support::pg::TestDb;

async fn pool_as(db: &TestDb, role: &'static str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // Leaked: sqlx takes only 'static SQL text (a test, a handful of roles).
                let sql: &'static str = Box::leak(format!("SET ROLE {role}").into_boxed_str());
                conn.execute(sql).await?;
                Ok(())
            })
        })
        .connect(&db.url)
        .await
        .expect("pool")
}

/// Fails the test unless `sql` is refused for want of privilege.
async fn assert_denied(pool: &PgPool, role: &str, sql: &'static str) {
    let err = sqlx::query(sql)
        .execute(pool)
        .await
        .err()
        .unwrap_or_else(|| panic!("{role} may run {sql}"));
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("42501"), "{role}: {sql}: {err}");
}

/// The schema changes the scheduler's and the web interface's roles may not make.
const SCHEMA_CHANGES: [&str; 4] = [
    "CREATE TABLE intruder (id int)",
    "ALTER TABLE users ADD COLUMN x int",
    "DROP TABLE job_runs",
    "TRUNCATE results",
];

/// What each service's role must be refused: the accounts and what other services own.
const REFUSED: [(&str, &[&str]); 4] = [
    (
        "standhub_handler",
        &[
            "INSERT INTO test_templates (stand_id, family, version, name, body, created_by)
             VALUES ('rig1', 1, 2, 'x', '{}', 'h')",
            "SELECT password_hash FROM users",
            "SELECT id FROM users",
            "SELECT token_hash FROM api_tokens",
            "SELECT data FROM sessions",
            "DELETE FROM results",
            "DELETE FROM stands",
            "UPDATE users SET role = 'admin'",
            "CREATE TABLE intruder (id int)",
            "DROP TABLE quarantine",
        ],
    ),
    (
        "standhub_video",
        &[
            "SELECT password_hash FROM users",
            "INSERT INTO users (username, password_hash) VALUES ('eve', 'x')",
            "UPDATE users SET role = 'admin'",
            "DELETE FROM users",
            "INSERT INTO results (stand_id, sent_by, status_code, data) VALUES ('rig1', 'x', 200, '{}')",
            "UPDATE results SET keep = true",
            "DELETE FROM results",
            "DELETE FROM result_series",
            "UPDATE stands SET name = 'x'",
            "DELETE FROM stands",
            "SELECT * FROM quarantine",
            "INSERT INTO api_tokens (user_id, token_hash) VALUES (1, 'x')",
        ],
    ),
    (
        "standhub_scheduler",
        &[
            SCHEMA_CHANGES[0],
            SCHEMA_CHANGES[1],
            SCHEMA_CHANGES[2],
            SCHEMA_CHANGES[3],
            "SELECT password_hash FROM users",
            "INSERT INTO results (stand_id, sent_by, status_code, data) VALUES ('rig1', 'x', 200, '{}')",
        ],
    ),
    ("standhub_web", &SCHEMA_CHANGES),
];

/// A fresh database with an admin and stand `rig1` ([`arrange`]), and a pool acting as `role`.
async fn arranged_as(role: &'static str) -> (TestDb, PgPool) {
    let db = TestDb::new().await;
    arrange(&db).await;
    let pool = pool_as(&db, role).await;
    (db, pool)
}

/// How the handler writes its batches.
fn handler_options() -> BatchOptions<'static> {
    BatchOptions {
        client_id: "standhub-messagehandler",
        registration: domain::store::ingest::Registration::capped(),
        session_lost: false,
        quarantine: Default::default(),
    }
}

async fn arrange(db: &TestDb) {
    db.pool
        .execute(
            "INSERT INTO users (username, password_hash, role) VALUES ('ada', '$argon2id$x', 'admin');
             INSERT INTO stands (id, name) VALUES ('rig1', 'rig1');",
        )
        .await
        .expect("arrange");
}

fn incoming(stand: &str, payload: Vec<u8>, packet_id: u16) -> Incoming {
    let verdict = common::verdict(stand, &payload);
    Incoming {
        qos2: Some(Delivery {
            connection: 1,
            packet_id,
        }),
        topic: format!("{stand}/inbound"),
        payload: payload.into(),
        payload_hash: [packet_id as u8; 32],
        received_at: chrono::Utc::now(),
        verdict,
    }
}

#[tokio::test]
async fn the_handler_stores_every_kind_of_message() {
    let (_db, handler) = arranged_as("standhub_handler").await;
    let status = test_support::messages::status("200", "rig1").to_string();
    let data =
        test_support::messages::data("rig1", serde_json::json!({"a": [1, 2, 3]})).to_string();
    let items = [
        incoming("rig1", status.into_bytes(), 1),
        incoming("rig1", data.into_bytes(), 2),
        incoming("rig1", b"not json".to_vec(), 3),
        incoming("newrig", b"{}".to_vec(), 4),
    ];
    let opts = handler_options();
    let report = write_batch(&handler, &opts, &items, &[])
        .await
        .expect("the handler's role writes a batch");
    assert_eq!(
        (report.statuses, report.results, report.quarantined),
        (2, 1, 2)
    );
    write_batch(&handler, &opts, &[], &[1, 2, 3, 4])
        .await
        .expect("the handler's role releases receipts");

    // A run's test template, for the verdicts the handler will judge by its limits.
    sqlx::query(
        "SELECT r.id, t.body::text FROM runs r LEFT JOIN test_templates t ON t.id = r.template_id",
    )
    .execute(&handler)
    .await
    .expect("the handler's role reads a run's template");
}

#[tokio::test]
async fn the_relay_reads_and_installs_cameras() {
    let (_db, relay) = arranged_as("standhub_video").await;
    let stand = StandId::parse("rig2").expect("stand");
    let url = CameraUrl::parse("http://cam.example:8080/video.mjpg").expect("url");
    domain::store::cameras::install(&relay, &stand, &url)
        .await
        .expect("the relay's role installs a camera");
    assert_eq!(
        domain::store::cameras::get(&relay, &stand)
            .await
            .expect("get"),
        Some("http://cam.example:8080/video.mjpg".to_owned())
    );
    assert!(
        domain::store::cameras::remove(&relay, &stand)
            .await
            .expect("remove")
    );
    sqlx::query("SELECT id, username, role, active FROM users")
        .execute(&relay)
        .await
        .expect("the relay reads who is logged in");
}

#[tokio::test]
async fn each_services_role_is_refused_what_its_service_must_not_do() {
    let db = TestDb::new().await;
    arrange(&db).await;
    for (role, sqls) in REFUSED {
        let pool = pool_as(&db, role).await;
        for &sql in sqls {
            assert_denied(&pool, role, sql).await;
        }
    }
}

#[tokio::test]
async fn the_scheduler_deletes_and_prunes_everything_its_jobs_clean() {
    // An old result with its series (written as the handler), a quarantined message.
    let (db, handler) = arranged_as("standhub_handler").await;
    let data = test_support::messages::data("rig1", serde_json::json!({"a": [1, 2]})).to_string();
    let opts = handler_options();
    write_batch(
        &handler,
        &opts,
        &[
            incoming("rig1", data.into_bytes(), 1),
            incoming("rig1", b"x".to_vec(), 2),
        ],
        &[],
    )
    .await
    .expect("batch");
    let scheduler = pool_as(&db, "standhub_scheduler").await;
    let mut conn = scheduler.acquire().await.expect("connection");
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let keep = chrono::Duration::days(1);
    use domain::store::{job_runs, login_attempts, quarantine, receipts, results, status_history};
    assert_eq!(
        results::delete_expired(&mut conn, later, keep)
            .await
            .expect("retention"),
        1
    );
    assert_eq!(
        quarantine::prune(&mut conn, later, keep)
            .await
            .expect("quarantine"),
        1
    );
    status_history::prune(&mut conn, later, keep)
        .await
        .expect("status history");
    receipts::prune(&mut conn, later).await.expect("receipts");
    job_runs::prune(&mut conn, later, keep)
        .await
        .expect("job runs");
    domain::store::sessions::delete_expired(&mut conn, later)
        .await
        .expect("sessions");
    login_attempts::prune(&mut conn, later)
        .await
        .expect("login attempts");
}
