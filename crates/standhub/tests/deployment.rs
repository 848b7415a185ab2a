//! The deployment: the compose files validated by `docker-compose config`; the compose
//! topology run natively (Mosquitto and nginx with the project's configs, PostgreSQL, the four
//! services as separate processes) with every `test-cases/` script passing against it; and the
//! compose stack itself on a real Docker engine, as an operator runs it by the README
//! (`test-cases/run-compose-stack.sh`).

use std::process::Command;

use test_support::{repo_root, require_tool};

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

/// The folder of the four services as built for this test run.
fn services_bin_dir() -> String {
    test_support::services_bin_dir()
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

#[test]
fn the_test_cases_pass_against_the_compose_topology_run_natively() {
    run_script("run-native-stack.sh", &[&services_bin_dir()]);
}

/// `docker-compose up -d` on a real engine (started by the script when none runs), with base
/// images made from Debian packages and the image built from the Dockerfile with these binaries.
#[test]
fn the_compose_stack_runs_on_a_docker_engine_through_the_operators_day() {
    if !require_tool(
        test_support::root_with_tools(&["docker", "docker-compose", "debootstrap", "dockerd"]),
        "a Docker engine that root may start (docker.io, docker-compose, debootstrap)",
        "scripts/setup.sh, and run the tests as root",
    ) {
        return;
    }
    run_script("run-compose-stack.sh", &[&services_bin_dir()]);
}
