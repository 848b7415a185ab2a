//! The web interface's tables the scheduler keeps small (issue 11): expired login sessions and
//! old login attempts are pruned by their own jobs, at the exact boundaries, and recorded in
//! `job_runs` (which `/admin/jobs` lists).

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{names, now, recorded_runs, recorder_config};
use domain::JobOutcome;
use scheduler::jobs::{self, Job};
use scheduler::{Config, Limits};
use sqlx::PgPool;
use test_support::pg::TestDb;

async fn user(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO users (username, password_hash) VALUES ('alice', 'x') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("user")
}

async fn session(pool: &PgPool, key: &str, user_id: i64, expiry: DateTime<Utc>) {
    sqlx::query("INSERT INTO sessions (id, user_id, data, expiry_date) VALUES ($1, $2, '{}', $3)")
        .bind(key)
        .bind(user_id)
        .bind(expiry)
        .execute(pool)
        .await
        .expect("session");
}

async fn attempt(pool: &PgPool, name: &str, at: DateTime<Utc>) {
    sqlx::query(
        "INSERT INTO login_attempts (username, remote, succeeded, attempted_at)
         VALUES ($1, '10.0.0.1', false, $2)",
    )
    .bind(name)
    .bind(at)
    .execute(pool)
    .await
    .expect("attempt");
}

#[tokio::test]
async fn expired_sessions_and_old_login_attempts_are_pruned_by_their_jobs() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let limits = Limits {
        login_attempts: Duration::days(30),
        ..Config::default().limits
    };
    let alice = user(pool).await;
    let second = Duration::seconds(1);
    session(pool, "expired", alice, now() - second).await;
    session(pool, "at-the-limit", alice, now()).await;
    session(pool, "live", alice, now() + second).await;
    let cut = now() - limits.login_attempts;
    attempt(pool, "old", cut - second).await;
    attempt(pool, "at-the-limit", cut).await;
    attempt(pool, "recent", cut + second).await;

    let mut conn = pool.acquire().await.expect("connection");
    let n = Job::PruneSessions
        .execute(&mut conn, now(), &limits)
        .await
        .expect("prune sessions");
    assert_eq!(n, 2);
    assert_eq!(names(pool, "SELECT id FROM sessions").await, ["live"]);
    let n = Job::PruneLoginAttempts
        .execute(&mut conn, now(), &limits)
        .await
        .expect("prune attempts");
    assert_eq!(n, 1);
    assert_eq!(
        names(pool, "SELECT username FROM login_attempts ORDER BY id").await,
        ["at-the-limit", "recent"]
    );
}

#[tokio::test]
async fn the_prune_jobs_are_scheduled_and_recorded() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let config = recorder_config();
    assert!(Job::ALL.contains(&Job::PruneSessions));
    assert!(Job::ALL.contains(&Job::PruneLoginAttempts));
    assert_eq!(Job::PruneSessions.schedule(&config).as_str(), "0 5 * * * *");
    assert_eq!(
        Job::PruneLoginAttempts.schedule(&config).as_str(),
        "0 35 * * * *"
    );
    let alice = user(pool).await;
    session(pool, "expired", alice, Utc::now() - Duration::hours(1)).await;
    attempt(pool, "old", Utc::now() - Duration::days(31)).await;
    let mut conn = pool.acquire().await.expect("connection");
    jobs::run_recorded(Job::PruneSessions, &mut conn, pool, &config).await;
    jobs::run_recorded(Job::PruneLoginAttempts, &mut conn, pool, &config).await;
    assert_eq!(
        recorded_runs(pool).await,
        [
            ("prune_login_attempts".into(), JobOutcome::Ok, 1),
            ("prune_sessions".into(), JobOutcome::Ok, 1)
        ]
    );
}
