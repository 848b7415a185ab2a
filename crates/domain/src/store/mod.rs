//! The one place that speaks SQL: connection, migrations, and queries returning domain types.
//!
//! Queries are plain `sqlx::query`/`query_as` (no compile-time checked macros, so building
//! needs no database); every query is exercised by the integration tests in `tests/`.

pub mod cameras;
pub mod imports;
pub mod ingest;
pub mod jobs;
pub mod login_attempts;
pub mod outbound;
pub mod results;
pub mod runs;
pub mod sessions;
pub mod stand_admin;
pub mod stand_pages;
pub mod stands;
pub mod tokens;
pub mod users;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

/// The migrations in the repository's `migrations/`, compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The `LISTEN/NOTIFY` channel on which the handler and scheduler say what changed. Payloads
/// are JSON: `{"kind":"stand","id":…}`, `{"kind":"result","id":…,"stand":…}`,
/// `{"kind":"run","id":…,"stand":…,"state":…}`, `{"kind":"quarantine","id":…}`.
pub const NOTIFY_CHANNEL: &str = "standhub_events";

/// Opens a pool; fails fast (5 s) when the database is unreachable so callers can retry.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url
        .parse::<PgConnectOptions>()?
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
}

/// Applies the migrations not yet applied; returns the versions and descriptions it applied.
pub async fn migrate(pool: &PgPool) -> Result<Vec<(i64, String)>, sqlx::migrate::MigrateError> {
    let before: Vec<i64> = applied_versions(pool).await.unwrap_or_default();
    MIGRATOR.run(pool).await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| !before.contains(&m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect())
}

async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
}
