//! `scheduler`: reads the configuration, connects, and runs the jobs until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use scheduler::Config;

#[tokio::main]
async fn main() -> ExitCode {
    domain::config::load_dotenv();
    domain::telemetry::init("info,sqlx=warn");
    let (url, config) = match domain::config::required("DATABASE_URL")
        .and_then(|url| Ok((url, Config::from_env()?)))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scheduler: {e}");
            return ExitCode::from(2);
        }
    };
    let wait = domain::store::STARTUP_WAIT;
    let pool = match domain::store::connect_at_startup("scheduler", &url, 2, wait).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("scheduler: {e}");
            return ExitCode::FAILURE;
        }
    };
    match scheduler::run(config, pool, domain::telemetry::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scheduler: {e}");
            ExitCode::FAILURE
        }
    }
}
