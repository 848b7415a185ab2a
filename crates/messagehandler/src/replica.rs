//! The replica slot of a handler on a shared subscription: taken before the broker connection
//! (the slot names the session), held on a database connection of its own while the handler
//! runs. When that connection is lost, another handler may take the slot and its session, so
//! this one stops (and is restarted by its supervisor, taking a slot again).

use std::time::Duration;

use domain::backoff::Backoff;
use domain::health;
use domain::store::{StoreError, replica_slots};
use sqlx::{PgConnection, PgPool};
use tokio::sync::oneshot;

/// How often the slot's connection is pinged.
const PING_EVERY: Duration = Duration::from_secs(2);

/// Waits until a slot below `max` is free and takes it; retries while the database is away or
/// every slot is taken, reporting why in `health`.
pub async fn take(pool: &PgPool, max: u16, health: &health::Part) -> (u16, PgConnection) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        let attempt = async {
            let mut conn = replica_slots::connect(pool).await?;
            Ok::<_, StoreError>(
                replica_slots::take(&mut conn, max)
                    .await?
                    .map(|slot| (slot, conn)),
            )
        }
        .await;
        match attempt {
            Ok(Some(taken)) => return taken,
            Ok(None) => {
                tracing::warn!(max, "every replica slot is taken; waiting for one");
                health.unhealthy(format!(
                    "every one of the {max} replica slots is taken by another handler"
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot take a replica slot; retrying");
                health.unhealthy(format!(
                    "waiting for the database to take a replica slot: {e}"
                ));
            }
        }
        backoff.wait().await;
    }
}

/// Keeps the slot's connection alive; reports on `lost` when it fails.
pub async fn hold(mut conn: PgConnection, slot: u16, lost: oneshot::Sender<String>) {
    loop {
        tokio::time::sleep(PING_EVERY).await;
        if let Err(e) = replica_slots::ping(&mut conn).await {
            let _ = lost.send(format!(
                "lost the database connection holding replica slot {slot}: {e}"
            ));
            return;
        }
    }
}
