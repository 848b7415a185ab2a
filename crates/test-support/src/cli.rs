//! The services' command lines as an operator meets them: `--help` answers at once without any
//! configuration (no `DATABASE_URL`, no `.env`, no connection), and an unknown argument is
//! refused with exit code 2 pointing at `--help` instead of starting the service.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `program` with `args` in an empty folder (no `.env`), with none of the variables that
/// would let it connect anywhere.
fn run_unconfigured(program: &Path, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir.path()).stdin(Stdio::null());
    for v in ["DATABASE_URL", "MQTT_URL", "SECRET_KEY"] {
        cmd.env_remove(v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

/// `--help` and `-h` exit 0 and print a usage that mentions each of `needles` (its name, its
/// commands, the variables it reads).
pub fn assert_help_without_configuration(program: &Path, needles: &[&str]) {
    for flag in ["--help", "-h"] {
        let out = run_unconfigured(program, &[flag]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stdout}");
        for needle in needles {
            assert!(
                stdout.contains(needle),
                "{flag} must mention {needle}: {stdout}"
            );
        }
    }
}

/// An unknown flag exits 2 naming the flag and `--help`.
pub fn assert_unknown_argument_refused(program: &Path) {
    let out = run_unconfigured(program, &["--frobnicate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--frobnicate") && stderr.contains("--help"),
        "{stderr}"
    );
}

/// Runs `command` (the service `program`, given a configuration it must refuse) and asserts
/// the refusal: exit code 2 and a line `<program>: …` on stderr that names `named`. `case`
/// describes the configuration in the failure message.
pub fn assert_configuration_refused(command: &mut Command, program: &str, named: &str, case: &str) {
    let out = command.output().expect("run the binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
    let prefix = format!("{program}: ");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&prefix) && l.contains(named)),
        "{case} must be refused naming {named}: {stderr}"
    );
}
