//! The health of a long-running service, told through a small status file: the service
//! rewrites it on every change and at least every [`REFRESH`] (first line `ok` or
//! `unhealthy: <reason>`), and `<binary> healthcheck`, run in the same container, reads it.
//!
//! A file, not a connection: the check costs nothing (no database or broker session of its
//! own), sees exactly what the running service sees (a refused broker password, a lost
//! database), and notices a hung or dead service by the file's age.
//!
//! - [`Health`]: a service's health, made of [`Part`]s (the broker connection, the database)
//!   that the tasks which know set;
//! - [`StatusFile`]: keeps the file up to date while the service runs;
//! - [`healthcheck`]: the `healthcheck` command: reads the file, prints one line, exit 0 or 1;
//! - [`spawn_database_check`]: a part that pings the database every [`REFRESH`].
//!
//! Settings: `HEALTH_FILE` (default `/tmp/<binary>.health`) for both sides,
//! `HEALTH_MAX_AGE_SECONDS` (default 30) for the check.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use sqlx::PgPool;
use tokio::sync::{oneshot, watch};

use crate::config;

/// How often the status file is rewritten when nothing changes (a change is written at once).
pub const REFRESH: Duration = Duration::from_secs(5);

/// The default `HEALTH_MAX_AGE_SECONDS`: an older file means a hung or dead service.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30);

/// How long a database ping may take before the database counts as unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// What a service says of itself: the first line of its status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Everything it depends on works.
    Ok,
    /// Something does not; the reason says what and, where it can, what to do.
    Unhealthy(String),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::Unhealthy(reason) => write!(f, "unhealthy: {reason}"),
        }
    }
}

/// One line: error chains can hold line breaks, the file's first line must be the whole status.
fn one_line(reason: impl Into<String>) -> String {
    let reason: String = reason.into();
    reason.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A service's health: healthy when every part is. Cheap to clone; every clone is the same.
#[derive(Debug, Clone)]
pub struct Health {
    /// Each part's problem, `None` when it is fine.
    parts: watch::Sender<Vec<Option<String>>>,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    /// A health with no parts yet (healthy).
    pub fn new() -> Self {
        Self {
            parts: watch::channel(Vec::new()).0,
        }
    }

    /// Adds a part, unhealthy with `reason` until its first [`Part::ok`].
    pub fn part(&self, reason: impl Into<String>) -> Part {
        let reason = one_line(reason);
        let mut index = 0;
        self.parts.send_modify(|parts| {
            index = parts.len();
            parts.push(Some(reason));
        });
        Part {
            parts: self.parts.clone(),
            index,
        }
    }

    /// The first unhealthy part's reason (in the order the parts were added), or ok.
    pub fn status(&self) -> Status {
        match self.parts.borrow().iter().flatten().next() {
            Some(reason) => Status::Unhealthy(reason.clone()),
            None => Status::Ok,
        }
    }

    /// Wakes on every change.
    fn subscribe(&self) -> watch::Receiver<Vec<Option<String>>> {
        self.parts.subscribe()
    }
}

/// One thing a service's health depends on, set by the task that knows about it.
#[derive(Debug, Clone)]
pub struct Part {
    parts: watch::Sender<Vec<Option<String>>>,
    index: usize,
}

impl Part {
    /// It works.
    pub fn ok(&self) {
        self.set(None);
    }

    /// It does not work, because of `reason`.
    pub fn unhealthy(&self, reason: impl Into<String>) {
        self.set(Some(one_line(reason)));
    }

    fn set(&self, problem: Option<String>) {
        let index = self.index;
        // Only a real change wakes the status file's writer.
        self.parts.send_if_modified(|parts| {
            let same = parts.get(index) == Some(&problem);
            if let Some(slot) = parts.get_mut(index) {
                *slot = problem;
            }
            !same
        });
    }
}

/// `HEALTH_FILE`, or `/tmp/<binary>.health`.
pub fn file_from_env(binary: &str) -> PathBuf {
    config::var("HEALTH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/tmp/{binary}.health")))
}

/// Keeps a status file up to date while a service runs.
pub struct StatusFile {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl StatusFile {
    /// Writes `health` to `path` now, on every change and every [`REFRESH`], until
    /// [`StatusFile::stop`].
    pub fn spawn(path: PathBuf, health: Health) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut changes = health.subscribe();
            let mut failing = false;
            loop {
                changes.borrow_and_update();
                write_logged(&path, &health.status(), &mut failing).await;
                tokio::select! {
                    _ = &mut stopped => break,
                    changed = changes.changed() => if changed.is_err() { break },
                    () = tokio::time::sleep(REFRESH) => {}
                }
            }
            let stopped = Status::Unhealthy("stopped".into());
            write_logged(&path, &stopped, &mut failing).await;
        });
        Self { stop, task }
    }

    /// Stops refreshing; the file then says `unhealthy: stopped`.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Writes the status, logging the first failure and the recovery (not every 5 s).
async fn write_logged(path: &Path, status: &Status, failing: &mut bool) {
    match write(path, status).await {
        Ok(()) if *failing => {
            *failing = false;
            tracing::info!(path = %path.display(), "writing the health file again");
        }
        Ok(()) => {}
        Err(e) if !*failing => {
            *failing = true;
            tracing::warn!(
                path = %path.display(),
                error = %e,
                "cannot write the health file (HEALTH_FILE); `healthcheck` will fail"
            );
        }
        Err(_) => {}
    }
}

/// Writes a temporary file next to `path` and renames it over `path`, so a reader sees the old
/// file or the new one, never half of one.
pub async fn write(path: &Path, status: &Status) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "health".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    tokio::fs::write(&temporary, format!("{status}\n")).await?;
    tokio::fs::rename(&temporary, path).await
}

/// A part of `health` that says whether the database answers, checked now and every
/// [`REFRESH`] (a ping taking over 5 s counts as unreachable). Abort the task to stop it.
pub fn spawn_database_check(pool: PgPool, health: &Health) -> tokio::task::JoinHandle<()> {
    let part = health.part("the database has not been checked yet");
    tokio::spawn(async move {
        loop {
            match tokio::time::timeout(PING_TIMEOUT, crate::store::ping(&pool)).await {
                Ok(Ok(())) => part.ok(),
                Ok(Err(e)) => part.unhealthy(format!(
                    "database unreachable: {e} (check DATABASE_URL and the database server)"
                )),
                Err(_) => part.unhealthy(format!(
                    "database unreachable: no answer within {} s",
                    PING_TIMEOUT.as_secs()
                )),
            }
            tokio::time::sleep(REFRESH).await;
        }
    })
}

/// What the status file at `path` says for the `healthcheck` command: `Ok` or the line to
/// print. `read` is the file's text and modification time; `now` the time to judge its age at.
pub fn judge(
    path: &Path,
    read: std::io::Result<(String, SystemTime)>,
    now: SystemTime,
    max_age: Duration,
) -> Result<(), String> {
    let (text, modified) = match read {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "unhealthy: no status file {} (the service is not running, or runs with another \
                 HEALTH_FILE)",
                path.display()
            ));
        }
        Err(e) => {
            return Err(format!(
                "unhealthy: cannot read the status file {}: {e}",
                path.display()
            ));
        }
    };
    // A file from the future (a clock step) counts as fresh.
    let age = now.duration_since(modified).unwrap_or_default();
    if age > max_age {
        return Err(format!(
            "unhealthy: no heartbeat for {} s (the status file {} is older than {} s: the \
             service is hung or not running)",
            age.as_secs(),
            path.display(),
            max_age.as_secs()
        ));
    }
    let line = text.lines().next().unwrap_or("").trim();
    if line == "ok" {
        Ok(())
    } else if line.starts_with("unhealthy") {
        Err(line.to_owned())
    } else {
        Err(format!(
            "unhealthy: the status file {} says {line:?}",
            path.display()
        ))
    }
}

/// The `healthcheck` command of `binary`: reads its status file (`HEALTH_FILE`), prints `ok` or
/// one line saying why not, and returns exit code 0 or 1. No database or network connection.
pub fn healthcheck(binary: &str) -> ExitCode {
    let max_age = match config::parse_or("HEALTH_MAX_AGE_SECONDS", DEFAULT_MAX_AGE.as_secs()) {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(e) => {
            println!("unhealthy: {e}");
            return ExitCode::from(1);
        }
    };
    let path = file_from_env(binary);
    let read = std::fs::read_to_string(&path).and_then(|text| {
        let modified = std::fs::metadata(&path)?.modified()?;
        Ok((text, modified))
    });
    match judge(&path, read, SystemTime::now(), max_age) {
        Ok(()) => {
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(line) => {
            println!("{line}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(30);

    fn at(text: &str, age_seconds: u64) -> (std::io::Result<(String, SystemTime)>, SystemTime) {
        let now = SystemTime::now();
        let modified = now - Duration::from_secs(age_seconds);
        (Ok((text.to_owned(), modified)), now)
    }

    fn judged(text: &str, age_seconds: u64) -> Result<(), String> {
        let (read, now) = at(text, age_seconds);
        judge(Path::new("/tmp/x.health"), read, now, MAX)
    }

    #[test]
    fn a_fresh_ok_file_is_healthy() {
        assert_eq!(judged("ok\n", 3), Ok(()));
    }

    #[test]
    fn an_unhealthy_file_is_printed_as_it_says() {
        assert_eq!(
            judged("unhealthy: MQTT connection refused: not authorised\n", 1),
            Err("unhealthy: MQTT connection refused: not authorised".into())
        );
    }

    #[test]
    fn an_old_file_is_a_missing_heartbeat_even_when_it_says_ok() {
        let line = judged("ok\n", 45).expect_err("too old");
        assert!(
            line.starts_with("unhealthy: no heartbeat for 45 s"),
            "{line}"
        );
    }

    #[test]
    fn a_missing_empty_or_garbled_file_is_unhealthy() {
        let missing = judge(
            Path::new("/nowhere/x.health"),
            Err(std::io::ErrorKind::NotFound.into()),
            SystemTime::now(),
            MAX,
        )
        .expect_err("missing");
        assert!(
            missing.starts_with("unhealthy: no status file /nowhere/x.health"),
            "{missing}"
        );
        assert!(judged("", 0).is_err());
        assert!(judged("okay\n", 0).is_err());
    }

    #[test]
    fn health_is_its_first_unhealthy_part() {
        let health = Health::new();
        assert_eq!(health.status(), Status::Ok);
        let broker = health.part("not connected yet");
        let database = health.part("not checked yet");
        assert_eq!(health.status().to_string(), "unhealthy: not connected yet");
        broker.ok();
        assert_eq!(health.status().to_string(), "unhealthy: not checked yet");
        database.ok();
        assert_eq!(health.status(), Status::Ok);
        database.unhealthy("database unreachable:\n  connection refused");
        assert_eq!(
            health.status().to_string(),
            "unhealthy: database unreachable: connection refused"
        );
    }

    #[tokio::test]
    async fn the_file_is_replaced_whole_on_every_change() {
        let dir = std::env::temp_dir().join(format!("health-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("svc.health");
        let health = Health::new();
        let part = health.part("starting");
        let file = StatusFile::spawn(path.clone(), health.clone());
        let read = || std::fs::read_to_string(&path).unwrap_or_default();
        let wait = |want: &'static str| {
            let read = &read;
            async move {
                for _ in 0..200 {
                    if read() == want {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                panic!("the file never said {want:?}; it says {:?}", read());
            }
        };
        wait("unhealthy: starting\n").await;
        part.ok();
        wait("ok\n").await;
        file.stop().await;
        assert_eq!(read(), "unhealthy: stopped\n");
        let leftovers = std::fs::read_dir(&dir).expect("dir").count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
