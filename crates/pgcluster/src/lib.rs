//! A private PostgreSQL cluster run from the installed server binaries.
//!
//! Used by the all-in-one launcher (a cluster kept in its data directory across restarts) and
//! by the test harness (throw-away clusters). The binaries come from `PG_BIN_DIR` or the newest
//! `/usr/lib/postgresql/<version>/bin`. Running as root, every tool runs as the `postgres` user
//! (PostgreSQL refuses to run as root) and the cluster folder is given to that user.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a cluster could not be made, started or stopped; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No PostgreSQL server binaries.
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin: \
         install them (Debian/Ubuntu: `apt-get install postgresql`), point PG_BIN_DIR at the \
         folder holding them, or set DATABASE_URL to use an existing server"
    )]
    NotInstalled,
    /// Running as root without a `postgres` user to run the server as.
    #[error(
        "running as root needs a 'postgres' system user to run the private cluster as \
         (it comes with the postgresql package); or run as a normal user, or set DATABASE_URL"
    )]
    NoPostgresUser,
    /// A tool could not be started at all.
    #[error("cannot run {tool}: {source}")]
    Spawn {
        /// The tool.
        tool: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A tool ran and failed.
    #[error("{tool} failed: {output}")]
    Failed {
        /// The tool.
        tool: String,
        /// What it printed (and the server log's end, for a failed start).
        output: String,
    },
    /// A file of the cluster could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The socket path is longer than Unix allows.
    #[error(
        "the data directory {0} is too deep for PostgreSQL's Unix socket (at most about 100 \
         characters in all): choose a shorter data directory"
    )]
    PathTooLong(PathBuf),
}

/// The folder of `initdb`, `pg_ctl` and `postgres`: `PG_BIN_DIR`, or the newest installed.
pub fn bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").is_file() {
            Ok(dir)
        } else {
            Err(Error::NotInstalled)
        };
    }
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| Error::NotInstalled)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, d)| d).ok_or(Error::NotInstalled)
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// TCP on 127.0.0.1 at this port (and a socket in the data folder).
    Tcp(u16),
    /// Only a Unix socket in the data folder: no port to collide with.
    SocketOnly,
}

/// Settings written into `postgresql.conf` when the cluster is made.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the server listens.
    pub listen: Listen,
    /// `false` turns fsync and synchronous commit off (test clusters only: a crash loses data).
    pub durable: bool,
    /// `max_connections`.
    pub max_connections: u32,
}

/// A cluster in a data folder; nothing runs until [`Cluster::start`].
#[derive(Debug, Clone)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
}

/// The port the socket-only server uses in its socket's name.
const SOCKET_PORT: u16 = 5432;

impl Cluster {
    /// A cluster in `dir` (made by [`Cluster::init`] when it does not hold one yet).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        let dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir()
                .map_err(|source| Error::Io {
                    path: dir.clone(),
                    source,
                })?
                .join(dir)
        };
        Ok(Self {
            dir,
            bin: bin_dir()?,
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the folder already holds a cluster.
    pub fn is_initialized(&self) -> bool {
        self.dir.join("PG_VERSION").is_file()
    }

    /// Makes the cluster: `initdb` with a trusting `postgres` superuser (the server only listens
    /// locally), UTF-8, then `settings` appended to `postgresql.conf`.
    pub fn init(&self, settings: &Settings) -> Result<(), Error> {
        if settings.listen == Listen::SocketOnly {
            let socket = self.dir.join(format!(".s.PGSQL.{SOCKET_PORT}"));
            if socket.as_os_str().len() > 100 {
                return Err(Error::PathTooLong(self.dir.clone()));
            }
        }
        std::fs::create_dir_all(&self.dir).map_err(|source| Error::Io {
            path: self.dir.clone(),
            source,
        })?;
        give_to_postgres_user(&self.dir)?;
        let mut initdb = self.command("initdb");
        initdb.arg("-D").arg(&self.dir).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        if !settings.durable {
            initdb.arg("--no-sync");
        }
        run(&mut initdb, "initdb")?;
        let (listen, port) = match settings.listen {
            Listen::Tcp(port) => ("127.0.0.1", port),
            Listen::SocketOnly => ("", SOCKET_PORT),
        };
        let mut conf = format!(
            "\n# written by standhub\nlisten_addresses = '{listen}'\nport = {port}\n\
             unix_socket_directories = '{}'\nmax_connections = {}\n",
            self.dir.display(),
            settings.max_connections
        );
        if !settings.durable {
            conf.push_str("fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n");
        }
        let path = self.dir.join("postgresql.conf");
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let mut text = std::fs::read_to_string(&path).map_err(io)?;
        text.push_str(&conf);
        std::fs::write(&path, text).map_err(io)
    }

    /// Whether a server runs on this folder (`pg_ctl status`).
    pub fn is_running(&self) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .arg("status")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Starts the server and waits until it accepts connections; a failure carries the end of
    /// the server log.
    pub fn start(&self) -> Result<(), Error> {
        let log = self.dir.join("server.log");
        let result = run(
            self.command("pg_ctl")
                .arg("-D")
                .arg(&self.dir)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"]),
            "pg_ctl start",
        );
        result.map_err(|e| match e {
            Error::Failed { tool, output } => {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(8).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                Error::Failed {
                    tool,
                    output: format!(
                        "{output}\nserver log ({}):\n{}",
                        log.display(),
                        tail.join("\n")
                    ),
                }
            }
            other => other,
        })
    }

    /// Stops the server: `fast` ends sessions and shuts down cleanly; otherwise `immediate`
    /// (like a crash; recovery runs at the next start).
    pub fn stop(&self, fast: bool) -> Result<(), Error> {
        run(
            self.command("pg_ctl").arg("-D").arg(&self.dir).args([
                "-w",
                "-m",
                if fast { "fast" } else { "immediate" },
                "stop",
            ]),
            "pg_ctl stop",
        )
    }

    /// A URL of database `db` as the `postgres` superuser, over TCP or the folder's socket.
    pub fn url(&self, listen: &Listen, db: &str) -> String {
        match listen {
            Listen::Tcp(port) => format!("postgres://postgres@127.0.0.1:{port}/{db}"),
            Listen::SocketOnly => format!(
                "postgres://postgres@localhost:{SOCKET_PORT}/{db}?host={}",
                self.dir.display()
            ),
        }
    }

    fn command(&self, tool: &str) -> Command {
        let bin = self.bin.join(tool);
        if nix::unistd::geteuid().is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(bin);
            c
        } else {
            Command::new(bin)
        }
    }
}

/// As root, hands `path` to the `postgres` user so the server (run as that user) may use it.
pub fn give_to_postgres_user(path: &Path) -> Result<(), Error> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .ok_or(Error::NoPostgresUser)?;
    nix::unistd::chown(path, Some(user.uid), Some(user.gid)).map_err(|e| Error::Io {
        path: path.to_owned(),
        source: e.into(),
    })
}

fn run(cmd: &mut Command, tool: &str) -> Result<(), Error> {
    let out = cmd.output().map_err(|source| Error::Spawn {
        tool: tool.into(),
        source,
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Failed {
            tool: tool.into(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .trim()
            .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_only_cluster_starts_stops_and_starts_again() {
        let temp = tempfile::tempdir().expect("temp dir");
        give_to_postgres_user(temp.path()).expect("chown");
        let cluster = Cluster::new(temp.path().join("pg")).expect("binaries installed");
        assert!(!cluster.is_initialized());
        let settings = Settings {
            listen: Listen::SocketOnly,
            durable: false,
            max_connections: 20,
        };
        cluster.init(&settings).expect("initdb");
        assert!(cluster.is_initialized());
        cluster.start().expect("start");
        assert!(cluster.is_running());
        cluster.stop(true).expect("stop");
        assert!(!cluster.is_running());
        cluster.start().expect("start again");
        cluster.stop(false).expect("stop at once");
    }

    #[test]
    fn a_missing_bin_dir_is_a_clear_error() {
        let err = Cluster {
            dir: "/nonexistent".into(),
            bin: "/nonexistent/bin".into(),
        }
        .start()
        .expect_err("no pg_ctl");
        assert!(err.to_string().contains("pg_ctl"), "{err}");
    }

    #[test]
    fn a_too_deep_data_directory_is_refused_before_initdb() {
        let deep = format!("/tmp/{}", "d".repeat(120));
        let cluster = Cluster {
            dir: deep.into(),
            bin: "/nonexistent".into(),
        };
        let err = cluster
            .init(&Settings {
                listen: Listen::SocketOnly,
                durable: false,
                max_connections: 5,
            })
            .expect_err("too long");
        assert!(matches!(err, Error::PathTooLong(_)), "{err}");
    }
}
