//! A row the code cannot read makes its query fail with an error that names the value: never a
//! row left out of a list, never a default in its place. Each test writes what a newer version
//! (or a hand-made row) could leave behind, in the test's own database.

use domain::StandId;
use domain::store::{self, StoreError};
use test_support::pg::TestDb;

/// The error's text, which must name the query and the value.
fn named<T: std::fmt::Debug>(result: Result<T, StoreError>, query: &str, value: &str) {
    let e = result.expect_err("the query fails on the unreadable row");
    let text = e.to_string();
    assert!(text.starts_with(query), "{text}");
    assert!(text.contains(value), "{text}");
}

/// A fresh database after each of `statements`, run one at a time (an `ADD VALUE` must be
/// committed before the value is used): what a newer version or a hand-made row left behind.
async fn db_after(statements: &[&str]) -> TestDb {
    let db = TestDb::new().await;
    for sql in statements {
        db.exec(sql).await;
    }
    db
}

#[tokio::test]
async fn a_run_in_a_state_the_code_does_not_know_fails_its_queries_naming_the_state() {
    // As a later migration could: a sixth state this build does not know.
    let db = db_after(&[
        "INSERT INTO stands (id, name) VALUES ('s1', 's1')",
        "ALTER TYPE run_state ADD VALUE 'paused'",
    ])
    .await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO runs (stand_id, state, requested_by) VALUES ('s1', 'paused', 'olga')
         RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .expect("run");
    let s1 = StandId::parse("s1").expect("id");

    named(
        store::runs::recent(&db.pool, &s1, 10).await,
        "runs.recent",
        "\"paused\"",
    );
    named(
        store::runs::get(&db.pool, id).await,
        "runs.get",
        "\"paused\"",
    );
}

#[tokio::test]
async fn a_job_run_with_an_outcome_the_code_does_not_know_fails_the_list_naming_it() {
    // As a later scheduler could, with its own migration: an outcome this build does not know.
    let db = db_after(&[
        "ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check",
        "INSERT INTO job_runs (job, outcome) VALUES ('prune', 'ok'), ('prune', 'skipped')",
    ])
    .await;

    named(
        store::job_runs::recent(&db.pool, 10).await,
        "job_runs.recent",
        "\"skipped\"",
    );
}

#[tokio::test]
async fn a_stand_whose_id_is_not_a_stand_id_fails_the_lists_naming_it() {
    // The table's check is looser than `StandId::parse` (it allows a `.`); a row written by
    // hand passes it.
    let db =
        db_after(&["INSERT INTO stands (id, name) VALUES ('s1', 's1'), ('stand.1', 'odd')"]).await;
    let offline_after = chrono::Duration::seconds(60);

    named(
        store::stands::list(&db.pool, offline_after).await,
        "stands.list",
        "\"stand.1\"",
    );
    let mut conn = db.pool.acquire().await.expect("connection");
    db.exec("UPDATE stands SET last_seen = now() - interval '1 hour'")
        .await;
    named(
        store::stands::mark_offline(&mut conn, chrono::Utc::now(), offline_after).await,
        "stands.mark_offline",
        "\"stand.1\"",
    );
}

#[tokio::test]
async fn a_user_with_a_role_the_code_does_not_know_is_an_error_not_a_viewer() {
    // As a later migration could: a fourth role. Before, it was read as `viewer`.
    let db = db_after(&["ALTER TYPE user_role ADD VALUE 'auditor'"]).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, role)
         VALUES ('ada', '', '!', 'auditor') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .expect("user");
    sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 't', $2)")
        .bind(id)
        .bind(store::tokens::hash("ada-token"))
        .execute(&db.pool)
        .await
        .expect("token");

    named(
        store::users::by_username(&db.pool, "ada").await,
        "users.",
        "\"auditor\"",
    );
    named(store::users::list(&db.pool).await, "users.", "\"auditor\"");
    named(
        store::tokens::check(&db.pool, &store::tokens::hash("ada-token")).await,
        "api_tokens.check",
        "\"auditor\"",
    );
}

#[tokio::test]
async fn a_status_code_out_of_the_protocol_range_fails_the_history_naming_it() {
    // Only parsed codes (100–699) are written; a hand-made row holds 42. Before, it was left out.
    let db = db_after(&[
        "INSERT INTO stands (id, name) VALUES ('s1', 's1')",
        "INSERT INTO status_history (stand_id, code, sent_by) VALUES ('s1', 200, 'x'), ('s1', 42, 'x')",
    ])
    .await;
    let s1 = StandId::parse("s1").expect("id");
    named(
        store::status_history::list(&db.pool, &s1, 10).await,
        "status_history.list",
        "42",
    );
}
