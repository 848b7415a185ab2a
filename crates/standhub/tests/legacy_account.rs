//! The old stack's shared stand account through compose's Mosquitto setup, run natively as
//! compose runs it: `mosquitto/start.sh` with the project's `mosquitto.conf` (only ports and
//! folders moved, as `test-cases/run-native-stack.sh` does) and `mosquitto/acl`, the message
//! handler and a real PostgreSQL. In migration mode (`MQTT_LEGACY_STAND_USER`) an old stand's
//! status on `Testdevice/<stand>/Inbound` is stored and commands reach it; without it the
//! account is gone (its login refused and logged), and where an operator made it an ordinary
//! account its publish is refused and logged (`log_type debug`: "Denied PUBLISH"), never silent.
//! The launcher's side is in `tests/launcher/legacy.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use domain::StandId;
use rumqttc::QoS;
use test_support::mqtt::{TestClient, mosquitto_bin, try_connect};
use test_support::pg::TestDb;
use test_support::{
    free_port, output_with_input, repo_root, require_tool, spawn_listening, wait_for,
};

const HANDLER_PW: &str = "handler-pw-1";
const WEB_PW: &str = "web-pw-1";
const LEGACY_USER: &str = "team2";
const LEGACY_PW: &str = "old-shared-pw";

/// A folder laid out as compose mounts it: `config` (the project's configuration with ports and
/// paths moved), `data`, `acl.d` (written by start.sh), and the broker's output.
struct ComposeBroker {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl ComposeBroker {
    /// The folder, or `None` (skip) without Mosquitto.
    fn prepare() -> Option<Self> {
        let found = mosquitto_bin().is_some()
            && Command::new("sh")
                .args(["-c", "command -v mosquitto_passwd"])
                .output()
                .is_ok_and(|o| o.status.success());
        if !require_tool(
            found,
            "mosquitto and mosquitto_passwd",
            "Debian: apt-get install -y mosquitto",
        ) {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let (port, ws) = (free_port(), free_port());
        let root = dir.path();
        for d in ["config", "data"] {
            std::fs::create_dir_all(root.join(d)).expect("folder");
        }
        let conf = std::fs::read_to_string(repo_root().join("mosquitto/mosquitto.conf"))
            .expect("mosquitto.conf");
        let moved = conf
            .replace("listener 8000\n", &format!("listener {port} 127.0.0.1\n"))
            .replace("listener 8081\n", &format!("listener {ws} 127.0.0.1\n"))
            .replace("/mosquitto/", &format!("{}/", root.display()));
        assert!(
            moved.contains(&format!("acl_file {}/acl.d/acl", root.display())),
            "mosquitto.conf reads the ACL start.sh writes"
        );
        std::fs::write(root.join("config/mosquitto.conf"), moved).expect("write conf");
        std::fs::copy(repo_root().join("mosquitto/acl"), root.join("config/acl")).expect("acl");
        Some(Self {
            dir,
            port,
            child: None,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `mosquitto/start.sh` as compose does, with the service accounts and `env`.
    fn start(&mut self, env: &[(&str, &str)]) {
        let root = self.dir.path();
        if is_root() {
            // The broker drops to user mosquitto, as in its container.
            let _ = Command::new("chown")
                .args(["-R", "mosquitto:"])
                .arg(root)
                .status();
        }
        let mut command = Command::new("sh");
        command
            .arg(repo_root().join("mosquitto/start.sh"))
            .env("MOSQUITTO_CONFIG", root.join("config"))
            .env("MOSQUITTO_DATA", root.join("data"))
            .env("MOSQUITTO_CERTS", root.join("certs"))
            .env("MOSQUITTO_TLS_D", root.join("tls.d"))
            .env("MOSQUITTO_ACL_D", root.join("acl.d"))
            .env("MOSQUITTO_PID_FILE", root.join("mosquitto.pid"))
            .env("MQTT_HANDLER_PASSWORD", HANDLER_PW)
            .env("MQTT_WEB_PASSWORD", WEB_PW)
            .env(
                "PATH",
                format!("{}:/usr/sbin", std::env::var("PATH").unwrap_or_default()),
            )
            .envs(env.iter().copied());
        let log = self.path("broker.log");
        let (child, listening) = spawn_listening(&mut command, &log, self.port);
        self.child = Some(child);
        assert!(
            listening,
            "start.sh's broker did not listen; output:\n{}",
            self.log()
        );
    }

    /// Stops it as compose does (SIGTERM to start.sh, which stops the broker).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let _ = child.wait();
        }
    }

    /// SIGHUP to start.sh (`docker-compose kill -s HUP mosquitto`): the ACL written again and
    /// the broker told to read its files.
    fn reload(&self) {
        let child = self.child.as_ref().expect("running");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("HUP");
        std::thread::sleep(Duration::from_millis(500));
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("broker.log")).unwrap_or_default()
    }

    fn url(&self, user: &str, password: &str) -> String {
        format!("mqtt://{user}:{password}@127.0.0.1:{}", self.port)
    }

    /// Waits until the broker's log has a line holding every one of `needles`.
    async fn wait_log(&self, what: &str, needles: &[&str]) -> String {
        wait_for(what, Duration::from_secs(20), || async {
            self.log()
                .lines()
                .find(|l| needles.iter().all(|n| l.contains(n)))
                .map(str::to_owned)
        })
        .await
    }
}

impl Drop for ComposeBroker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// `add-user.sh -f <config>/passwd NAME`, the password on stdin, as an operator adds a stand.
fn add_user(passwd: &Path, name: &str, password: &str) {
    let mut add = Command::new("sh");
    add.arg(repo_root().join("mosquitto/add-user.sh"))
        .args(["--no-reload", "-f"])
        .arg(passwd)
        .arg(name);
    let out = output_with_input(&mut add, &format!("{password}\n"));
    assert!(
        out.status.success(),
        "add-user.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if is_root() {
        let _ = Command::new("chown").arg("mosquitto:").arg(passwd).status();
    }
}

async fn stored(db: &TestDb, stand: &str) -> bool {
    let id = StandId::parse(stand).expect("stand id");
    domain::store::stands::get(&db.pool, &id, chrono::Duration::seconds(300))
        .await
        .expect("query")
        .is_some()
}

fn legacy_status(stand: &str) -> (String, Vec<u8>) {
    (
        format!("Testdevice/{stand}/Inbound"),
        test_support::messages::status("200", stand)
            .to_string()
            .into_bytes(),
    )
}

#[tokio::test]
async fn the_old_shared_account_speaks_for_old_stands_only_in_migration_mode() {
    let Some(mut broker) = ComposeBroker::prepare() else {
        return;
    };
    let db = TestDb::new().await;
    broker.start(&[
        ("MQTT_LEGACY_STAND_USER", LEGACY_USER),
        ("MQTT_LEGACY_STAND_PASSWORD", LEGACY_PW),
    ]);
    assert!(
        broker.log().contains("WARNING: migration mode"),
        "{}",
        broker.log()
    );
    let config = messagehandler::Config::new(
        &db.url,
        broker
            .url("messagehandler", HANDLER_PW)
            .parse()
            .expect("url"),
    );
    let (stop, stopped) = test_support::shutdown_signal();
    let mut handler = messagehandler::spawn(config, stopped);
    test_support::wait_first_subscription(&mut handler.subscriptions).await;

    // An old stand, as its firmware was built: the shared account, the old topics.
    let mut old = TestClient::connect(&broker.url(LEGACY_USER, LEGACY_PW), "gammel_stand4711");
    old.subscribe(&["Testdevice/gammel_stand/Outbound"], QoS::AtLeastOnce)
        .await;
    let (topic, status) = legacy_status("gammel_stand");
    old.publish_confirmed(&topic, QoS::AtLeastOnce, status)
        .await;
    wait_for(
        "the old stand's status stored",
        Duration::from_secs(30),
        || {
            let db = &db;
            async move { stored(db, "gammel_stand").await.then_some(()) }
        },
    )
    .await;
    // Commands reach it on its old outbound topic.
    let mut web = TestClient::connect(&broker.url("webinterface", WEB_PW), "legacy-test-web");
    web.publish_confirmed(
        "Testdevice/gammel_stand/Outbound",
        QoS::AtLeastOnce,
        b"{\"msgType\":\"command\"}".to_vec(),
    )
    .await;
    let (got, _) = old.recv().await;
    assert_eq!(got, "Testdevice/gammel_stand/Outbound");

    // Only the stands' old inbound topics: not the current layout, not the services' topics.
    old.publish_confirmed(
        "gammel_stand/inbound",
        QoS::AtLeastOnce,
        test_support::messages::status("200", "ny_stand").to_string(),
    )
    .await;
    broker
        .wait_log(
            "the refused publish in the broker's log",
            &["Denied PUBLISH", "'gammel_stand/inbound'"],
        )
        .await;

    // Migration mode off (the variables emptied, `docker-compose up -d`): the account is gone.
    broker.stop();
    broker.start(&[]);
    broker
        .wait_log(
            "the account removed",
            &[
                "migration mode off",
                &format!("'{LEGACY_USER}' was removed"),
            ],
        )
        .await;
    let refused = try_connect(&broker.url(LEGACY_USER, LEGACY_PW), "gammel_stand4711").await;
    assert!(refused.is_err(), "the shared account still logs in");
    broker
        .wait_log("the refused login", &["not authorised"])
        .await;

    // An operator who makes it an ordinary account instead: its publish is refused, and the
    // broker says so (it used to be dropped silently, acknowledged with rc 0).
    add_user(&broker.path("config/passwd"), LEGACY_USER, LEGACY_PW);
    broker.reload();
    let mut again = TestClient::connect(&broker.url(LEGACY_USER, LEGACY_PW), "gammel_stand4712");
    let (topic, status) = legacy_status("andet_gammelt");
    again
        .publish_confirmed(&topic, QoS::AtLeastOnce, status)
        .await;
    let line = broker
        .wait_log(
            "the refused publish in the broker's log",
            &[
                "Denied PUBLISH from gammel_stand4712",
                &format!("'{topic}'"),
            ],
        )
        .await;
    eprintln!("broker: {line}");
    // The account's own topic, on the same connection, is the sentinel: messages of one client
    // arrive in order, so once it is stored a passed-on refused publish would be too.
    again
        .publish_confirmed(
            &format!("{LEGACY_USER}/inbound"),
            QoS::AtLeastOnce,
            test_support::messages::status("200", LEGACY_USER).to_string(),
        )
        .await;
    test_support::wait_for("the sentinel stored", Duration::from_secs(30), || {
        let db = &db;
        async move { stored(db, LEGACY_USER).await.then_some(()) }
    })
    .await;
    assert!(
        !stored(&db, "andet_gammelt").await,
        "a refused publish was stored"
    );

    // The log keeps refusals and connections, not every packet.
    let log = broker.log();
    assert!(!log.contains("Received PUBLISH"), "{log}");
    assert!(!log.contains("Sending PUBACK"), "{log}");

    let _ = stop.send(());
    handler.task.await.expect("handler").expect("handler ran");
}

#[test]
fn migration_mode_needs_its_password_and_no_service_name() {
    let Some(broker) = ComposeBroker::prepare() else {
        return;
    };
    for (env, needle) in [
        (
            vec![("MQTT_LEGACY_STAND_USER", LEGACY_USER)],
            "needs MQTT_LEGACY_STAND_PASSWORD",
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
                ("MQTT_LEGACY_STAND_USER", "team 2"),
                ("MQTT_LEGACY_STAND_PASSWORD", "x"),
            ],
            "is not a valid name",
        ),
    ] {
        let log = std::fs::File::create(broker.path("broker.log")).expect("log");
        let out = Command::new("sh")
            .arg(repo_root().join("mosquitto/start.sh"))
            .env("MOSQUITTO_CONFIG", broker.path("config"))
            .env("MOSQUITTO_ACL_D", broker.path("acl.d"))
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .status()
            .expect("start.sh");
        assert_eq!(out.code(), Some(2), "{env:?}: {}", broker.log());
        assert!(broker.log().contains(needle), "{env:?}: {}", broker.log());
    }
}
