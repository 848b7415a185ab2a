//! The scheduler's timed jobs (retention, run time-out, offline detection, pruning) and the
//! record of every job run that admins see.
//!
//! Every job function takes `now` and its limits as parameters, so callers decide the clock
//! (the scheduler reads it from the database, tests set it), and returns the rows it touched.
//! They take a connection, not a pool: the scheduler runs them on the connection that holds
//! its advisory lock, inside one transaction per job run.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use crate::store::NOTIFY_CHANNEL;

/// The `pg_advisory_lock` key only the acting scheduler holds (ASCII "STANDHUB"). Advisory
/// locks are per database, so schedulers of different databases never compete.
pub const SCHEDULER_LOCK_KEY: i64 = 0x5354_414e_4448_5542;

/// Deletes results received before `now - retention` that are not kept (neither the result
/// nor its run is marked keep). Their series go with them.
pub async fn delete_expired_results(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM results r
         WHERE NOT r.keep AND r.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = r.run_id AND runs.keep)",
    )
    .bind(now - retention)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Marks `timed_out` every run in progress (`sent` or `running`) for longer than its stand's
/// `max_test_seconds`, counted from when it started (or was sent, if it never started); the
/// stand may start a new run again. Notifies each run and stand.
///
/// Call it inside a transaction: it locks the stands first, in id order, as every writer does,
/// so it cannot deadlock with the message handler.
pub async fn time_out_runs(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let stands: Vec<String> = sqlx::query_scalar(
        "SELECT s.id FROM stands s
         WHERE EXISTS (SELECT 1 FROM runs r WHERE r.stand_id = s.id
                         AND r.state IN ('sent', 'running')
                         AND coalesce(r.started_at, r.requested_at)
                             + make_interval(secs => s.max_test_seconds) < $1)
         ORDER BY s.id FOR UPDATE OF s",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    if stands.is_empty() {
        return Ok(0);
    }
    let timed_out: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE runs r SET state = 'timed_out', finished_at = $1,
             error = 'timed out after ' || s.max_test_seconds || ' s'
         FROM stands s
         WHERE s.id = r.stand_id AND r.stand_id = ANY($2)
           AND r.state IN ('sent', 'running')
           AND coalesce(r.started_at, r.requested_at)
               + make_interval(secs => s.max_test_seconds) < $1
         RETURNING r.id, r.stand_id",
    )
    .bind(now)
    .bind(&stands)
    .fetch_all(&mut *conn)
    .await?;
    let mut notes: Vec<String> = timed_out
        .iter()
        .map(|(id, stand)| {
            serde_json::json!({"kind": "run", "id": id, "stand": stand, "state": "timed_out"})
                .to_string()
        })
        .collect();
    notes.extend(
        stands
            .iter()
            .map(|s| serde_json::json!({"kind": "stand", "id": s}).to_string()),
    );
    notify(conn, &notes).await?;
    Ok(timed_out.len() as u64)
}

/// Marks offline every stand not yet offline whose `last_seen` is before `now - offline_after`
/// (stands never heard stay as they are). Notifies each stand.
pub async fn mark_offline(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    offline_after: Duration,
) -> Result<u64, sqlx::Error> {
    // Locked in id order first, as every writer does; FOR UPDATE re-checks the condition
    // against a concurrent message that just refreshed `last_seen`.
    let stands: Vec<String> = sqlx::query_scalar(
        "WITH silent AS (
             SELECT id FROM stands WHERE NOT offline AND last_seen < $1 ORDER BY id FOR UPDATE)
         UPDATE stands s SET offline = true FROM silent WHERE s.id = silent.id
         RETURNING s.id",
    )
    .bind(now - offline_after)
    .fetch_all(&mut *conn)
    .await?;
    let notes: Vec<String> = stands
        .iter()
        .map(|s| serde_json::json!({"kind": "stand", "id": s}).to_string())
        .collect();
    notify(conn, &notes).await?;
    Ok(stands.len() as u64)
}

/// Deletes status history received before `now - keep`, except each stand's newest entry.
pub async fn prune_status_history(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM status_history h
         WHERE h.received_at < $1
           AND EXISTS (SELECT 1 FROM status_history n
                       WHERE n.stand_id = h.stand_id
                         AND (n.received_at, n.id) > (h.received_at, h.id))",
    )
    .bind(now - keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes quarantine entries received before `now - keep`.
pub async fn prune_quarantine(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM quarantine WHERE received_at < $1")
        .bind(now - keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes finished job runs started before `now - keep` (the record would otherwise grow by
/// thousands of rows a day).
pub async fn prune_job_runs(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    keep: Duration,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM job_runs WHERE started_at < $1 AND outcome <> 'running'")
        .bind(now - keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// How long an unfinished QoS 2 receipt is kept: a receipt is deleted when the broker's PUBREL
/// completes the exchange, so one this old belongs to a session the broker has long dropped.
pub const RECEIPT_KEEP_DAYS: i64 = 7;

/// Deletes QoS 2 receipts stored before `now - RECEIPT_KEEP_DAYS` (left by exchanges that
/// never completed, e.g. a broker that lost its sessions).
pub async fn prune_receipts(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM inbound_receipts WHERE stored_at < $1")
        .bind(now - Duration::days(RECEIPT_KEEP_DAYS))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

async fn notify(conn: &mut PgConnection, notes: &[String]) -> Result<(), sqlx::Error> {
    if !notes.is_empty() {
        sqlx::query("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n")
            .bind(NOTIFY_CHANNEL)
            .bind(notes)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// One recorded run of a scheduler job, as the admin page shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct JobRun {
    /// Its id.
    pub id: i64,
    /// The job: `retention`, `run_timeout`, `offline` or `prune`.
    pub job: String,
    /// The scheduler instance that ran it.
    pub instance: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended; `None` while running, or when its scheduler died during the run.
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `ok` or `failed`.
    pub outcome: String,
    /// Rows deleted or changed.
    pub rows_touched: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records that a job run starts (outcome `running`); returns its id. Uses the wall clock, not
/// the transaction's, so the recorded times are when things happened.
pub async fn start_job_run(
    conn: &mut PgConnection,
    job: &str,
    instance: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO job_runs (job, instance, started_at) VALUES ($1, $2, clock_timestamp())
         RETURNING id",
    )
    .bind(job)
    .bind(instance)
    .fetch_one(conn)
    .await
}

/// Records how a job run ended: `Ok(rows touched)` or `Err(error text)`.
pub async fn finish_job_run(
    conn: &mut PgConnection,
    id: i64,
    outcome: Result<u64, &str>,
) -> Result<(), sqlx::Error> {
    let (outcome, rows, error) = match outcome {
        Ok(rows) => ("ok", i64::try_from(rows).unwrap_or(i64::MAX), None),
        Err(e) => ("failed", 0, Some(e)),
    };
    sqlx::query(
        "UPDATE job_runs SET finished_at = clock_timestamp(), outcome = $2, rows_touched = $3,
             error = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(outcome)
    .bind(rows)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks failed the runs still `running` from a scheduler that lost its lock mid-run. Only the
/// lock holder may call it: jobs run on the lock's connection, so while we hold the lock no
/// other run can still be in progress.
pub async fn abandon_unfinished_job_runs(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE job_runs SET outcome = 'failed',
             error = 'abandoned: its scheduler lost the database lock before the run ended'
         WHERE outcome = 'running'",
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The newest job runs, newest first, for the admin page.
pub async fn recent_job_runs(pool: &PgPool, limit: i64) -> Result<Vec<JobRun>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, job, instance, started_at, finished_at, outcome, rows_touched, error
         FROM job_runs ORDER BY started_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Takes the scheduler lock on this connection if nobody holds it; `true` when taken. The lock
/// lasts as long as the connection's session.
pub async fn try_scheduler_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(SCHEDULER_LOCK_KEY)
        .fetch_one(conn)
        .await
}

/// Whether this connection's session holds the scheduler lock (an error when the connection
/// is gone).
pub async fn holds_scheduler_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    // A bigint key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid 1.
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                          AND database = (SELECT oid FROM pg_database
                                          WHERE datname = current_database())
                          AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid
                          AND objsubid = 1)",
    )
    .bind(SCHEDULER_LOCK_KEY)
    .fetch_one(conn)
    .await
}
