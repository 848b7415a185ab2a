//! The deployment as CI can check it without Docker: the compose files validated by
//! `docker-compose config`, and the compose topology run natively (Mosquitto and nginx with the
//! project's configs, PostgreSQL, the four services as separate processes) with every
//! `test-cases/` script passing against it.

use std::process::Command;

use test_support::{repo_root, workspace_bin};

/// Runs a test-cases script, echoing its PASS/FAIL lines, and asserts it passed.
fn run_script(script: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(repo_root().join("test-cases").join(script))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "{script} failed ({}): see the FAIL lines above",
        out.status
    );
    assert!(stdout.contains("PASS"), "{script} ran no case");
    assert!(!stdout.contains("FAIL"), "{script} reported a failure");
}

#[test]
fn the_compose_files_pass_docker_compose_config() {
    run_script("check-compose.sh", &[]);
}

#[test]
fn the_test_cases_pass_against_the_compose_topology_run_natively() {
    // The services as built for this test run (nextest builds every binary of the workspace).
    let bin_dir = workspace_bin("webinterface")
        .parent()
        .expect("bin dir")
        .to_owned();
    for b in ["messagehandler", "scheduler", "videostream"] {
        workspace_bin(b);
    }
    run_script(
        "run-native-stack.sh",
        &[bin_dir.to_str().expect("utf-8 path")],
    );
}
