//! The `videostream` command line: `--help` answers at once without any configuration, and an
//! unknown argument is refused (exit 2) pointing at `--help`, instead of starting a relay.

use std::path::Path;

use test_support::cli::{assert_help_without_configuration, assert_unknown_argument_refused};

const PROGRAM: &str = env!("CARGO_BIN_EXE_videostream");

#[test]
fn help_prints_the_usage_without_configuration() {
    assert_help_without_configuration(
        Path::new(PROGRAM),
        &["Usage: videostream", "VIDEOSTREAM_BIND", "DATABASE_URL"],
    );
}

#[test]
fn an_unknown_argument_exits_2_and_points_at_help() {
    assert_unknown_argument_refused(Path::new(PROGRAM));
}
