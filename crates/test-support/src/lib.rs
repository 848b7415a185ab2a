//! Test harness: starts what the tests need on free ports, so the same tests pass on a fresh
//! machine.
//!
//! - [`pg`]: a private PostgreSQL cluster (or the server at `TEST_DATABASE_URL`), one fresh
//!   migrated database per test, copied from a template and dropped afterwards;
//! - [`web`]: reading hidden form fields out of pages;
//! - [`camera`]: a fake MJPEG camera over real HTTP, for the video relay's tests and benchmark;
//! - [`mqtt`]: the embedded rumqttd broker and Mosquitto (when installed) as processes that
//!   tests can kill and restart, and [`mqtt::TestClient`], the one MQTT client of the tests;
//! - [`messages`]: protocol v1.1 status and data payloads as stands send them;
//! - [`runs`]: runs in the database as the web interface starts them;
//! - [`require_tool`]: the one place that decides whether a missing tool skips a test or, with
//!   `CI=true`, fails it;
//! - helpers to find the workspace's binaries, to name things uniquely, to wait for
//!   conditions and to read a process's memory ([`memory_kib`]).

pub mod architecture;
pub mod camera;
pub mod cli;
pub mod hogs;
pub mod messages;
pub mod mqtt;
pub mod pg;
pub mod runs;
pub mod web;

use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A memory figure of a process, in KiB, from `/proc/<pid>/status` (`pid` `None`: this
/// process): `field` such as `"VmRSS:"` (resident now) or `"VmHWM:"` (the peak so far).
/// `None` when the process or the field is not there.
pub fn memory_kib(pid: Option<u32>, field: &str) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `n` different ports nobody listens on right now (all held until all are chosen).
pub fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("cannot bind a local port"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("local address").port())
        .collect()
}

/// The IP address written `s`, for tests of address checks (`ip("::1")`).
pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("an IP address")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind a local port: is the loopback interface up?")
}

/// A short unique suffix (16 hex digits) for client ids and names shared across test processes.
pub fn uuid_like() -> String {
    format!("{:016x}", uuid::Uuid::new_v4().as_u64_pair().0)
}

/// The number in the environment variable `name` (a benchmark's knob), or `default` when it
/// is unset or not a number.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether this run is in CI (`CI=true`, as GitHub Actions and most CI systems set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Decides what a missing tool means: `found` passes through; when it is missing, a local run
/// says so loudly and skips (returns `false`), a CI run (`CI=true`) fails, so a CI image that
/// lost Chromium or Mosquitto cannot turn tests green by skipping them.
pub fn require_tool(found: bool, what: &str, install: &str) -> bool {
    if found {
        return true;
    }
    assert!(
        !in_ci(),
        "CI=true and {what} is not installed ({install}): in CI a missing tool fails the run"
    );
    eprintln!("\n\n*** SKIPPED: {what} is not installed ({install}) ***\n\n");
    false
}

/// Logs of the code under test, shown for failing tests.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,rumqttd=warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The path of a binary of this workspace (`target/<profile>/<name>`), built when missing.
/// In release (the benchmarks) it is always brought up to date first: cargo builds a bench's
/// own package's binaries, not another package's, and a stale one would measure old code. (A
/// bench takes its own package's binaries from `CARGO_BIN_EXE_*`: `cargo build --release`
/// would rebuild them for the release profile, and the next `cargo bench` back.)
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>")
        .to_path_buf();
    let path = dir.join(name);
    let release = dir.file_name().is_some_and(|p| p == "release");
    if release || !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "--bin", name];
        if release {
            args.push("--release");
        }
        let status = std::process::Command::new(cargo)
            .args(&args)
            .current_dir(repo_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --bin {name} failed");
    }
    path
}

/// The folder of the four services (`messagehandler`, `scheduler`, `videostream`,
/// `webinterface`) as built for this test run, for the scripts that run them natively or build
/// the compose image from them.
pub fn services_bin_dir() -> PathBuf {
    for b in ["messagehandler", "scheduler", "videostream"] {
        workspace_bin(b);
    }
    workspace_bin("webinterface")
        .parent()
        .expect("bin dir")
        .to_path_buf()
}

/// Whether this process runs as root and finds every one of `tools` on the `PATH` or in
/// `/usr/sbin` (what a test starting its own Docker engine needs).
pub fn root_with_tools(tools: &[&str]) -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    root && tools.iter().all(|t| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {t} || test -x /usr/sbin/{t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// A shutdown signal for a service under test: send on the sender (or drop it) to stop the
/// service that was given the future as its `shutdown`.
pub fn shutdown_signal() -> (
    tokio::sync::oneshot::Sender<()>,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    (stop, async move {
        let _ = stopped.await;
    })
}

/// Waits (30 s at most) until a service's count of broker subscriptions is above zero.
pub async fn wait_first_subscription(subscriptions: &mut tokio::sync::watch::Receiver<u64>) {
    tokio::time::timeout(Duration::from_secs(30), subscriptions.wait_for(|n| *n > 0))
        .await
        .expect("the service subscribes")
        .expect("service alive");
}

/// Polls `check` every 50 ms until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts `command` without input and with its output written to the file `log`, then waits
/// (20 s at most) until something listens on 127.0.0.1:`port`: the child, and whether it
/// listened in time (the caller's assertion says what did not start, with the log).
pub fn spawn_listening(command: &mut Command, log: &Path, port: u16) -> (Child, bool) {
    let file = std::fs::File::create(log).expect("create the log file");
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("start {:?}: {e}", command.get_program()));
    (child, wait_for_port(port, Duration::from_secs(20)))
}

/// Runs `command` to its end and returns its standard output; fails the test naming `what`,
/// with both outputs, when it fails.
pub fn run_ok(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}: {}\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs `command` to its end with `input` on its standard input; its output (stdout and
/// stderr captured).
pub fn output_with_input(command: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {:?}: {e}", command.get_program()));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write the input");
    drop(stdin);
    child.wait_with_output().expect("wait for the command")
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// Asserts that `run(large)` takes at most 2.5 times `run(small)` where `large` is twice
/// `small` (linear growth; a quadratic path takes 4×). The fastest of five interleaved runs
/// each — a loaded machine only ever adds time — and up to three tries, as a busy neighbour
/// may still spoil one.
pub async fn assert_linear<I: Copy, F, Fut>(what: &str, small: I, large: I, mut run: F)
where
    F: FnMut(I) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tries = Vec::new();
    for _ in 0..3 {
        let (mut t_small, mut t_large) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            for (input, best) in [(small, &mut t_small), (large, &mut t_large)] {
                let t = std::time::Instant::now();
                run(input).await;
                *best = (*best).min(t.elapsed());
            }
        }
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64();
        if ratio < 2.5 {
            return;
        }
        tries.push(format!("{ratio:.1}× ({t_small:?} → {t_large:?})"));
    }
    panic!("{what}: twice the input took {}", tries.join(", then "));
}
