//! The database itself: connecting (and the one start-up policy every service follows when
//! the database is absent), migrations, the readiness ping, and creating the database in the
//! launcher's private cluster.

use std::time::{Duration, Instant};

use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Postgres, Transaction};

use super::error::{QueryContext, StoreError};

/// The migrations in the repository's `migrations/`, compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// How long a service waits at start-up for an absent database before it gives up.
pub const STARTUP_WAIT: Duration = Duration::from_secs(30);

fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
    Ok(url
        .parse::<PgConnectOptions>()
        .map_err(StoreError::BadUrl)?
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2)))
}

fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
}

/// Opens a pool; fails fast (5 s) when the database is unreachable so callers can retry.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    pool_options(max_connections)
        .connect_with(options(url)?)
        .await
        .query("database.connect")
}

/// A pool that connects on first use, for a service that must start (and wait) while the
/// database is still away: the message handler, whose broker keeps the messages meanwhile.
///
/// Its connections are not pinged when taken from the pool (a round trip per batch on the
/// handler's latency path): a batch that meets a dead connection fails as an outage and is
/// retried, and the pool closes a connection that fails the ping it gets when given back.
///
/// `work_mem` (bytes) is what each of its sessions' materialised set-returning functions may
/// hold in memory before they spill to a temporary file. The handler's batch statement reads
/// every value through `unnest`, whose rows PostgreSQL materialises: at the server's default
/// 4 MB a batch of large results was written to a temporary file and read back (11 % of the
/// server's time in a flood of 100,000-point results). It is a ceiling, not an allocation.
pub fn connect_lazy(
    url: &str,
    max_connections: u32,
    work_mem: usize,
) -> Result<PgPool, StoreError> {
    let work_mem = format!("{}kB", work_mem.div_ceil(1024).max(64));
    Ok(pool_options(max_connections)
        .test_before_acquire(false)
        .connect_lazy_with(options(url)?.options([("work_mem", work_mem)])))
}

/// The start-up policy of every service: connect, and while the database does not answer
/// retry every 2 s for up to `wait`, saying so on standard error (`service` names the
/// process); then fail with an error naming `DATABASE_URL`. A malformed URL fails at once.
pub async fn connect_at_startup(
    service: &str,
    url: &str,
    max_connections: u32,
    wait: Duration,
) -> Result<PgPool, StoreError> {
    let started = Instant::now();
    let mut said = false;
    loop {
        match connect(url, max_connections).await {
            Ok(pool) => {
                if said {
                    eprintln!("{service}: database reachable");
                }
                return Ok(pool);
            }
            Err(StoreError::Query { cause, .. }) => {
                let waited = started.elapsed();
                if waited >= wait {
                    return Err(StoreError::Unreachable { waited, cause });
                }
                eprintln!(
                    "{service}: waiting for the database at DATABASE_URL ({} of {} s): {cause}",
                    waited.as_secs(),
                    wait.as_secs()
                );
                said = true;
                tokio::time::sleep(Duration::from_secs(2).min(wait - waited)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether the database answers a trivial query (for readiness checks).
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1")
        .execute(pool)
        .await
        .query("database.ping")?;
    Ok(())
}

/// Applies the migrations not yet applied; returns the versions and descriptions it applied.
pub async fn migrate(pool: &PgPool) -> Result<Vec<(i64, String)>, StoreError> {
    let before: Vec<i64> = applied_versions(pool).await.unwrap_or_default();
    MIGRATOR.run(pool).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !before.contains(&m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect())
}

/// The versions of the compiled-in migrations the database has not applied yet (all of them
/// when it has none, e.g. a fresh database).
pub async fn pending_migrations(pool: &PgPool) -> Vec<i64> {
    let applied = applied_versions(pool).await.unwrap_or_default();
    MIGRATOR
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect()
}

async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .query("_sqlx_migrations.applied")
}

/// Creates the database `name` through the server at `admin_url` unless it exists; returns
/// whether it created it. `name` must be a plain identifier (it cannot be a bound parameter).
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> Result<bool, StoreError> {
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::Query {
            query: "pg_database.create",
            cause: sqlx::Error::Protocol(format!("not a plain database name: {name:?}")),
        });
    }
    let mut conn = PgConnection::connect_with(&options(admin_url)?)
        .await
        .query("database.connect")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .query("pg_database.exists")?;
    if exists {
        return Ok(false);
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .query("pg_database.create")?;
    Ok(true)
}

/// Begins a transaction on `conn` (a savepoint when `conn` is in one already), for callers
/// that make several store calls all or nothing.
pub async fn begin(conn: &mut PgConnection) -> Result<Transaction<'_, Postgres>, StoreError> {
    conn.begin().await.query("transaction.begin")
}

/// Commits a transaction begun with [`begin`].
pub async fn commit(tx: Transaction<'_, Postgres>) -> Result<(), StoreError> {
    tx.commit().await.query("transaction.commit")
}

/// Takes a connection from the pool, for callers that need one connection for several calls.
pub async fn acquire(pool: &PgPool) -> Result<PoolConnection<Postgres>, StoreError> {
    pool.acquire().await.query("pool.acquire")
}

/// A pool like `pool` (same server, same account) whose every statement is cut after
/// `statement_timeout`, for a service that answers people: a query that runs longer is
/// cancelled by PostgreSQL and its request answers an error, instead of holding a connection
/// and a server process while the person has long given up. Migrations and the message
/// handler's batches keep the unbounded pool. Connects on first use.
pub fn bounded(pool: &PgPool, max_connections: u32, statement_timeout: Duration) -> PgPool {
    let options = (*pool.connect_options()).clone().options([(
        "statement_timeout",
        format!("{}ms", statement_timeout.as_millis()),
    )]);
    pool_options(max_connections).connect_lazy_with(options)
}

/// A connection whose query is cancelled in PostgreSQL when it is dropped before
/// [`Cancellable::finish`]: a request handler holds one for its heavy reads, so a client that
/// goes away (its connection closed, the handler's future dropped) stops the query it started
/// instead of leaving it to run on. Dropping a query's future alone does not: the pool waits
/// for the query to end before it gives the connection to anyone else.
pub struct Cancellable {
    conn: Option<PoolConnection<Postgres>>,
    pool: PgPool,
    pid: i32,
}

impl Cancellable {
    /// A connection of `pool` and its server process's id (one round trip).
    pub async fn acquire(pool: &PgPool) -> Result<Self, StoreError> {
        let mut conn = acquire(pool).await?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await
            .query("pool.backend_pid")?;
        Ok(Self {
            conn: Some(conn),
            pool: pool.clone(),
            pid,
        })
    }

    /// The connection.
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("taken only by finish and drop")
    }

    /// Gives the connection back: the work ended, nothing to cancel.
    pub fn finish(mut self) {
        drop(self.conn.take());
    }
}

impl Drop for Cancellable {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let (pool, pid) = (self.pool.clone(), self.pid);
        // The connection goes back to the pool only after the cancel was sent, so the cancel
        // cannot hit the next query run on it (a cancel that finds the process idle is void).
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            match sqlx::query_scalar::<_, bool>("SELECT pg_cancel_backend($1)")
                .bind(pid)
                .fetch_one(&pool)
                .await
            {
                Ok(_) => tracing::debug!(pid, "cancelled the query of a request that ended early"),
                Err(e) => tracing::warn!(pid, error = %e, "cancelling an abandoned query failed"),
            }
            drop(conn);
        });
    }
}
