//! Each job against a real database with a clock the test sets: it does exactly its job, at the
//! exact boundaries of its limits, and its runs are recorded.

use std::collections::BTreeSet;

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{names, now, recorded_runs, recorder_config};
use domain::notification::CHANNEL as NOTIFY_CHANNEL;
use domain::store::job_runs::recent as recent_job_runs;
use domain::{JobOutcome, RunState};
use scheduler::jobs::{self, Job};
use scheduler::{Config, Limits};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Postgres};
use test_support::pg::TestDb;

/// A run's id, state, end and error.
type RunRow = (i64, RunState, Option<DateTime<Utc>>, Option<String>);

async fn stand(pool: &PgPool, id: &str, max_test_seconds: i32) {
    sqlx::query("INSERT INTO stands (id, name, max_test_seconds) VALUES ($1, $1, $2)")
        .bind(id)
        .bind(max_test_seconds)
        .execute(pool)
        .await
        .expect("insert stand");
}

async fn result(pool: &PgPool, at: DateTime<Utc>, keep: bool, run: Option<i64>) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO results (stand_id, run_id, sent_by, protocol_version, status_code,
             received_at, data, keep, point_count)
         VALUES ('s1', $1, 's1', 1.1, 200, $2, '{\"u\":[1,2]}', $3, 2) RETURNING id",
    )
    .bind(run)
    .bind(at)
    .bind(keep)
    .fetch_one(pool)
    .await
    .expect("insert result");
    sqlx::query(
        "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\")
         VALUES ($1, 0, 'u', true, 2, float8send(1) || float8send(2))",
    )
    .bind(id)
    .execute(pool)
    .await
    .expect("insert series");
    id
}

async fn run_row(
    pool: &PgPool,
    stand: &str,
    state: RunState,
    requested: DateTime<Utc>,
    started: Option<DateTime<Utc>>,
    keep: bool,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO runs (stand_id, state, requested_by, requested_at, started_at, keep)
         VALUES ($1, $2::run_state, 'test', $3, $4, $5) RETURNING id",
    )
    .bind(stand)
    .bind(state.as_str())
    .bind(requested)
    .bind(started)
    .bind(keep)
    .fetch_one(pool)
    .await
    .expect("insert run")
}

async fn ids(pool: &PgPool, sql: &str) -> BTreeSet<i64> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .expect("ids")
        .into_iter()
        .collect()
}

/// Every notification until (not including) a sentinel the test sends itself.
async fn notes_until_sentinel(pool: &PgPool, listener: &mut PgListener) -> Vec<serde_json::Value> {
    sqlx::query("SELECT pg_notify($1, 'sentinel')")
        .bind(NOTIFY_CHANNEL)
        .execute(pool)
        .await
        .expect("notify");
    let mut notes = Vec::new();
    loop {
        let n = listener.recv().await.expect("notification");
        if n.payload() == "sentinel" {
            return notes;
        }
        notes.push(serde_json::from_str(n.payload()).expect("JSON payload"));
    }
}

/// A listener on the notification channel, and a connection to run jobs on.
async fn listening(pool: &PgPool) -> (PgListener, PoolConnection<Postgres>) {
    let mut listener = PgListener::connect_with(pool).await.expect("listener");
    listener.listen(NOTIFY_CHANNEL).await.expect("listen");
    let conn = pool.acquire().await.expect("connection");
    (listener, conn)
}

/// A job's second run: it found nothing left to do.
fn assert_no_work(again: Result<u64, domain::store::StoreError>) {
    let touched = again.expect("the second run");
    assert_eq!(touched, 0, "the second run found work");
}

/// A job's second run: it found nothing left to do and notified nobody.
async fn assert_nothing_left(
    again: Result<u64, domain::store::StoreError>,
    pool: &PgPool,
    listener: &mut PgListener,
) {
    assert_no_work(again);
    let notes = notes_until_sentinel(pool, listener).await;
    assert!(notes.is_empty(), "the second run notified: {notes:?}");
}

#[tokio::test]
async fn retention_deletes_only_unkept_results_older_than_the_limit() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    stand(pool, "s1", 3600).await;
    let limit = Duration::days(30);
    let cutoff = now() - limit;
    let kept_run = run_row(pool, "s1", RunState::Completed, cutoff, None, true).await;
    let plain_run = run_row(pool, "s1", RunState::Completed, cutoff, None, false).await;

    let just_too_old = result(pool, cutoff - Duration::microseconds(1), false, None).await;
    let too_old_of_a_run = result(pool, cutoff - Duration::days(5), false, Some(plain_run)).await;
    let exactly_at_limit = result(pool, cutoff, false, None).await;
    let recent = result(pool, now() - Duration::days(1), false, None).await;
    let kept = result(pool, cutoff - Duration::days(400), true, None).await;
    let of_kept_run = result(pool, cutoff - Duration::days(400), false, Some(kept_run)).await;

    let mut conn = pool.acquire().await.expect("connection");
    let n = jobs::retention::run(&mut conn, now(), limit)
        .await
        .expect("retention");

    assert_eq!(n, 2);
    assert_eq!(
        ids(pool, "SELECT id FROM results").await,
        BTreeSet::from([exactly_at_limit, recent, kept, of_kept_run])
    );
    assert_eq!(
        ids(pool, "SELECT result_id FROM result_series").await,
        BTreeSet::from([exactly_at_limit, recent, kept, of_kept_run]),
        "the deleted results' series go with them"
    );
    assert_eq!(
        ids(pool, "SELECT id FROM runs").await,
        BTreeSet::from([kept_run, plain_run]),
        "runs are not results: they stay"
    );
    let _ = (just_too_old, too_old_of_a_run);
    assert_no_work(jobs::retention::run(&mut conn, now(), limit).await);
}

#[tokio::test]
async fn run_timeout_times_out_only_overdue_runs_and_frees_their_stands() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    for (id, max) in [("s1", 60), ("s2", 60), ("s3", 3600), ("s4", 60)] {
        stand(pool, id, max).await;
    }
    let at = |secs: i64| Some(now() - Duration::seconds(secs));
    let t = |secs: i64| now() - Duration::seconds(secs);
    // Started 61 s ago on a 60 s stand, though sent long before: counted from the start.
    let overdue_running = run_row(pool, "s1", RunState::Running, t(500), at(61), false).await;
    // Sent exactly 60 s ago, never started: at the limit, not past it.
    let at_limit = run_row(pool, "s2", RunState::Sent, t(60), None, false).await;
    // Running for almost an hour on a stand that allows an hour.
    let long_stand = run_row(pool, "s3", RunState::Running, t(3599), at(3599), false).await;
    // Finished long ago, then a new one sent 61 s ago and never started.
    let finished = run_row(pool, "s4", RunState::Completed, t(9000), at(9000), false).await;
    let overdue_sent = run_row(pool, "s4", RunState::Sent, t(61), None, false).await;

    let (mut listener, mut conn) = listening(pool).await;
    let n = jobs::run_timeout::run(&mut conn, now())
        .await
        .expect("run timeout");

    assert_eq!(n, 2);
    let states: Vec<RunRow> =
        sqlx::query_as("SELECT id, state::text, finished_at, error FROM runs ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("runs");
    for (id, state, finished_at, error) in states {
        if id == overdue_running || id == overdue_sent {
            assert_eq!(state, RunState::TimedOut, "run {id}");
            assert_eq!(finished_at, Some(now()));
            assert_eq!(error.as_deref(), Some("timed out after 60 s"));
        } else if id == finished {
            assert_eq!(state, RunState::Completed);
            assert_eq!(finished_at, None, "an ended run is left as it was");
        } else {
            assert!([at_limit, long_stand].contains(&id));
            assert!(state.is_in_progress(), "run {id} is {state}");
        }
    }
    let mut notes = notes_until_sentinel(pool, &mut listener).await;
    notes.sort_by_key(|n| n.to_string());
    let mut expected = vec![
        serde_json::json!({"kind": "run", "id": overdue_running, "stand": "s1", "state": "timed_out"}),
        serde_json::json!({"kind": "run", "id": overdue_sent, "stand": "s4", "state": "timed_out"}),
        serde_json::json!({"kind": "stand", "id": "s1"}),
        serde_json::json!({"kind": "stand", "id": "s4"}),
    ];
    expected.sort_by_key(|n| n.to_string());
    assert_eq!(notes, expected);

    // The stand is free: a new run can start.
    let s1 = domain::StandId::parse("s1").expect("id");
    let (params, cmds) = (serde_json::json!({}), serde_json::json!([]));
    domain::store::runs::create(
        pool,
        domain::store::runs::NewRun {
            stand: &s1,
            requested_by: "test",
            user_id: None,
            parameters: &params,
            commands: &cmds,
            keep: false,
        },
    )
    .await
    .expect("a new run on the freed stand");

    let again = jobs::run_timeout::run(&mut conn, now()).await;
    assert_nothing_left(again, pool, &mut listener).await;
}

#[tokio::test]
async fn offline_detection_marks_only_stands_silent_past_the_limit() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let limit = Duration::seconds(300);
    for (id, seen, offline) in [
        ("past", Some(301), false),
        ("at_limit", Some(300), false),
        ("recent", Some(10), false),
        ("already", Some(1000), true),
        ("never", None, false),
    ] {
        sqlx::query("INSERT INTO stands (id, name, last_seen, offline) VALUES ($1, $1, $2, $3)")
            .bind(id)
            .bind(seen.map(|s| now() - Duration::seconds(s)))
            .bind(offline)
            .execute(pool)
            .await
            .expect("stand");
    }
    let (mut listener, mut conn) = listening(pool).await;

    let n = jobs::offline::run(&mut conn, now(), limit)
        .await
        .expect("offline");

    assert_eq!(n, 1);
    let offline = names(pool, "SELECT id FROM stands WHERE offline ORDER BY id").await;
    assert_eq!(offline, ["already", "past"]);
    assert_eq!(
        notes_until_sentinel(pool, &mut listener).await,
        vec![serde_json::json!({"kind": "stand", "id": "past"})]
    );
    let again = jobs::offline::run(&mut conn, now(), limit).await;
    assert_nothing_left(again, pool, &mut listener).await;
}

#[tokio::test]
async fn prune_deletes_old_history_but_never_a_stands_newest_status() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    for id in ["s1", "s2", "s3", "s4"] {
        stand(pool, id, 3600).await;
    }
    let limits = Limits {
        status_history: Duration::days(90),
        quarantine: Duration::days(60),
        job_runs: Duration::days(30),
        ..Config::default().limits
    };
    let history_cut = now() - limits.status_history;
    let status = |stand: &'static str, at: DateTime<Utc>| async move {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO status_history (stand_id, code, sent_by, received_at)
             VALUES ($1, 200, $1, $2) RETURNING id",
        )
        .bind(stand)
        .bind(at)
        .fetch_one(pool)
        .await
        .expect("status")
    };
    let _s1_old = status("s1", history_cut - Duration::days(1)).await;
    let _s1_just_old = status("s1", history_cut - Duration::microseconds(1)).await;
    let s1_at_limit = status("s1", history_cut).await;
    let s1_new = status("s1", now() - Duration::days(1)).await;
    // Only old entries: the newest stays so the stand still shows its last status.
    let _s2_older = status("s2", history_cut - Duration::days(110)).await;
    let s2_newest = status("s2", history_cut - Duration::days(10)).await;
    let s3_only = status("s3", history_cut - Duration::days(500)).await;
    // Two old entries at the same instant: the later id is the newest.
    let tie = history_cut - Duration::days(3);
    let _s4_first = status("s4", tie).await;
    let s4_second = status("s4", tie).await;

    let quarantine_cut = now() - limits.quarantine;
    let quarantine = |at: DateTime<Utc>| async move {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO quarantine (topic, reason, size, payload, received_at)
             VALUES ('x/inbound', 'bad', 1, 'x', $1) RETURNING id",
        )
        .bind(at)
        .fetch_one(pool)
        .await
        .expect("quarantine")
    };
    let _q_old = quarantine(quarantine_cut - Duration::seconds(1)).await;
    let q_at_limit = quarantine(quarantine_cut).await;
    let q_new = quarantine(now()).await;

    let job_run = |at: DateTime<Utc>, outcome: JobOutcome| async move {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO job_runs (job, started_at, outcome) VALUES ('offline', $1, $2)
             RETURNING id",
        )
        .bind(at)
        .bind(outcome.as_str())
        .fetch_one(pool)
        .await
        .expect("job run")
    };
    let _j_old = job_run(now() - Duration::days(31), JobOutcome::Ok).await;
    let j_old_running = job_run(now() - Duration::days(31), JobOutcome::Running).await;
    let j_new = job_run(now() - Duration::days(29), JobOutcome::Failed).await;

    let receipt = |at: DateTime<Utc>| async move {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO inbound_receipts (client_id, connection, packet_id, payload_hash,
                                           stored_at)
             VALUES ('handler', 1, 7, '\\x00', $1) RETURNING id",
        )
        .bind(at)
        .fetch_one(pool)
        .await
        .expect("receipt")
    };
    let receipt_cut = now() - Duration::days(domain::store::receipts::RECEIPT_KEEP_DAYS);
    let _r_old = receipt(receipt_cut - Duration::seconds(1)).await;
    let r_at_limit = receipt(receipt_cut).await;
    let r_new = receipt(now()).await;

    let mut conn = pool.acquire().await.expect("connection");
    let n = jobs::prune::run(&mut conn, now(), &limits)
        .await
        .expect("prune");

    assert_eq!(
        n,
        4 + 1 + 1 + 1,
        "status history, quarantine, job runs, receipts"
    );
    assert_eq!(
        ids(pool, "SELECT id FROM inbound_receipts").await,
        BTreeSet::from([r_at_limit, r_new])
    );
    assert_eq!(
        ids(pool, "SELECT id FROM status_history").await,
        BTreeSet::from([s1_at_limit, s1_new, s2_newest, s3_only, s4_second])
    );
    assert_eq!(
        ids(pool, "SELECT id FROM quarantine").await,
        BTreeSet::from([q_at_limit, q_new])
    );
    assert_eq!(
        ids(pool, "SELECT id FROM job_runs").await,
        BTreeSet::from([j_old_running, j_new])
    );
    assert_eq!(
        ids(pool, "SELECT count(*) FROM stands").await,
        BTreeSet::from([4])
    );
    assert_no_work(jobs::prune::run(&mut conn, now(), &limits).await);
}

#[tokio::test]
async fn job_runs_are_recorded_ok_or_failed_and_listed_newest_first() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    stand(pool, "s1", 3600).await;
    db.exec("UPDATE stands SET last_seen = now() - interval '1 hour'")
        .await;
    let config = recorder_config();
    let mut conn = pool.acquire().await.expect("connection");

    jobs::run_recorded(Job::Offline, &mut conn, pool, &config).await;
    db.exec("ALTER TABLE quarantine RENAME TO quarantine_moved")
        .await;
    jobs::run_recorded(Job::Prune, &mut conn, pool, &config).await;
    db.exec("ALTER TABLE quarantine_moved RENAME TO quarantine")
        .await;
    // The connection is still usable after a failed job.
    jobs::run_recorded(Job::Prune, &mut conn, pool, &config).await;

    assert_eq!(
        recorded_runs(pool).await,
        [
            ("prune".into(), JobOutcome::Ok, 0),
            ("prune".into(), JobOutcome::Failed, 0),
            ("offline".into(), JobOutcome::Ok, 1)
        ]
    );
    let runs = recent_job_runs(pool, 10).await.expect("job runs");
    for r in &runs {
        assert_eq!(r.instance, "recorder");
        let finished = r.finished_at.expect("finished");
        assert!(finished >= r.started_at);
    }
    let error = runs[1].error.as_deref().expect("an error text");
    assert!(error.contains("quarantine"), "{error}");
    assert!(runs[0].error.is_none());
    assert_eq!(recent_job_runs(pool, 1).await.expect("one").len(), 1);
    assert!(recent_job_runs(pool, 0).await.expect("none").is_empty());
}
