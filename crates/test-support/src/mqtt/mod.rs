//! MQTT for tests: brokers as child processes on free ports (the embedded rumqttd broker, the
//! `embedded-broker` binary, and Mosquitto with the project's own limits), and
//! [`TestClient`] (in `client`), the one client every test publishes and subscribes with.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet};

use crate::{free_port, repo_root, require_tool, spawn_listening, workspace_bin};

mod client;
pub use client::TestClient;

/// Which broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerKind {
    /// rumqttd, as the launcher embeds it.
    Embedded,
    /// Mosquitto, as docker-compose runs it.
    Mosquitto,
}

/// The Mosquitto binary, when installed.
pub fn mosquitto_bin() -> Option<PathBuf> {
    installed("mosquitto")
}

/// A program on `PATH` or in the `sbin` folders (where Debian puts `mosquitto`).
fn installed(program: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The brokers this machine can run: always the embedded one, Mosquitto when installed (with
/// `CI=true`, a missing Mosquitto fails the test instead).
pub fn available_brokers() -> Vec<BrokerKind> {
    let mut kinds = vec![BrokerKind::Embedded];
    if require_tool(
        mosquitto_bin().is_some(),
        "mosquitto (the tests run against the embedded broker only)",
        "Debian: apt-get install -y mosquitto",
    ) {
        kinds.push(BrokerKind::Mosquitto);
    }
    kinds
}

/// A broker process on a free port, killed on drop.
pub struct Broker {
    /// Which broker.
    pub kind: BrokerKind,
    /// Its MQTT port.
    pub port: u16,
    /// Its websocket port (embedded broker only).
    pub ws_port: u16,
    /// Its accounts (user, password); empty: anonymous access.
    pub accounts: Vec<(String, String)>,
    /// Mosquitto only: the password file it checks accounts against, with the project's
    /// `mosquitto/acl`; `None`: anonymous access and no ACL.
    password_file: Option<PathBuf>,
    /// The folder of the password file, when the broker made it.
    files: Option<tempfile::TempDir>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Broker {
    /// Starts a broker of `kind` that accepts anonymous clients.
    pub fn start(kind: BrokerKind) -> Self {
        Self::start_with_accounts(kind, &[])
    }

    /// Starts a broker of `kind` that accepts only these accounts (user, password) when any are
    /// given (the embedded broker only; as the launcher, `messagehandler` and `webinterface`
    /// are its services).
    pub fn start_with_accounts(kind: BrokerKind, accounts: &[(&str, &str)]) -> Self {
        assert!(
            accounts.is_empty() || kind == BrokerKind::Embedded,
            "accounts: embedded broker only"
        );
        Self::launched(kind, accounts, None)
    }

    /// Starts Mosquitto as compose runs it: no anonymous access, the accounts of
    /// `password_file` (as `mosquitto/add-user.sh` writes it; `accounts` are their user and
    /// password, for [`Broker::url_as`]) and the project's `mosquitto/acl`.
    pub fn start_mosquitto_with_acl(password_file: PathBuf, accounts: &[(&str, &str)]) -> Self {
        Self::launched(BrokerKind::Mosquitto, accounts, Some(password_file))
    }

    /// A broker of `kind` on free ports with these accounts (and Mosquitto's password file),
    /// started.
    fn launched(
        kind: BrokerKind,
        accounts: &[(&str, &str)],
        password_file: Option<PathBuf>,
    ) -> Self {
        let mut broker = Self {
            kind,
            port: free_port(),
            ws_port: free_port(),
            accounts: accounts
                .iter()
                .map(|(u, p)| ((*u).to_owned(), (*p).to_owned()))
                .collect(),
            password_file,
            files: None,
            dir: tempfile::tempdir().expect("temp dir for the broker"),
            child: None,
        };
        broker.launch();
        broker
    }

    /// Starts Mosquitto as compose runs it (see [`Broker::start_mosquitto_with_acl`]) with
    /// these accounts (user, password), written with `mosquitto_passwd`. `None` when Mosquitto
    /// is not installed: the caller skips (with `CI=true` the test fails instead).
    pub fn start_mosquitto_with_accounts(accounts: &[(&str, &str)]) -> Option<Self> {
        let passwd = installed("mosquitto_passwd");
        if !require_tool(
            mosquitto_bin().is_some() && passwd.is_some(),
            "mosquitto and mosquitto_passwd",
            "Debian: apt-get install -y mosquitto",
        ) {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir for the password file");
        let file = dir.path().join("passwd");
        std::fs::write(&file, "").expect("password file");
        for (user, password) in accounts {
            let status = Command::new(passwd.as_ref()?)
                .arg("-b")
                .arg(&file)
                .args([user, password])
                .status()
                .expect("run mosquitto_passwd");
            assert!(status.success(), "mosquitto_passwd {user}: {status}");
        }
        let mut broker = Self::start_mosquitto_with_acl(file, accounts);
        // The password file lives as long as the broker.
        broker.files = Some(dir);
        Some(broker)
    }

    /// `mqtt://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// `mqtt://user:password@127.0.0.1:<port>` for one of its accounts.
    pub fn url_as(&self, user: &str) -> String {
        let (_, password) = self
            .accounts
            .iter()
            .find(|(u, _)| u == user)
            .expect("no such account");
        format!("mqtt://{user}:{password}@127.0.0.1:{}", self.port)
    }

    fn launch(&mut self) {
        let mut cmd = match self.kind {
            BrokerKind::Embedded => {
                let mut c = Command::new(workspace_bin("embedded-broker"));
                c.arg(format!("127.0.0.1:{}", self.port))
                    .arg(format!("127.0.0.1:{}", self.ws_port));
                c.env("RUST_LOG", "warn");
                let accounts: Vec<String> = self
                    .accounts
                    .iter()
                    .map(|(u, p)| format!("{u}:{p}"))
                    .collect();
                c.env("EMBEDDED_BROKER_ACCOUNTS", accounts.join(","));
                c
            }
            BrokerKind::Mosquitto => {
                let conf = self.dir.path().join("mosquitto.conf");
                let config = mosquitto_test_config(
                    self.port,
                    self.dir.path(),
                    self.password_file.as_deref(),
                );
                std::fs::write(&conf, config).expect("write mosquitto.conf");
                let mut c = Command::new(mosquitto_bin().expect("mosquitto installed"));
                c.arg("-c").arg(conf);
                c
            }
        };
        let log = self.dir.path().join("broker.log");
        let (child, listening) = spawn_listening(&mut cmd, &log, self.port);
        self.child = Some(child);
        assert!(
            listening,
            "{:?} broker did not listen on {}; log:\n{}",
            self.kind,
            self.port,
            self.log()
        );
    }

    /// The broker's process id while it runs (for benchmarks reading its CPU time).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The broker's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("broker.log")).unwrap_or_default()
    }

    /// Kills the broker (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the broker gracefully (SIGTERM: Mosquitto saves its persistence file).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let _ = child.wait();
        }
    }

    /// Starts it again on the same ports (after [`Broker::kill`] or [`Broker::stop`]).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "broker still running");
        self.launch();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The project's `mosquitto/mosquitto.conf` with listeners, files and auth replaced for a test:
/// its queue and size limits are kept, because the tests must prove those limits work. With a
/// `password_file`, only its accounts get in, under the project's `mosquitto/acl`.
fn mosquitto_test_config(
    port: u16,
    dir: &std::path::Path,
    password_file: Option<&std::path::Path>,
) -> String {
    let project = std::fs::read_to_string(repo_root().join("mosquitto/mosquitto.conf"))
        .expect("read mosquitto/mosquitto.conf");
    let replaced = [
        "listener",
        "protocol",
        "password_file",
        "acl_file",
        "allow_anonymous",
        "persistence_location",
        "log_dest",
        "per_listener_settings",
        "user",
        "pid_file",
    ];
    let mut out: String = project
        .lines()
        .filter(|l| {
            let key = l.split_whitespace().next().unwrap_or("");
            // Debug logging (on for the refused publishes, its per-packet lines dropped by
            // mosquitto/start.sh) would log every packet of the load tests here.
            !replaced.contains(&key) && l.trim() != "log_type debug"
        })
        .map(|l| {
            // The TLS listeners' folder (mosquitto/start.sh fills it in compose when a
            // certificate is given): empty here, as without a certificate.
            if l.split_whitespace().next() == Some("include_dir") {
                let tls = dir.join("tls.d");
                std::fs::create_dir_all(&tls).expect("tls.d");
                format!("include_dir {}\n", tls.display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let auth = match password_file {
        Some(file) => format!(
            "allow_anonymous false\npassword_file {}\nacl_file {}\n",
            file.display(),
            repo_root().join("mosquitto/acl").display()
        ),
        None => "allow_anonymous true\n".to_owned(),
    };
    out.push_str("per_listener_settings false\n");
    out.push_str(&auth);
    out.push_str(&format!(
        "user root\nlistener {port} 127.0.0.1\n\
         persistence_location {}/\nlog_dest stderr\n",
        dir.display()
    ));
    out
}

/// Connects once to `url` (`mqtt://[user:password@]host:port`) as client `id`: `Ok` when the
/// broker accepts (CONNACK 0), `Err` with the reason when it refuses or drops the connection
/// (rumqttd drops it on bad credentials), or does not answer within 10 s.
pub async fn try_connect(url: &str, id: &str) -> Result<(), String> {
    let url: domain::config::MqttUrl = url.parse().expect("broker url");
    let mut options = MqttOptions::new(id, url.host, url.port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some((user, password)) = &url.credentials {
        options.set_credentials(user, password.expose());
    }
    let (_client, mut events) = AsyncClient::new(options, 10);
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    return if ack.code == rumqttc::ConnectReturnCode::Success {
                        Ok(())
                    } else {
                        Err(format!("refused: {:?}", ack.code))
                    };
                }
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await;
    outcome.unwrap_or_else(|_| Err("no answer within 10 s".into()))
}

/// Connects to the MQTT-over-websockets listener on 127.0.0.1:`port` (path `/mqtt`) with the
/// test cases' standard-library client (`test-cases/mqtt_ws.py`), anonymously or with `login`:
/// whether the broker accepted (CONNACK 0).
pub fn ws_connect_accepted(port: u16, login: Option<(&str, &str)>) -> bool {
    let mut cmd = ws_client("connect", port);
    cmd.args(["--timeout", "5"]);
    if let Some((user, password)) = login {
        cmd.args(["--user", user, "--password", password]);
    }
    let out = cmd.output().expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("websocket connect (login: {}): {text}", login.is_some());
    out.status.success() && text.contains("CONNACK 0")
}

/// Publishes `payload` on `topic` over websockets (as [`ws_connect_accepted`] connects, as
/// `login`); fails the test when it fails.
pub fn ws_publish(port: u16, (user, password): (&str, &str), topic: &str, payload: &str) {
    let out = ws_client("publish", port)
        .args(["--user", user, "--password", password])
        .args(["--topic", topic, "--message", payload])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "publish over websockets failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `test-cases/mqtt_ws.py ACTION --url ws://127.0.0.1:<port>/mqtt`.
fn ws_client(action: &str, port: u16) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(repo_root().join("test-cases/mqtt_ws.py")).args([
        action,
        "--url",
        &format!("ws://127.0.0.1:{port}/mqtt"),
    ]);
    cmd
}
