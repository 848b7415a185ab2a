//! The `messagehandler` command line: `--help` answers at once without any configuration, and
//! an unknown argument is refused (exit 2) pointing at `--help`, instead of starting a handler.

use std::path::Path;

use test_support::cli::{assert_help_without_configuration, assert_unknown_argument_refused};

const PROGRAM: &str = env!("CARGO_BIN_EXE_messagehandler");

#[test]
fn help_prints_the_usage_without_configuration() {
    assert_help_without_configuration(
        Path::new(PROGRAM),
        &[
            "Usage: messagehandler",
            "healthcheck",
            "DATABASE_URL",
            "HEALTH_FILE",
        ],
    );
}

#[test]
fn an_unknown_argument_exits_2_and_points_at_help() {
    assert_unknown_argument_refused(Path::new(PROGRAM));
}
