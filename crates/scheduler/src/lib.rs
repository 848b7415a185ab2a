//! The stand hub's scheduler: timed jobs, one acting instance at a time.
//!
//! - [`config`]: cron expressions and age limits from the environment, with defaults;
//! - [`jobs`]: one file per job ([`jobs::retention`], [`jobs::run_timeout`],
//!   [`jobs::offline`], [`jobs::prune`], [`jobs::prune_sessions`], [`jobs::prune_logins`]), each a `pub async fn run(conn, now, …)` tests call
//!   with their own clock, and [`jobs::run_recorded`], which records a run in `job_runs`;
//! - `leader`: the PostgreSQL advisory lock that makes one instance act and the others wait
//!   as standbys.
//!
//! [`run`] ties them together: `tokio-cron-scheduler` turns the cron expressions into ticks,
//! and the leader runs each tick's job on its lock connection. A failing job is recorded and
//! tried again at its next tick; nothing but the shutdown future ends [`run`].

pub mod config;
pub mod jobs;
mod leader;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler, JobSchedulerError};

pub use config::{Config, CronExpr, Limits, Schedules};
pub use jobs::Job;

/// Why the scheduler could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cron runtime failed to start or stop.
    #[error("cron scheduler: {0}")]
    Cron(#[from] JobSchedulerError),
}

/// Runs the scheduler until `shutdown` completes: waits as standby while another instance
/// holds the lock, acts as leader when it holds it. On shutdown a job in progress finishes
/// first and the lock is released, so a standby takes over at its next poll.
pub async fn run(
    config: Config,
    pool: PgPool,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let (tx, rx) = mpsc::channel(Job::ALL.len());
    let pending: Arc<[AtomicBool; Job::ALL.len()]> = Arc::new(Default::default());
    let mut cron = JobScheduler::new().await?;
    for job in Job::ALL {
        let (tx, pending) = (tx.clone(), pending.clone());
        let cron_job = CronJob::new_async(job.schedule(&config).as_str(), move |_, _| {
            // A tick while the same job is still queued or running is dropped: the job
            // catches up on its own at the next one.
            if !pending[job.index()].swap(true, Ordering::SeqCst) && tx.try_send(job).is_err() {
                pending[job.index()].store(false, Ordering::SeqCst);
            }
            Box::pin(async {})
        })?;
        cron.add(cron_job).await?;
        tracing::info!(job = job.name(), schedule = %job.schedule(&config), "job scheduled");
    }
    cron.start().await?;
    let mut ticks = leader::Ticks { rx, pending };

    tokio::pin!(shutdown);
    loop {
        let conn = tokio::select! {
            () = &mut shutdown => break,
            conn = leader::wait_for_lock(&pool, &config) => conn,
        };
        let mut conn = conn;
        let end = leader::lead(&mut conn, &pool, &config, &mut ticks, shutdown.as_mut()).await;
        leader::resign(conn).await;
        if end == leader::TermEnd::Shutdown {
            break;
        }
        // Give a healthy standby (it polls once per period) the first chance to take over
        // from an instance whose database connection just broke.
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(config.standby_poll * 2) => {}
        }
    }
    cron.shutdown().await?;
    tracing::info!(instance = %config.instance, "scheduler stopped");
    Ok(())
}
