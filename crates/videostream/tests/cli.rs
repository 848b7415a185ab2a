//! The `videostream` command line: `--help` answers at once without any configuration, and an
//! unknown argument is refused (exit 2) pointing at `--help`, instead of starting a relay.

use std::process::{Command, Output, Stdio};

/// Runs the binary with `args`, without `DATABASE_URL`, in an empty folder (no `.env`).
fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_videostream"))
        .args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run videostream")
}

#[test]
fn help_prints_the_usage_without_configuration() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stdout}");
        for needle in ["Usage: videostream", "VIDEOSTREAM_BIND", "DATABASE_URL"] {
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
