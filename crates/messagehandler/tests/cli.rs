//! The `messagehandler` command line: `--help` answers at once without any configuration, and
//! an unknown argument is refused (exit 2) pointing at `--help`, instead of starting a handler.

mod common;

use std::process::{Output, Stdio};

use common::handler_command;

/// Runs the binary with `args`, without `DATABASE_URL` or `MQTT_URL`, in an empty folder.
fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    handler_command()
        .args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("MQTT_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run messagehandler")
}

#[test]
fn help_prints_the_usage_without_configuration() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stdout}");
        for needle in [
            "Usage: messagehandler",
            "healthcheck",
            "DATABASE_URL",
            "HEALTH_FILE",
        ] {
            assert!(
                stdout.contains(needle),
                "{flag} must mention {needle}: {stdout}"
            );
        }
    }
}

#[test]
fn an_unknown_argument_exits_2_and_points_at_help() {
    let out = run(&["--frobnicate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--frobnicate") && stderr.contains("--help"),
        "{stderr}"
    );
}
