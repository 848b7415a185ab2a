//! Listening for the store's notifications ([`crate::notification`]) on a connection of its
//! own, for live updates.

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::{QueryContext, StoreError};
use crate::notification::{CHANNEL, Notification};

/// What [`NotificationListener::recv`] got.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A notification.
    Notification(Notification),
    /// A payload on the channel that is not a notification (e.g. a test's sentinel).
    Unknown(String),
    /// The connection was lost and is being re-established: notifications may have been
    /// missed meanwhile.
    Lost,
}

/// A `LISTEN` on the notification channel.
pub struct NotificationListener(PgListener);

impl NotificationListener {
    /// Connects (from `pool`'s settings) and listens.
    pub async fn connect(pool: &PgPool) -> Result<Self, StoreError> {
        let mut listener = PgListener::connect_with(pool)
            .await
            .query("listener.connect")?;
        listener.listen(CHANNEL).await.query("listener.listen")?;
        Ok(Self(listener))
    }

    /// Waits for the next notification.
    pub async fn recv(&mut self) -> Result<Received, StoreError> {
        let Some(n) = self.0.try_recv().await.query("listener.recv")? else {
            return Ok(Received::Lost);
        };
        Ok(match Notification::decode(n.payload()) {
            Ok(note) => Received::Notification(note),
            Err(_) => Received::Unknown(n.payload().to_owned()),
        })
    }
}
