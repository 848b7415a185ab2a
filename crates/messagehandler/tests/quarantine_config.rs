//! The quarantine's global bounds are configured by `QUARANTINE_TOTAL_BYTES` and
//! `QUARANTINE_MAX_ROWS`: `--help` lists them, and 0 or a value that is not a number is
//! refused at start (exit 2) with an error naming the variable.

use std::process::{Command, Stdio};

use test_support::cli::assert_configuration_refused;
use test_support::run_ok;

const PROGRAM: &str = env!("CARGO_BIN_EXE_messagehandler");

/// The binary with only `env` (and `PATH`) in its environment, in an empty folder (no
/// `.env` to pick up).
fn handler(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(PROGRAM);
    cmd.current_dir(dir.path())
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env.iter().copied());
    cmd
}

#[test]
fn zero_or_garbage_quarantine_bounds_are_refused_naming_the_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none");
    let cases = [
        ("QUARANTINE_MAX_ROWS", "0"),
        ("QUARANTINE_MAX_ROWS", "many"),
        ("QUARANTINE_MAX_ROWS", "-5"),
        ("QUARANTINE_TOTAL_BYTES", "abc"),
        ("QUARANTINE_TOTAL_BYTES", "0"),
        ("QUARANTINE_TOTAL_BYTES", "256MiB"),
    ];
    for (name, value) in cases {
        let mut handler = handler(&dir, &[url, (name, value)]);
        let case = format!("{name}={value}");
        assert_configuration_refused(&mut handler, "messagehandler", name, &case);
    }
}

#[test]
fn help_lists_the_global_quarantine_bounds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let help = run_ok(handler(&dir, &[]).arg("--help"), "messagehandler --help");
    for name in ["QUARANTINE_TOTAL_BYTES", "QUARANTINE_MAX_ROWS"] {
        assert!(help.contains(name), "--help must list {name}: {help}");
    }
}
