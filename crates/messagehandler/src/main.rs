//! `messagehandler`: subscribes to the stands' inbound topics and stores every message; with
//! `healthcheck`, tells whether the running one is healthy (see `messagehandler --help`).

use std::process::ExitCode;

use domain::service_cli::{Mode, ServiceCli};

const NAME: &str = "messagehandler";

/// The command line: without a command it runs until SIGTERM or Ctrl-C.
const CLI: ServiceCli = ServiceCli {
    name: NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Subscribes to the stands' inbound MQTT topics, validates every message and stores \
            it in PostgreSQL. Without a command it runs until SIGTERM or Ctrl-C",
    environment: ENVIRONMENT,
    checked: "the handler",
};

const ENVIRONMENT: &str = "\
Environment (or .env; README.md, \"The message handler\"):
  DATABASE_URL            PostgreSQL URL (required to run)
  MQTT_URL                broker, mqtt://user:password@host:port [mqtt://127.0.0.1:8000]
  MQTT_CLIENT_ID          persistent session name [derived from MQTT_URL's credentials]
  INBOUND_TOPICS          subscriptions [+/inbound,Testdevice/+/Inbound,Testdevice/+/inbound];
                          $share/<group>/<filter> to share them with other handlers
  HANDLER_REPLICA         appended to the client id [with $share/: the host name]
  MAX_PAYLOAD_BYTES       larger messages are quarantined with their size only [16777216]
  QUARANTINE_MESSAGE_BYTES, QUARANTINE_TOPIC_BYTES   what the quarantine keeps
  QUARANTINE_TOTAL_BYTES [268435456], QUARANTINE_MAX_ROWS [100000]   over all topics
  AUTO_REGISTER           register unknown stands on their first message [true]
  HANDLER_MAX_BATCH, HANDLER_BATCH_BYTES, HANDLER_BUFFER_BYTES   batch and buffer limits
  SCHEMA_PATH             protocol schema [built-in]
  HEALTH_FILE             status file written every 5 s, read by `healthcheck`
                          [/tmp/messagehandler.health]
  HEALTH_MAX_AGE_SECONDS  `healthcheck`: an older status file is a hung handler [30]
  RUST_LOG, LOG_FORMAT=json   log filter, structured logs";

fn main() -> ExitCode {
    // First: `--help` and mistakes answer at once, without configuration or connections.
    if CLI.parse() == Mode::Healthcheck {
        domain::config::load_dotenv();
        return domain::health::healthcheck(NAME);
    }
    messagehandler::mmap_threshold::restart_with_a_fixed_mmap_threshold();
    domain::config::load_dotenv();
    domain::telemetry::init("info,sqlx=warn,rumqttc=warn");
    let config = match messagehandler::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{NAME}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let running = messagehandler::spawn(config, domain::telemetry::shutdown_signal());
        let status_file = domain::health::StatusFile::spawn(
            domain::health::file_from_env(NAME),
            running.health.clone(),
        );
        let result = running.task.await;
        status_file.stop().await;
        result
    });
    match result
        .map_err(messagehandler::HandlerError::from)
        .and_then(|r| r)
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "message handler stopped");
            eprintln!("{NAME}: {e}");
            ExitCode::FAILURE
        }
    }
}
