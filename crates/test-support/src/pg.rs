//! PostgreSQL for tests: private clusters started from the installed server binaries, and one
//! fresh migrated database per test.
//!
//! `TEST_DATABASE_URL` (a URL of a role that may create databases) replaces the shared private
//! cluster. Without it, the first test process creates a cluster under
//! `$TMPDIR/standhub-test-pg` (guarded by a file lock) and later ones reuse it. Each test
//! database is a copy of a template that holds the migrations, so a test starts in
//! milliseconds; it is dropped when the test ends.

use std::fs::OpenOptions;

use std::process::Command;

use fs4::fs_std::FileExt;
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::free_port;

/// Panics with the cluster error's advice: a test cannot go on without its database.
fn must<T>(r: Result<T, pgcluster::Error>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// A PostgreSQL cluster of its own: a data folder and a server on a free port.
pub struct PgCluster {
    cluster: pgcluster::Cluster,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    _temp: Option<tempfile::TempDir>,
    stop_on_drop: bool,
}

impl PgCluster {
    /// A new cluster in a temporary folder, started, stopped and removed on drop. `durable`
    /// keeps fsync on (for benchmarks); tests run without it.
    pub fn private(durable: bool) -> Self {
        let temp = tempfile::tempdir().expect("temp dir for the cluster");
        must(pgcluster::give_to_postgres_user(temp.path()));
        let port = free_port();
        let cluster = must(pgcluster::Cluster::new(temp.path().join("data")));
        must(cluster.init(&settings(port, durable)));
        must(cluster.start());
        Self {
            cluster,
            port,
            _temp: Some(temp),
            stop_on_drop: true,
        }
    }

    /// Starts the server (waits until it accepts connections).
    pub fn start(&self) {
        must(self.cluster.start());
    }

    /// Stops the server at once (like a crash: `-m immediate`).
    pub fn stop(&self) {
        must(self.cluster.stop(false));
    }

    /// A URL of the `postgres` database as the superuser.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The shared cluster of all test processes, started on first use and left running.
    fn shared() -> Self {
        let base = std::env::temp_dir().join("standhub-test-pg");
        std::fs::create_dir_all(&base).expect("shared cluster folder");
        must(pgcluster::give_to_postgres_user(&base));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(base.join("lock"))
            .expect("lock file");
        lock.lock_exclusive().expect("lock the shared cluster");
        let inner = must(pgcluster::Cluster::new(base.join("data")));
        let port_file = base.join("port");
        let port = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let cluster = match port {
            Some(port) if inner.is_initialized() => Self {
                cluster: inner,
                port,
                _temp: None,
                stop_on_drop: false,
            },
            _ => {
                let _ = std::fs::remove_dir_all(inner.dir());
                let port = free_port();
                must(inner.init(&settings(port, false)));
                std::fs::write(&port_file, port.to_string()).expect("port file");
                Self {
                    cluster: inner,
                    port,
                    _temp: None,
                    stop_on_drop: false,
                }
            }
        };
        if !crate::wait_for_port(cluster.port, std::time::Duration::from_millis(10)) {
            cluster.start();
        }
        FileExt::unlock(&lock).expect("unlock");
        cluster
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.stop_on_drop {
            let _ = self.cluster.stop(false);
        }
    }
}

fn settings(port: u16, durable: bool) -> pgcluster::Settings {
    pgcluster::Settings {
        listen: pgcluster::Listen::Tcp(port),
        durable,
        max_connections: 300,
    }
}

/// A fresh database with the migrations applied, dropped when the value is dropped.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// A pool on it.
    pub pool: PgPool,
    name: String,
    admin_url: String,
    _cluster: Option<std::sync::Arc<PgCluster>>,
}

static SHARED: std::sync::OnceLock<std::sync::Arc<PgCluster>> = std::sync::OnceLock::new();

impl TestDb {
    /// A database on the shared cluster, or on `TEST_DATABASE_URL`'s server.
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Self::on_server(url, None).await,
            _ => {
                let cluster = SHARED
                    .get_or_init(|| std::sync::Arc::new(PgCluster::shared()))
                    .clone();
                Self::on_server(cluster.admin_url(), Some(cluster)).await
            }
        }
    }

    /// A database on a given cluster (e.g. a private one a test stops and starts).
    pub async fn on_cluster(cluster: &PgCluster) -> Self {
        Self::on_server(cluster.admin_url(), None).await
    }

    /// The `bigint` that `sql` returns (a `count(*)`, say); panics naming the query when it fails.
    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs statements without results (a fixture's INSERTs, a `DROP DATABASE` of a name the
    /// test made, say); panics naming them when they fail.
    pub async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn on_server(admin_url: String, cluster: Option<std::sync::Arc<PgCluster>>) -> Self {
        let template = ensure_template(&admin_url).await;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {admin_url}: {e}"));
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template}"
            )))
            .await
            .expect("create the test database");
        let url = with_database(&admin_url, &name);
        let pool = domain::store::connect(&url, 20)
            .await
            .expect("connect to the test database");
        Self {
            url,
            pool,
            name,
            admin_url,
            _cluster: cluster,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Synchronous on purpose: Drop cannot await, and psql is installed with PostgreSQL.
        let _ = Command::new("psql")
            .arg(&self.admin_url)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

fn with_database(url: &str, db: &str) -> String {
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    let query = url
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{base}/{db}{query}")
}

/// Creates (once per set of migrations) the template database holding the migrations.
async fn ensure_template(admin_url: &str) -> String {
    let mut hash = 0u64;
    for m in domain::store::MIGRATOR.iter() {
        for b in m.checksum.iter() {
            hash = hash.wrapping_mul(31).wrapping_add(u64::from(*b));
        }
        hash = hash.wrapping_add(m.version as u64);
    }
    let template = format!("standhub_tpl_{hash:016x}");
    let mut admin = PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {admin_url}: {e}"));
    admin
        .execute("SELECT pg_advisory_lock(727274)")
        .await
        .expect("template lock");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .expect("look for the template");
    if !exists {
        let building = format!("{template}_building");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
            )))
            .await
            .expect("drop a half-built template");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .await
            .expect("create the template");
        let pool = domain::store::connect(&with_database(admin_url, &building), 2)
            .await
            .expect("connect to the template");
        domain::store::migrate(&pool)
            .await
            .expect("migrate the template");
        pool.close().await;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {building} RENAME TO {template}"
            )))
            .await
            .expect("rename the template");
    }
    admin
        .execute("SELECT pg_advisory_unlock(727274)")
        .await
        .expect("template unlock");
    template
}
