//! The scheduler's advisory lock: only the scheduler holding it runs jobs, so several
//! scheduler instances may run for availability without doing the work twice.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use super::{QueryContext, StoreError};

/// The `pg_advisory_lock` key only the acting scheduler holds (ASCII "STANDHUB"). Advisory
/// locks are per database, so schedulers of different databases never compete.
pub const SCHEDULER_LOCK_KEY: i64 = 0x5354_414e_4448_5542;

/// Opens a connection of its own (not from the pool, so the lock lasts exactly as long as
/// this connection) to the pool's database, named `scheduler <instance>` in
/// `pg_stat_activity`.
pub async fn connect(pool: &PgPool, instance: &str) -> Result<PgConnection, StoreError> {
    let name: String = format!("scheduler {instance}").chars().take(63).collect();
    let options: PgConnectOptions = (*pool.connect_options())
        .clone()
        .application_name(&name)
        .disable_statement_logging();
    PgConnection::connect_with(&options)
        .await
        .query("scheduler_lock.connect")
}

/// Takes the scheduler lock on this connection if nobody holds it; `true` when taken. The lock
/// lasts as long as the connection's session.
pub async fn try_take(conn: &mut PgConnection) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(SCHEDULER_LOCK_KEY)
        .fetch_one(conn)
        .await
        .query("scheduler_lock.try")
}

/// Whether this connection's session holds the scheduler lock (an error when the connection
/// is gone).
pub async fn is_held(conn: &mut PgConnection) -> Result<bool, StoreError> {
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
    .query("scheduler_lock.held")
}

/// Closes the lock connection, which releases the lock at once.
pub async fn release(conn: PgConnection) -> Result<(), StoreError> {
    conn.close().await.query("scheduler_lock.release")
}
