//! The compose stack of the scale-out test: a copy of the repository with its own `.env`, run
//! as the project `standhubscale` on the Docker engine, taken down with its volumes at the end.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{repo_root, run_ok};

const PROJECT: &str = "standhubscale";
/// The stack's admin (made with `createsuperuser`).
pub const ADMIN_PASSWORD: &str = "scale-admin-password-1";

/// Runs `script` with sh and returns its standard output; fails the test when it fails.
pub fn sh(script: &str) -> String {
    run_ok(Command::new("sh").args(["-c", script]), script)
}

/// A running stack (down with its volumes when dropped).
pub struct Stack {
    dir: tempfile::TempDir,
}

impl Stack {
    /// Copies the repository, writes `.env` from `.env.example` with fresh secrets and
    /// `settings`; refuses when the stack's fixed-name volumes belong to something else.
    pub fn up(settings: &[(&str, &str)]) -> Self {
        for volume in ["data-volume", "mqtt-volume"] {
            let owner = Command::new("docker")
                .args(["volume", "inspect", "-f"])
                .arg("{{index .Labels \"com.docker.compose.project\"}}")
                .arg(volume)
                .output()
                .expect("docker volume inspect");
            if !owner.status.success() {
                continue;
            }
            let owner = String::from_utf8_lossy(&owner.stdout).trim().to_owned();
            assert_eq!(
                owner, PROJECT,
                "the volume {volume} exists (project {owner:?}): it may be a real stack's data"
            );
            sh(&format!("docker volume rm -f {volume} >/dev/null"));
        }
        let dir = tempfile::Builder::new()
            .prefix("standhub-scale.")
            .tempdir()
            .expect("work dir");
        let root = repo_root();
        sh(&format!(
            "cd '{}' && git ls-files -co --exclude-standard -z | tar --null -T - -c | tar -C '{}' -x",
            root.display(),
            dir.path().display()
        ));
        let mut env = std::fs::read_to_string(dir.path().join(".env.example")).expect(".env");
        for secret in [
            "SECRET_KEY",
            "POSTGRES_PASSWORD",
            "POSTGRES_WEB_PASSWORD",
            "POSTGRES_HANDLER_PASSWORD",
            "POSTGRES_SCHEDULER_PASSWORD",
            "POSTGRES_VIDEO_PASSWORD",
            "MQTT_HANDLER_PASSWORD",
            "MQTT_WEB_PASSWORD",
        ] {
            let value = format!("{:032x}", rand::random::<u128>());
            env = env.replace(&format!("\n{secret}=\n"), &format!("\n{secret}={value}\n"));
        }
        for (name, value) in settings {
            // The operator's edit: the line of the setting, or a new one.
            let line = format!("{name}={value}");
            let mut found = false;
            env = env
                .lines()
                .map(|l| {
                    if l.starts_with(&format!("{name}=")) {
                        found = true;
                        line.clone()
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            env.push('\n');
            if !found {
                env.push_str(&line);
                env.push('\n');
            }
        }
        std::fs::write(dir.path().join(".env"), env).expect("write .env");
        Self { dir }
    }

    fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// `docker-compose ARGS` in the stack's folder; its standard output (fails on failure).
    pub fn dc(&self, args: &[&str]) -> String {
        let mut command = Command::new("docker-compose");
        command
            .args(args)
            .current_dir(self.dir())
            .env("COMPOSE_PROJECT_NAME", PROJECT);
        run_ok(&mut command, &format!("docker-compose {args:?}"))
    }

    /// The container ids of a service.
    pub fn ids(&self, service: &str) -> Vec<String> {
        self.dc(&["ps", "-q", service])
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// A container's log (standard output and error).
    pub fn logs(&self, container: &str) -> String {
        let out = Command::new("docker")
            .args(["logs", container])
            .output()
            .expect("docker logs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// One value of a query, as the schema owner in the db service.
    pub fn psql(&self, sql: &str) -> String {
        self.dc(&[
            "exec",
            "-T",
            "db",
            "sh",
            "-c",
            "psql -X -At -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\" -c \"$1\"",
            "_",
            sql,
        ])
    }

    /// Every container of the stack that has a health check healthy within `limit`.
    pub fn wait_healthy(&self, limit: Duration) {
        let start = Instant::now();
        loop {
            let ids = self
                .dc(&["ps", "-q"])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let states = sh(&format!(
                "docker inspect -f '{{{{index .Config.Labels \"com.docker.compose.service\"}}}}={{{{if .State.Health}}}}{{{{.State.Health.Status}}}}{{{{else}}}}{{{{.State.Status}}}}{{{{end}}}}' {ids}"
            ));
            let waiting: Vec<&str> = states
                .lines()
                .filter(|l| !l.ends_with("=healthy") && !l.starts_with("migrate="))
                .collect();
            if waiting.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "not healthy after {limit:?}: {waiting:?}"
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// The admin `scale-admin` with [`ADMIN_PASSWORD`].
    pub fn create_admin(&self) {
        sh(&format!(
            "cd '{}' && printf '%s\\n' '{ADMIN_PASSWORD}' | COMPOSE_PROJECT_NAME={PROJECT} docker-compose exec -T --index=1 webinterface webinterface createsuperuser --username scale-admin --email scale@example.org --password-stdin",
            self.dir.path().display()
        ));
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new("docker-compose")
            .args(["down", "-v", "--remove-orphans"])
            .current_dir(self.dir())
            .env("COMPOSE_PROJECT_NAME", PROJECT)
            .output();
    }
}
