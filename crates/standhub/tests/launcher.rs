//! The launcher as a user runs it: the `standhub` binary from an empty data directory, then
//! again on the same directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use test_support::mqtt::{ws_connect_accepted, ws_publish};
use test_support::{free_ports, run_ok, wait_for, workspace_bin};

#[path = "launcher/confinement.rs"]
mod confinement;
#[path = "launcher/legacy.rs"]
mod legacy;
#[path = "launcher/lifecycle.rs"]
mod lifecycle;

/// A running launcher and everything it printed so far.
struct Launcher {
    child: Child,
    output: Arc<Mutex<String>>,
    web: u16,
    mqtt: u16,
    mqtt_ws: u16,
}

struct Ports {
    web: u16,
    video: u16,
    mqtt: u16,
    mqtt_ws: u16,
}

impl Ports {
    fn free() -> Self {
        let p = free_ports(4);
        Self {
            web: p[0],
            video: p[1],
            mqtt: p[2],
            mqtt_ws: p[3],
        }
    }
}

fn launcher_command(data: &Path, ports: &Ports) -> Command {
    let mut cmd = Command::new(workspace_bin("standhub"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("SECRET_KEY")
        .env_remove("STANDHUB_ADMIN_PASSWORD")
        .env_remove("MQTT_URL")
        .env_remove("MQTT_ALLOW_ANONYMOUS")
        .env_remove("MQTT_LEGACY_STAND_USER")
        .env_remove("MQTT_LEGACY_STAND_PASSWORD")
        .env("STANDHUB_DATA_DIR", data)
        .env("WEB_BIND", format!("127.0.0.1:{}", ports.web))
        .env("VIDEOSTREAM_BIND", format!("127.0.0.1:{}", ports.video))
        .env("MQTT_BIND", format!("127.0.0.1:{}", ports.mqtt))
        .env("MQTT_WS_BIND", format!("127.0.0.1:{}", ports.mqtt_ws))
        .env("RUST_LOG", "warn")
        // No `.env` of the repository: the test sets what it needs.
        .current_dir(data.parent().expect("parent"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

impl Launcher {
    fn start(data: &Path, ports: &Ports) -> Self {
        Self::start_with(data, ports, &[])
    }

    /// Starts it with extra environment variables.
    fn start_with(data: &Path, ports: &Ports, env: &[(&str, &str)]) -> Self {
        let mut child = launcher_command(data, ports)
            .envs(env.iter().copied())
            .spawn()
            .expect("start standhub");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    eprintln!("[standhub] {line}");
                    let mut out = output.lock().expect("output");
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        Self {
            child,
            output,
            web: ports.web,
            mqtt: ports.mqtt,
            mqtt_ws: ports.mqtt_ws,
        }
    }

    fn output(&self) -> String {
        self.output.lock().expect("output").clone()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.web)
    }

    /// Waits for the banner (everything started) and a healthy web interface.
    async fn ready(&mut self) {
        wait_for("the launcher's banner", Duration::from_secs(120), || {
            let out = self.output();
            let exited = self.child.try_wait().expect("try_wait");
            assert!(exited.is_none(), "standhub exited ({exited:?}):\n{out}");
            async move { out.contains("standhub is running").then_some(()) }
        })
        .await;
        let health = reqwest::get(self.url("/healthz")).await.expect("healthz");
        assert_eq!(health.status(), 200);
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "standhub did not stop on SIGTERM:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory the `postgres` user can reach when the test runs as root.
fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(
        temp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let data = temp.path().join("data");
    (temp, data)
}

/// `GET url` with `client`: the answer, unread.
async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    let r = client.get(&url).send().await;
    r.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

async fn login(launcher: &Launcher, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let form = get(&client, launcher.url("/login")).await;
    let form = form.text().await.expect("html");
    let csrf = test_support::web::hidden_field(&form, "csrf");
    let r = client
        .post(launcher.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin"),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "the admin could not log in");
    client
}

fn status(code: &str) -> String {
    test_support::messages::status(code, "launcher-test").to_string()
}

/// The stand whose account the first start makes.
const DEMO: &str = "demo_module";

/// `mqtt://demo_module:<password>@127.0.0.1:<port>`, or anonymous without a password.
fn mqtt_url(port: u16, stand_password: Option<&str>) -> String {
    match stand_password {
        Some(p) => format!("mqtt://{DEMO}:{p}@127.0.0.1:{port}"),
        None => format!("mqtt://127.0.0.1:{port}"),
    }
}

/// `standhub stand-account <stand>` beside the running launcher: the password it prints.
fn stand_account(data: &Path, stand: &str) -> String {
    let mut command = Command::new(workspace_bin("standhub"));
    command
        .env_remove("DATABASE_URL")
        .env("STANDHUB_DATA_DIR", data)
        .current_dir(data.parent().expect("parent"))
        .args(["stand-account", stand]);
    let text = run_ok(&mut command, "standhub stand-account");
    text.lines()
        .find_map(|l| l.trim().strip_prefix("password:"))
        .expect("the password is printed")
        .trim()
        .to_owned()
}

/// Publishes over TCP at QoS 1 and waits for the broker's acknowledgement.
async fn publish_tcp(url: &str, topic: &str, payload: String) {
    let mut stand = test_support::mqtt::TestClient::connect(url, "launcher-test-tcp");
    stand
        .publish_confirmed(topic, rumqttc::QoS::AtLeastOnce, payload)
        .await;
}

async fn stand_codes(client: &reqwest::Client, launcher: &Launcher) -> Vec<(String, String)> {
    let stands = get(client, launcher.url("/api/stands")).await;
    let stands: Value = stands.json().await.expect("json");
    stands
        .as_array()
        .expect("array")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                // The code as a number, however the API spells it.
                s["status_code"].to_string().trim_matches('"').to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn starts_empty_ingests_over_tcp_and_websockets_and_keeps_its_data_across_a_restart() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();

    // First start: makes the cluster, migrates, creates the admin and says how to log in.
    let mut launcher = Launcher::start(&data, &ports);
    launcher.ready().await;
    let banner = launcher.output();
    assert!(
        banner.contains("creating a private PostgreSQL cluster"),
        "{banner}"
    );
    assert!(banner.contains("log in as `admin`"), "{banner}");
    assert!(
        banner.contains(&format!("http://127.0.0.1:{}/", ports.web)),
        "{banner}"
    );
    let password = std::fs::read_to_string(data.join("initial-admin-password"))
        .expect("the generated password is kept in the data directory");
    let password = password.trim().to_owned();
    assert!(banner.contains(&password), "the banner shows the password");

    let client = login(&launcher, &password).await;
    let dashboard = get(&client, launcher.url("/")).await;
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().await.expect("html").contains("<html"));

    // The broker has accounts: the first stand's is printed once and kept in a file until
    // deleted; anonymous clients are refused on both listeners.
    let stand_password = std::fs::read_to_string(data.join("initial-mqtt-stand-password"))
        .expect("the stand password is kept in the data directory");
    let stand_password = stand_password.trim().to_owned();
    let banner = launcher.output();
    assert!(
        banner.contains(&format!(
            "stand `{DEMO}` connects to the MQTT broker as user `{DEMO}` with password: {stand_password}"
        )),
        "{banner}"
    );
    let anonymous = mqtt_url(launcher.mqtt, None);
    let refused = test_support::mqtt::try_connect(&anonymous, "anonymous").await;
    assert!(
        refused.is_err(),
        "an anonymous client was accepted over TCP"
    );
    let wrong = test_support::mqtt::try_connect(&mqtt_url(launcher.mqtt, Some("wrong")), "x").await;
    assert!(wrong.is_err(), "a wrong password was accepted");
    assert!(
        !ws_connect_accepted(launcher.mqtt_ws, None),
        "anonymous over websockets"
    );
    assert!(ws_connect_accepted(
        launcher.mqtt_ws,
        Some((DEMO, &stand_password))
    ));
    assert!(!banner.contains("WARNING"), "{banner}");

    // A second stand gets its own account from the operator command while the launcher runs;
    // the broker takes it within a second.
    let ws_password = stand_account(&data, "ws-stand");
    wait_for("the new account", Duration::from_secs(10), || {
        let ok = ws_connect_accepted(launcher.mqtt_ws, Some(("ws-stand", &ws_password)));
        async move { ok.then_some(()) }
    })
    .await;

    // A stand on TCP, another on websockets, through the embedded broker into the database.
    let stand_url = mqtt_url(launcher.mqtt, Some(&stand_password));
    publish_tcp(&stand_url, &format!("{DEMO}/inbound"), status("200")).await;
    ws_publish(
        launcher.mqtt_ws,
        ("ws-stand", &ws_password),
        "ws-stand/inbound",
        &status("202"),
    );
    let expected = vec![
        (DEMO.to_owned(), "200".to_owned()),
        ("ws-stand".to_owned(), "202".to_owned()),
    ];
    wait_for("both stands in the API", Duration::from_secs(30), || {
        let (client, launcher, expected) = (&client, &launcher, &expected);
        async move {
            let mut codes = stand_codes(client, launcher).await;
            codes.sort();
            (codes == *expected).then_some(())
        }
    })
    .await;
    confinement::a_stand_account_speaks_only_for_its_own_stand(
        &launcher.url(""),
        &client,
        launcher.mqtt,
        (DEMO, &stand_password),
        ("ws-stand", &ws_password),
    )
    .await;
    let mut codes = stand_codes(&client, &launcher).await;
    codes.sort();
    assert_eq!(codes, expected, "nothing spoofed reached the other stand");
    // The refusals are visible to the operator: a log line and a count on /metrics.
    legacy::refusals_are_counted_and_logged(&launcher.url(""), &client, DEMO, 4, || {
        launcher.output()
    })
    .await;
    // Without migration mode the old stack's shared account does not exist.
    let shared = format!("mqtt://team2:old-shared-pw@127.0.0.1:{}", launcher.mqtt);
    assert!(
        test_support::mqtt::try_connect(&shared, "gammel_stand4711")
            .await
            .is_err(),
        "the shared account logged in without migration mode"
    );

    // SIGTERM stops everything, the private cluster included.
    let status = launcher.stop();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !data.join("postgres/postmaster.pid").exists(),
        "the private cluster is stopped on exit"
    );

    // Second start on the same directory, with anonymous MQTT allowed: same data, same admin,
    // no new password, the same stand account, and the warning.
    std::fs::remove_file(data.join("initial-mqtt-stand-password")).expect("delete it");
    let mut launcher = Launcher::start_with(&data, &ports, &[("MQTT_ALLOW_ANONYMOUS", "true")]);
    launcher.ready().await;
    let banner = launcher.output();
    assert!(
        !banner.contains("creating a private PostgreSQL cluster"),
        "{banner}"
    );
    assert!(!banner.contains("log in as `admin`"), "{banner}");
    assert!(
        !banner.contains(&stand_password),
        "printed once only: {banner}"
    );
    assert!(
        banner.contains("WARNING: the MQTT broker accepts clients without an account"),
        "{banner}"
    );
    test_support::mqtt::try_connect(&anonymous, "anonymous")
        .await
        .expect("anonymous accepted with the flag");
    assert!(
        ws_connect_accepted(launcher.mqtt_ws, None),
        "anonymous over websockets"
    );
    test_support::mqtt::try_connect(&stand_url, "stand-again")
        .await
        .expect("the stand account is kept");
    let client = login(&launcher, &password).await;
    let mut codes = stand_codes(&client, &launcher).await;
    codes.sort();
    assert_eq!(codes, expected, "the stands survived the restart");
    assert!(launcher.stop().success());
}

/// Settings the operator gives at start. A password given through the setting is the
/// operator's own secret: the banner names the setting instead of printing it, and no password
/// file is written. Migration mode lets the old stack's shared stand account speak for old
/// stands (with a warning), on their old topics only.
#[tokio::test]
async fn an_admin_password_from_the_setting_is_not_printed_and_migration_mode_takes_old_stands() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    let given = "given-Admin-Passw0rd-7341";
    let shared = ("team2", "old-shared-pw");
    let mut launcher = Launcher::start_with(
        &data,
        &ports,
        &[
            ("STANDHUB_ADMIN_PASSWORD", given),
            ("MQTT_LEGACY_STAND_USER", shared.0),
            ("MQTT_LEGACY_STAND_PASSWORD", shared.1),
        ],
    );
    launcher.ready().await;
    wait_for("the whole banner", Duration::from_secs(10), || {
        let out = launcher.output();
        async move { out.contains("Operator commands").then_some(()) }
    })
    .await;
    let banner = launcher.output();
    assert!(banner.contains("log in as `admin`"), "{banner}");
    assert!(banner.contains("STANDHUB_ADMIN_PASSWORD"), "{banner}");
    assert!(
        !banner.contains(given),
        "the given password was printed:\n{banner}"
    );
    assert!(!data.join("initial-admin-password").exists());
    let client = login(&launcher, given).await;
    assert!(
        banner.contains("WARNING: migration mode: the shared stand account `team2`"),
        "{banner}"
    );
    assert!(
        !banner.contains(shared.1),
        "the shared password was printed"
    );
    legacy::the_shared_account_speaks_for_old_stands_only(
        &launcher.url(""),
        &client,
        launcher.mqtt,
        shared,
        || launcher.output(),
    )
    .await;
    assert!(launcher.stop().success());
}

#[tokio::test]
async fn migration_mode_needs_both_settings_and_no_service_name() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    for (env, needle) in [
        (
            vec![("MQTT_LEGACY_STAND_USER", "team2")],
            "needs MQTT_LEGACY_STAND_PASSWORD",
        ),
        (
            vec![("MQTT_LEGACY_STAND_PASSWORD", "x")],
            "without MQTT_LEGACY_STAND_USER",
        ),
        (
            vec![
                ("MQTT_LEGACY_STAND_USER", "messagehandler"),
                ("MQTT_LEGACY_STAND_PASSWORD", "x"),
            ],
            "may not be the service account",
        ),
        (
            vec![
                ("MQTT_LEGACY_STAND_USER", "team/2"),
                ("MQTT_LEGACY_STAND_PASSWORD", "x"),
            ],
            "not a usable user name",
        ),
    ] {
        let out = launcher_command(&data, &ports)
            .envs(env.iter().copied())
            .output()
            .expect("run standhub");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?}");
        assert!(text.contains(needle), "{env:?}: {text}");
    }
}
