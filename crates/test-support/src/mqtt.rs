//! MQTT brokers for tests, as child processes on free ports: the embedded rumqttd broker
//! (`embedded-broker` binary) and Mosquitto with the project's own limits.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port, repo_root, wait_for_port, workspace_bin};

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
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|d| d.join("mosquitto"))
        .find(|p| p.is_file())
}

/// The brokers this machine can run: always the embedded one, Mosquitto when installed.
pub fn available_brokers() -> Vec<BrokerKind> {
    let mut kinds = vec![BrokerKind::Embedded];
    if mosquitto_bin().is_some() {
        kinds.push(BrokerKind::Mosquitto);
    } else {
        eprintln!("mosquitto is not installed: testing against the embedded broker only");
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
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Broker {
    /// Starts a broker of `kind`.
    pub fn start(kind: BrokerKind) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the broker");
        let mut broker = Self {
            kind,
            port: free_port(),
            ws_port: free_port(),
            dir,
            child: None,
        };
        broker.launch();
        broker
    }

    /// `mqtt://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    fn launch(&mut self) {
        let mut cmd = match self.kind {
            BrokerKind::Embedded => {
                let mut c = Command::new(workspace_bin("embedded-broker"));
                c.arg(format!("127.0.0.1:{}", self.port))
                    .arg(format!("127.0.0.1:{}", self.ws_port));
                c.env("RUST_LOG", "warn");
                c
            }
            BrokerKind::Mosquitto => {
                let conf = self.dir.path().join("mosquitto.conf");
                std::fs::write(&conf, mosquitto_test_config(self.port, self.dir.path()))
                    .expect("write mosquitto.conf");
                let mut c = Command::new(mosquitto_bin().expect("mosquitto installed"));
                c.arg("-c").arg(conf);
                c
            }
        };
        let log = std::fs::File::create(self.dir.path().join("broker.log")).expect("broker log");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the broker");
        self.child = Some(child);
        assert!(
            wait_for_port(self.port, Duration::from_secs(20)),
            "{:?} broker did not listen on {}; log:\n{}",
            self.kind,
            self.port,
            self.log()
        );
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
/// its queue and size limits are kept, because the tests must prove those limits work.
fn mosquitto_test_config(port: u16, dir: &std::path::Path) -> String {
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
            !replaced.contains(&key)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&format!(
        "per_listener_settings false\nallow_anonymous true\nuser root\nlistener {port} 127.0.0.1\n\
         persistence_location {}/\nlog_dest stderr\n",
        dir.display()
    ));
    out
}
