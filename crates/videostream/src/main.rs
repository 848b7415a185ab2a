//! `videostream`: the MJPEG camera relay. Reads `VIDEOSTREAM_BIND`, `DATABASE_URL` and the
//! relay's settings (see the README and `videostream --help`), then serves until SIGINT or
//! SIGTERM.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use domain::config;

/// The MJPEG camera relay: one upstream connection per camera, any number of viewers. Serves
/// until SIGTERM or Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "videostream", version, after_help = ENVIRONMENT)]
struct Cli {}

const ENVIRONMENT: &str = "\
Environment (or .env; README.md, \"The video relay\"):
  VIDEOSTREAM_BIND        listen address [0.0.0.0:5555]
  DATABASE_URL            PostgreSQL URL: camera URLs, API tokens (required)
  SECRET_KEY              the web interface's key; checks the signed stream links
  CAMERA_ALLOWED_NETWORKS comma-separated CIDR list the camera addresses must be in
  VIDEOSTREAM_PUBLIC_VIEW [false], VIDEOSTREAM_OPEN_INSTALL [false]   the old relay's openness
  VIDEOSTREAM_MAX_CONNECTIONS  connections served at once [512]
  VIDEOSTREAM_MAX_CONNECTIONS_PER_CLIENT  of them from one address [32]
  VIDEOSTREAM_WRITE_TIMEOUT_SECONDS  a viewer that reads nothing this long is cut [30]
  VIDEOSTREAM_PROXIES          addresses/ranges/host names many viewers come through,
                               exempt from the per-client share [127.0.0.0/8,::1]
  CAMERA_ALLOW_LOOPBACK   cameras on this machine [false]
  MQTT_URL, MQTT_WS_BIND, WEB_BIND   only to know which addresses are the stack's own
  RUST_LOG, LOG_FORMAT=json   log filter, structured logs";

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
    // First: `--help` and mistakes answer at once, without configuration or connections.
    Cli::parse();
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
