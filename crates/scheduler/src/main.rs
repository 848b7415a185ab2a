//! `scheduler`: reads the configuration, connects, and runs the jobs until SIGTERM or Ctrl-C;
//! with `healthcheck`, tells whether the running one is healthy (see `scheduler --help`).

use std::process::ExitCode;

use domain::health::{self, Health, StatusFile};
use domain::service_cli::{Mode, ServiceCli};
use scheduler::Config;

const NAME: &str = "scheduler";

/// The command line: without a command it runs until SIGTERM or Ctrl-C.
const CLI: ServiceCli = ServiceCli {
    name: NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Runs the stand hub's timed jobs (retention, run time-outs, offline detection, \
            pruning); one instance acts at a time, others wait as standbys. Without a command \
            it runs until SIGTERM or Ctrl-C",
    environment: ENVIRONMENT,
    checked: "the scheduler",
};

const ENVIRONMENT: &str = "\
Environment (or .env; README.md, \"The scheduler\"):
  DATABASE_URL            PostgreSQL URL (required to run)
  CRON_RETENTION, CRON_RUN_TIMEOUT, CRON_OFFLINE, CRON_PRUNE, CRON_PRUNE_SESSIONS,
  CRON_PRUNE_LOGIN_ATTEMPTS   when each job runs (6 fields, with seconds)
  RETENTION_DAYS [30], OFFLINE_AFTER_SECONDS [300], STATUS_HISTORY_DAYS [90],
  QUARANTINE_DAYS [90], JOB_RUNS_DAYS [30], LOGIN_ATTEMPTS_DAYS [30]   the jobs' age limits
  SCHEDULER_STANDBY_POLL_SECONDS  how often a standby tries to take over [5]
  SCHEDULER_INSTANCE      name recorded with each job run [<hostname>-<pid>]
  HEALTH_FILE             status file written every 5 s, read by `healthcheck`
                          [/tmp/scheduler.health]
  HEALTH_MAX_AGE_SECONDS  `healthcheck`: an older status file is a hung scheduler [30]
  RUST_LOG, LOG_FORMAT=json   log filter, structured logs";

#[tokio::main]
async fn main() -> ExitCode {
    // First: `--help` and mistakes answer at once, without configuration or connections.
    let mode = CLI.parse();
    domain::config::load_dotenv();
    if mode == Mode::Healthcheck {
        return health::healthcheck(NAME);
    }
    domain::telemetry::init("info,sqlx=warn");
    let (url, config) = match domain::config::required("DATABASE_URL")
        .and_then(|url| Ok((url, Config::from_env()?)))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::from(2);
        }
    };
    // The status file from the start: while the database is awaited it says so.
    let health = Health::new();
    let status_file = StatusFile::spawn(health::file_from_env(NAME), health.clone());
    let startup = health.part("waiting for the database at start-up");
    let code = run(url, config, &health, startup).await;
    status_file.stop().await;
    code
}

/// Connects, then runs the jobs while a task keeps the database's part of `health` current.
async fn run(url: String, config: Config, health: &Health, startup: health::Part) -> ExitCode {
    let wait = domain::store::STARTUP_WAIT;
    let pool = match domain::store::connect_at_startup(NAME, &url, 2, wait).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            return ExitCode::FAILURE;
        }
    };
    startup.ok();
    let database_check = health::spawn_database_check(pool.clone(), health);
    let result = scheduler::run(config, pool, domain::telemetry::shutdown_signal()).await;
    database_check.abort();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::FAILURE
        }
    }
}
