//! `standhub`: the whole stack in one process (see the crate documentation).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    messagehandler::mmap_threshold::restart_with_a_fixed_mmap_threshold();
    domain::config::load_dotenv();
    let options = standhub::Options::parse();
    // rumqttd logs every client that disconnects without DISCONNECT as an ERROR: off, unless
    // RUST_LOG asks for it.
    domain::telemetry::init("info,sqlx=warn,rumqttd=off,rumqttc=warn,tokio_cron_scheduler=warn");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("standhub: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C and SIGTERM are caught from here on, before anything is started (see
    // `shutdown_signal`): an early one stops what the launcher started, the private
    // PostgreSQL too.
    let shutdown = {
        let _inside = runtime.enter();
        domain::telemetry::shutdown_signal()
    };
    let outcome = match options.command.clone() {
        Some(standhub::Command::Simulate(simulate)) => {
            runtime.block_on(standhub::simulate::run(simulate, shutdown))
        }
        Some(standhub::Command::StandAccount { stand, remove }) => {
            runtime.block_on(standhub::stand_account(&options, &stand, remove))
        }
        None => runtime.block_on(standhub::run(options, shutdown)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("standhub: {e:#}");
            ExitCode::FAILURE
        }
    }
}
