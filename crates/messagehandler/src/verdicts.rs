//! Verdicts (issue 26): after a result of a run started from a test template is committed, its
//! limits are measured and the verdict recorded — here, beside the ingest path and outside its
//! transactions, so ingest speed does not change. A stored result is picked up when its
//! `result` notification arrives (milliseconds), and by a catch-up scan at start, after a lost
//! listener connection, and every [`CATCH_UP`] (a missed notification waits that long at most).

use std::time::Duration;

use domain::notification::Notification;
use domain::store::StoreError;
use domain::store::listener::{NotificationListener, Received};
use domain::store::verdicts::{self, Pending};
use domain::template::Template;
use sqlx::PgPool;
use tokio::sync::watch;

/// How often results that wait for their verdict are looked for anyway.
pub const CATCH_UP: Duration = Duration::from_secs(5);

/// Results measured per catch-up query.
const CATCH_UP_BATCH: i64 = 100;

/// Measures and records one pending result.
pub async fn judge(pool: &PgPool, pending: &Pending) -> Result<(), StoreError> {
    let evaluation = match Template::from_json(&pending.template) {
        Ok(template) => {
            let limits = template.limits;
            let data = serde_json::from_str(&pending.data).unwrap_or_default();
            let parameters = serde_json::from_str(&pending.parameters).unwrap_or_default();
            domain::verdict::evaluate(&limits, &data, &parameters)
        }
        Err(e) => {
            // A template this build cannot read: the result stays without a verdict, said once.
            tracing::warn!(result = pending.result, error = %e, "the run's template is unreadable; no verdict");
            None
        }
    };
    verdicts::record(pool, pending, evaluation.as_ref()).await
}

/// Measures every result waiting for its verdict.
async fn catch_up(pool: &PgPool) -> Result<(), StoreError> {
    loop {
        let batch = verdicts::pending(pool, CATCH_UP_BATCH).await?;
        for pending in &batch {
            judge(pool, pending).await?;
        }
        if (batch.len() as i64) < CATCH_UP_BATCH {
            return Ok(());
        }
    }
}

/// Runs until `stop` turns true: listens for stored results and measures them.
pub async fn run(pool: PgPool, mut stop: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        let outcome = tokio::select! {
            r = listen(&pool) => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        if let Err(e) = outcome {
            if !failing {
                tracing::warn!(error = %e, "verdicts: the database failed; trying again");
            }
            failing = true;
        }
        tokio::select! {
            () = tokio::time::sleep(CATCH_UP) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One listening connection: catches up, then measures each result as it is stored.
async fn listen(pool: &PgPool) -> Result<(), StoreError> {
    let mut listener = NotificationListener::connect(pool).await?;
    catch_up(pool).await?;
    let mut tick = tokio::time::interval(CATCH_UP);
    loop {
        tokio::select! {
            received = listener.recv() => match received? {
                Received::Notification(Notification::Result { id, .. }) => {
                    if let Some(pending) = verdicts::pending_one(pool, id).await? {
                        judge(pool, &pending).await?;
                    }
                }
                Received::Lost => catch_up(pool).await?,
                Received::Notification(_) | Received::Unknown(_) => {}
            },
            _ = tick.tick() => catch_up(pool).await?,
        }
    }
}
