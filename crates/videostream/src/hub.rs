//! The feeds: one upstream connection per camera, shared by all of its viewers.
//!
//! Each feed is a task ([`crate::upstream`]) that reads the camera's MJPEG stream and puts the
//! latest frame into a `watch` channel. A viewer holds a receiver and sends whatever frame is
//! newest when its connection can take one, so a slow viewer skips frames and never holds up
//! the camera or the other viewers. The hub starts, replaces and stops those tasks; a task ends
//! (closing the upstream connection) when its last receiver is gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::config::Settings;
use crate::frame::{FeedState, Frame};
use crate::upstream;
use domain::StandId;

/// Why a feed cannot be watched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    /// The relay is shutting down.
    #[error("the relay is shutting down")]
    ShuttingDown,
    /// The camera could not be read.
    #[error("{0}")]
    Camera(String),
    /// The camera sent no frame in time.
    #[error("the camera sent no frame within {0:?}")]
    NoFrame(Duration),
    /// The camera was removed or changed while waiting.
    #[error("the camera was removed or changed")]
    Removed,
}

struct Entry {
    id: u64,
    url: String,
    tx: Arc<watch::Sender<FeedState>>,
    task: AbortHandle,
}

#[derive(Default)]
struct Feeds {
    by_stand: HashMap<StandId, Entry>,
    next_id: u64,
    closed: bool,
}

/// All feeds of the relay. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    feeds: Mutex<Feeds>,
}

impl Hub {
    /// A hub with no feeds yet.
    pub fn new(settings: Settings) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                feeds: Mutex::new(Feeds::default()),
            }),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    fn feeds(&self) -> MutexGuard<'_, Feeds> {
        // A panic while holding the lock leaves the map consistent (every change is one
        // insert or remove), so a poisoned lock is still usable.
        self.inner
            .feeds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A receiver of the feed of `stand` from `url`, starting the feed when it is not running
    /// or runs from another URL (the camera was changed in the database).
    pub fn subscribe(
        &self,
        stand: &StandId,
        url: &str,
    ) -> Result<watch::Receiver<FeedState>, WatchError> {
        let mut feeds = self.feeds();
        if feeds.closed {
            return Err(WatchError::ShuttingDown);
        }
        if let Some(entry) = feeds.by_stand.get(stand) {
            if entry.url == url && !entry.task.is_finished() {
                return Ok(entry.tx.subscribe());
            }
            if let Some(old) = feeds.by_stand.remove(stand) {
                old.task.abort();
            }
        }
        feeds.next_id += 1;
        let id = feeds.next_id;
        let (tx, rx) = watch::channel(FeedState::Connecting);
        let tx = Arc::new(tx);
        let hub = self.clone();
        let released = stand.clone();
        let task = tokio::spawn(upstream::feed(
            stand.clone(),
            id,
            url.to_owned(),
            self.settings().clone(),
            tx.clone(),
            move || hub.release(&released, id),
        ))
        .abort_handle();
        feeds.by_stand.insert(
            stand.clone(),
            Entry {
                id,
                url: url.to_owned(),
                tx,
                task,
            },
        );
        tracing::info!(%stand, "camera feed started");
        Ok(rx)
    }

    /// Stops the feed of `stand`, if any: its viewers' streams end.
    pub fn forget(&self, stand: &StandId) {
        if let Some(old) = self.feeds().by_stand.remove(stand) {
            old.task.abort();
            tracing::info!(%stand, "camera feed stopped");
        }
    }

    /// Stops every feed and refuses new viewers: all viewers' streams end.
    pub fn close(&self) {
        let mut feeds = self.feeds();
        feeds.closed = true;
        for (_, entry) in feeds.by_stand.drain() {
            entry.task.abort();
        }
    }

    /// The number of feeds running now.
    pub fn feed_count(&self) -> usize {
        self.feeds().by_stand.len()
    }

    /// Removes feed `id` of `stand` if nobody watches it any more; `false` when a viewer came
    /// in meanwhile and the feed must go on. Checked under the lock that `subscribe` takes, so
    /// no viewer is left on a feed that stopped.
    fn release(&self, stand: &StandId, id: u64) -> bool {
        let mut feeds = self.feeds();
        match feeds.by_stand.get(stand) {
            Some(entry) if entry.id == id => {
                if entry.tx.receiver_count() > 0 {
                    return false;
                }
                feeds.by_stand.remove(stand);
                tracing::info!(%stand, "last viewer left; camera feed stopped");
                true
            }
            // Replaced or forgotten already.
            _ => true,
        }
    }
}

/// Waits for a frame to start a viewer's stream with: the current one, or the next within
/// the first-frame limit. A failure seen after subscribing is the viewer's error.
pub async fn first_frame(
    rx: &mut watch::Receiver<FeedState>,
    limit: Duration,
) -> Result<Frame, WatchError> {
    if let FeedState::Live(frame) = &*rx.borrow_and_update() {
        return Ok(frame.clone());
    }
    let wait = async {
        loop {
            rx.changed().await.map_err(|_| WatchError::Removed)?;
            match &*rx.borrow_and_update() {
                FeedState::Live(frame) => return Ok(frame.clone()),
                FeedState::Down(reason) => return Err(WatchError::Camera(reason.to_string())),
                FeedState::Connecting => {}
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .unwrap_or(Err(WatchError::NoFrame(limit)))
}

/// The next frame newer than the last one sent, skipping all in between; `None` when the feed
/// ended.
pub async fn next_frame(rx: &mut watch::Receiver<FeedState>) -> Option<Frame> {
    loop {
        rx.changed().await.ok()?;
        if let FeedState::Live(frame) = &*rx.borrow_and_update() {
            return Some(frame.clone());
        }
    }
}
