//! `messagehandler`: subscribes to the stands' inbound topics and stores every message.

use std::process::ExitCode;

fn main() -> ExitCode {
    messagehandler::heap::restart_with_a_fixed_mmap_threshold();
    domain::config::load_dotenv();
    domain::telemetry::init("info,sqlx=warn,rumqttc=warn");
    let config = match messagehandler::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("messagehandler: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("messagehandler: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(messagehandler::run(
        config,
        domain::telemetry::shutdown_signal(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "message handler stopped");
            eprintln!("messagehandler: {e}");
            ExitCode::FAILURE
        }
    }
}
