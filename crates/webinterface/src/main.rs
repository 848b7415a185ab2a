//! The `webinterface` binary: the web server and the operator commands (see `webinterface
//! --help`).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    domain::telemetry::init("info,sqlx=warn");
    match webinterface::cli::run(webinterface::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
