//! Whole schedulers in-process against one real database, every job every second: only one
//! acts at a time, the standby takes over when the leader stops or its lock connection dies,
//! and a failing job is recorded and tried again at its next tick.

use std::time::Duration;

use domain::JobOutcome;
use scheduler::{Config, CronExpr, Schedules};
use sqlx::PgPool;
use test_support::pg::TestDb;
use test_support::wait_for;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const PATIENCE: Duration = Duration::from_secs(60);

struct Instance {
    name: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), scheduler::Error>>,
}

impl Instance {
    fn start(pool: &PgPool, name: &str) -> Self {
        let config = Config {
            instance: name.to_owned(),
            schedules: Schedules::all(CronExpr::parse("* * * * * *").expect("cron")),
            standby_poll: Duration::from_millis(100),
            ..Config::default()
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(scheduler::run(config, pool.clone(), async {
            let _ = stopped.await;
        }));
        Self {
            name: name.to_owned(),
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task
            .await
            .expect("the scheduler task")
            .expect("the scheduler ends cleanly");
    }
}

async fn runs_by(pool: &PgPool, instance: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM job_runs WHERE instance = $1")
        .bind(instance)
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn wait_for_runs(pool: &PgPool, instance: &str, at_least: i64) {
    wait_for(
        &format!("{at_least} job runs by {instance}"),
        PATIENCE,
        || async { (runs_by(pool, instance).await >= at_least).then_some(()) },
    )
    .await;
}

/// Pairs of job runs by different instances whose running intervals overlap.
async fn overlaps(pool: &PgPool, outcomes: &[JobOutcome]) -> i64 {
    let outcomes: Vec<&str> = outcomes.iter().map(|o| o.as_str()).collect();
    sqlx::query_scalar(
        "SELECT count(*) FROM job_runs a JOIN job_runs b ON a.instance < b.instance
         WHERE a.outcome = ANY($1) AND b.outcome = ANY($1)
           AND a.started_at < coalesce(b.finished_at, 'infinity')
           AND b.started_at < coalesce(a.finished_at, 'infinity')",
    )
    .bind(&outcomes)
    .fetch_one(pool)
    .await
    .expect("overlaps")
}

async fn instances(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT DISTINCT instance FROM job_runs ORDER BY 1")
        .fetch_all(pool)
        .await
        .expect("instances")
}

/// The count `sql` returns with `$1` bound to `outcome`.
async fn count_with(pool: &PgPool, sql: &'static str, outcome: JobOutcome) -> i64 {
    sqlx::query_scalar(sql)
        .bind(outcome.as_str())
        .fetch_one(pool)
        .await
        .expect(sql)
}

/// A fresh database and two instances started at once on it: (database, leader, standby) as
/// the job runs show them, once the leader has run `first_runs` jobs.
async fn two_on_a_new_database(first_runs: i64) -> (TestDb, Instance, Instance) {
    test_support::init_tracing();
    let db = TestDb::new().await;
    let (leader, standby) = start_two(&db.pool).await;
    wait_for_runs(&db.pool, &leader.name, first_runs).await;
    (db, leader, standby)
}

/// Starts two at once; returns (leader, standby) as the job runs show them.
async fn start_two(pool: &PgPool) -> (Instance, Instance) {
    let a = Instance::start(pool, "alpha");
    let b = Instance::start(pool, "beta");
    wait_for("a first job run", PATIENCE, || async {
        (!instances(pool).await.is_empty()).then_some(())
    })
    .await;
    let leader = instances(pool).await;
    assert_eq!(leader.len(), 1, "{leader:?}");
    if leader[0] == "alpha" { (a, b) } else { (b, a) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_acts_and_the_standby_takes_over_when_the_leader_stops() {
    // Several ticks of all four jobs, with the standby polling ten times a second meanwhile.
    let (db, leader, standby) = two_on_a_new_database(12).await;
    let pool = &db.pool;
    assert_eq!(runs_by(pool, &standby.name).await, 0, "the standby acted");

    let (leader_name, standby_name) = (leader.name.clone(), standby.name.clone());
    leader.stop().await;
    let leader_runs = runs_by(pool, &leader_name).await;
    wait_for_runs(pool, &standby_name, 8).await;

    assert_eq!(
        runs_by(pool, &leader_name).await,
        leader_runs,
        "a stopped leader acted"
    );
    assert_eq!(overlaps(pool, &JobOutcome::ALL).await, 0);
    standby.stop().await;
    let unfinished = count_with(
        pool,
        "SELECT count(*) FROM job_runs WHERE outcome <> $1 OR finished_at IS NULL",
        JobOutcome::Ok,
    )
    .await;
    assert_eq!(unfinished, 0, "shutdown finishes the job in progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_when_the_leaders_lock_connection_dies() {
    let (db, leader, standby) = two_on_a_new_database(4).await;
    let pool = &db.pool;

    let holder: i32 = sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(pool)
    .await
    .expect("exactly one lock holder");
    let app: String =
        sqlx::query_scalar("SELECT application_name FROM pg_stat_activity WHERE pid = $1")
            .bind(holder)
            .fetch_one(pool)
            .await
            .expect("holder");
    assert_eq!(app, format!("scheduler {}", leader.name));
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(holder)
        .fetch_one(pool)
        .await
        .expect("terminate");
    assert!(killed);

    wait_for_runs(pool, &standby.name, 8).await;
    // The old leader lives on as the standby now, and does not act.
    let old_leader_runs = runs_by(pool, &leader.name).await;
    let new_leader_runs = runs_by(pool, &standby.name).await;
    wait_for_runs(pool, &standby.name, new_leader_runs + 8).await;
    assert_eq!(runs_by(pool, &leader.name).await, old_leader_runs);
    assert!(
        !leader.task.is_finished(),
        "losing the lock must not end the process"
    );
    // A run cut off by the kill ends `failed`, recorded once its instance noticed; the runs
    // that did their work never overlap.
    assert_eq!(overlaps(pool, &[JobOutcome::Ok]).await, 0);

    // And back: the new leader stops, the old one takes over again.
    let (old, new) = (leader.name.clone(), standby.name.clone());
    standby.stop().await;
    wait_for_runs(pool, &old, old_leader_runs + 4).await;
    leader.stop().await;
    assert_eq!(overlaps(pool, &[JobOutcome::Ok]).await, 0);
    let running = count_with(
        pool,
        "SELECT count(*) FROM job_runs WHERE outcome = $1",
        JobOutcome::Running,
    )
    .await;
    assert_eq!(
        running, 0,
        "no run is left `running` ({new} then {old} led)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_recorded_and_tried_again_at_its_next_tick() {
    test_support::init_tracing();
    let db = TestDb::new().await;
    let pool = &db.pool;
    // The prune job deletes from `quarantine`: without that table it fails.
    db.exec("ALTER TABLE quarantine RENAME TO quarantine_moved")
        .await;
    let only = Instance::start(pool, "solo");

    let failed: (i64, String) = wait_for("a failed prune run", PATIENCE, || async {
        sqlx::query_as(
            "SELECT id, error FROM job_runs WHERE job = 'prune' AND outcome = $1
             ORDER BY id LIMIT 1",
        )
        .bind(JobOutcome::Failed.as_str())
        .fetch_optional(pool)
        .await
        .expect("job runs")
    })
    .await;
    assert!(failed.1.contains("quarantine"), "{}", failed.1);
    // It fails again at its next tick, and the other jobs go on meanwhile.
    wait_for("a second failed prune run", PATIENCE, || async {
        let sql = "SELECT count(*) FROM job_runs WHERE job = 'prune' AND outcome = $1";
        (count_with(pool, sql, JobOutcome::Failed).await >= 2).then_some(())
    })
    .await;
    let others_ok = count_with(
        pool,
        "SELECT count(DISTINCT job) FROM job_runs WHERE job <> 'prune' AND outcome = $1",
        JobOutcome::Ok,
    )
    .await;
    // Every job but prune.
    let others = i64::try_from(scheduler::Job::ALL.len()).expect("count") - 1;
    assert_eq!(others_ok, others);

    db.exec("ALTER TABLE quarantine_moved RENAME TO quarantine")
        .await;
    wait_for("an ok prune run after the failures", PATIENCE, || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM job_runs WHERE job = 'prune' AND outcome = $2 AND id > $1",
        )
        .bind(failed.0)
        .bind(JobOutcome::Ok.as_str())
        .fetch_optional(pool)
        .await
        .expect("job runs")
    })
    .await;
    assert!(!only.task.is_finished());
    only.stop().await;
}
