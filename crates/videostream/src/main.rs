//! `videostream`: the MJPEG camera relay. Reads `VIDEOSTREAM_BIND` and `DATABASE_URL`, then
//! serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use domain::config;

/// The relay's configuration, from the environment.
#[derive(Debug)]
struct Config {
    bind: SocketAddr,
    database_url: config::Secret,
}

impl Config {
    fn from_env() -> Result<Self, config::ConfigError> {
        let default_bind: SocketAddr =
            videostream::DEFAULT_BIND
                .parse()
                .map_err(|e: std::net::AddrParseError| config::ConfigError::Invalid {
                    name: "VIDEOSTREAM_BIND",
                    value: videostream::DEFAULT_BIND.into(),
                    reason: e.to_string(),
                })?;
        Ok(Self {
            bind: config::parse_or("VIDEOSTREAM_BIND", default_bind)?,
            database_url: config::Secret::new(config::required("DATABASE_URL")?),
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::load_dotenv();
    domain::telemetry::init("info,sqlx=warn");
    let config = Config::from_env()?;
    let pool = connect(&config.database_url).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {} (VIDEOSTREAM_BIND)", config.bind))?;
    videostream::run(listener, pool, domain::telemetry::shutdown_signal()).await?;
    tracing::info!("video relay stopped");
    Ok(())
}

/// Connects to the database, retrying for a while so the relay may start before it.
async fn connect(url: &config::Secret) -> anyhow::Result<sqlx::PgPool> {
    let mut attempt = 1;
    loop {
        match domain::store::connect(url.expose(), 5).await {
            Ok(pool) => return Ok(pool),
            Err(e) if attempt < 10 => {
                tracing::warn!(error = %e, attempt, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                attempt += 1;
            }
            Err(e) => return Err(e).context("cannot connect to DATABASE_URL"),
        }
    }
}
