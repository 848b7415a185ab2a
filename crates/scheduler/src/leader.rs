//! Leadership: only the scheduler holding the PostgreSQL advisory lock acts.
//!
//! The lock is taken on a dedicated connection (not from the pool) and lasts as long as that
//! connection's session, so a leader that dies or loses its connection frees it and a
//! standby takes over at its next poll. Jobs run on that same connection: a job's statements
//! can only execute while the session holding the lock is alive, so two schedulers never act
//! at the same time, not even for the moment between a lock check and a commit.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::{PgConnection, PgPool};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::jobs::{self, Job};
use domain::store::{job_runs, scheduler_lock};

/// Why a term as leader ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TermEnd {
    /// The shutdown future completed.
    Shutdown,
    /// The lock connection broke or no longer holds the lock.
    LostLock,
}

/// Ticks from the cron jobs, at most one pending per job.
pub(crate) struct Ticks {
    pub(crate) rx: mpsc::Receiver<Job>,
    pub(crate) pending: Arc<[AtomicBool; Job::ALL.len()]>,
}

impl Ticks {
    /// Forgets ticks that came while this instance was not leader.
    fn drain(&mut self) {
        while self.rx.try_recv().is_ok() {}
        for p in self.pending.iter() {
            p.store(false, Ordering::SeqCst);
        }
    }
}

/// Waits as standby until this instance holds the lock; returns the connection holding it.
/// Cancel-safe: dropping the future drops its connection and so any lock it took.
pub(crate) async fn wait_for_lock(pool: &PgPool, config: &Config) -> PgConnection {
    let mut conn: Option<PgConnection> = None;
    let mut said_standby = false;
    loop {
        if conn.is_none() {
            match scheduler_lock::connect(pool, &config.instance).await {
                Ok(c) => conn = Some(c),
                Err(e) => tracing::warn!(error = %e, "cannot connect for the scheduler lock"),
            }
        }
        if let Some(c) = conn.as_mut() {
            match scheduler_lock::try_take(c).await {
                Ok(true) => {
                    if let Some(c) = conn.take() {
                        return c;
                    }
                }
                Ok(false) if !said_standby => {
                    tracing::info!(
                        instance = %config.instance,
                        "another scheduler holds the lock; waiting as standby"
                    );
                    said_standby = true;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler lock connection failed; reconnecting");
                    conn = None;
                }
            }
        }
        tokio::time::sleep(config.standby_poll).await;
    }
}

/// Acts as leader on `conn` (which holds the lock) until shutdown or until the lock is lost.
/// On shutdown, a job in progress is finished first.
pub(crate) async fn lead(
    conn: &mut PgConnection,
    pool: &PgPool,
    config: &Config,
    ticks: &mut Ticks,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) -> TermEnd {
    tracing::info!(instance = %config.instance, "this scheduler is now the leader");
    ticks.drain();
    // Runs left `running` by a leader that died mid-run: with the lock ours, none is running.
    match job_runs::abandon_unfinished(conn).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            n,
            "marked failed the job runs a previous leader left unfinished"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "lost the lock connection");
            return TermEnd::LostLock;
        }
    }
    let mut check = tokio::time::interval(config.standby_poll);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => return TermEnd::Shutdown,
            tick = ticks.rx.recv() => {
                let Some(job) = tick else { return TermEnd::Shutdown };
                ticks.pending[job.index()].store(false, Ordering::SeqCst);
                if !still_leader(conn).await {
                    return TermEnd::LostLock;
                }
                jobs::run_recorded(job, conn, pool, config).await;
            }
            _ = check.tick() => {
                if !still_leader(conn).await {
                    return TermEnd::LostLock;
                }
            }
        }
    }
}

async fn still_leader(conn: &mut PgConnection) -> bool {
    match scheduler_lock::is_held(conn).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!("the scheduler lock is no longer held; back to standby");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "lost the lock connection; back to standby");
            false
        }
    }
}

/// Closes the lock connection, which releases the lock at once.
pub(crate) async fn resign(conn: PgConnection) {
    if let Err(e) = scheduler_lock::release(conn).await {
        tracing::debug!(error = %e, "closing the lock connection");
    }
}
