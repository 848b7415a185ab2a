//! The database: `DATABASE_URL` when given, otherwise a private PostgreSQL cluster in
//! `<data dir>/postgres`, listening only on a Unix socket in that folder (so no port can be
//! taken), made on first start, kept across restarts and stopped when the launcher exits.

use anyhow::Context;
use pgcluster::{Cluster, Listen, Settings};
use sqlx::PgPool;

use crate::Options;

/// The database name inside the private cluster.
pub const DATABASE: &str = "standhub";

/// The database the launcher uses, and the cluster it runs (if any).
pub struct Database {
    url: String,
    cluster: Option<Cluster>,
}

impl Database {
    /// `DATABASE_URL`, or the private cluster: made if new, started if not running, with the
    /// `standhub` database created in it.
    pub async fn open(options: &Options) -> anyhow::Result<Self> {
        if let Some(url) = &options.database_url {
            return Ok(Self {
                url: url.clone(),
                cluster: None,
            });
        }
        let cluster = Cluster::new(options.data_dir.join("postgres"))?;
        let cluster = tokio::task::spawn_blocking(move || start(cluster)).await??;
        let url = cluster.url(&Listen::SocketOnly, DATABASE);
        let this = Self {
            url,
            cluster: Some(cluster),
        };
        let admin_url = this.cluster_url("postgres");
        domain::store::database::create_database_if_missing(&admin_url, DATABASE)
            .await
            .with_context(|| {
                format!(
                    "cannot create the {DATABASE} database in the private cluster ({admin_url})"
                )
            })?;
        Ok(this)
    }

    /// The URL the services use.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// For the banner: where the data is.
    pub fn describe(&self) -> String {
        match &self.cluster {
            Some(c) => format!("private PostgreSQL cluster in {}", c.dir().display()),
            None => "DATABASE_URL".to_owned(),
        }
    }

    fn cluster_url(&self, db: &str) -> String {
        self.cluster
            .as_ref()
            .map(|c| c.url(&Listen::SocketOnly, db))
            .unwrap_or_else(|| self.url.clone())
    }

    /// Stops the private cluster cleanly (nothing to do with `DATABASE_URL`).
    pub async fn stop(self) {
        if let Some(cluster) = self.cluster {
            let dir = cluster.dir().to_owned();
            match tokio::task::spawn_blocking(move || cluster.stop(true)).await {
                Ok(Ok(())) => tracing::info!(dir = %dir.display(), "private cluster stopped"),
                Ok(Err(e)) => tracing::error!(error = %e, "cannot stop the private cluster"),
                Err(e) => tracing::error!(error = %e, "cannot stop the private cluster"),
            }
        }
    }
}

/// The URL of the private cluster in `data_dir` while a launcher runs it; an error saying
/// what to do when it is not running (or not made yet).
pub fn running_cluster_url(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let cluster = Cluster::new(data_dir.join("postgres"))?;
    if !cluster.is_initialized() || !cluster.is_running() {
        anyhow::bail!(
            "no running launcher database in {}: start `standhub` first (its private database \
             runs with it), or give --database-url / DATABASE_URL",
            cluster.dir().display()
        );
    }
    Ok(cluster.url(&Listen::SocketOnly, DATABASE))
}

fn start(cluster: Cluster) -> Result<Cluster, pgcluster::Error> {
    if !cluster.is_initialized() {
        println!(
            "standhub: creating a private PostgreSQL cluster in {} (first start)",
            cluster.dir().display()
        );
        cluster.init(&Settings {
            listen: Listen::SocketOnly,
            durable: true,
            max_connections: 100,
        })?;
    }
    if cluster.is_running() {
        // Left running by a launcher that was killed: use it, and stop it on our exit.
        tracing::info!(dir = %cluster.dir().display(), "private cluster already running");
    } else {
        cluster.start()?;
    }
    Ok(cluster)
}

/// Applies the pending migrations; returns the ones that ran (version, description).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<Vec<(i64, String)>> {
    domain::store::migrate(pool)
        .await
        .context("cannot apply the database migrations")
}
