//! `videostream`: the MJPEG camera relay. Reads `VIDEOSTREAM_BIND`, `DATABASE_URL` and the
//! relay's settings (see the README), then serves until SIGINT or SIGTERM.

use std::net::SocketAddr;

use anyhow::Context;
use domain::config;

/// The relay's configuration, from the environment.
#[derive(Debug)]
struct Config {
    bind: SocketAddr,
    database_url: config::Secret,
    settings: videostream::Settings,
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
            settings: videostream::Settings::from_env()?,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::load_dotenv();
    domain::telemetry::init("info,sqlx=warn");
    let config = Config::from_env()?;
    let pool = domain::store::connect_at_startup(
        "videostream",
        config.database_url.expose(),
        5,
        domain::store::STARTUP_WAIT,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {} (VIDEOSTREAM_BIND)", config.bind))?;
    videostream::run(
        listener,
        pool,
        config.settings,
        domain::telemetry::shutdown_signal(),
    )
    .await?;
    tracing::info!("video relay stopped");
    Ok(())
}
