//! The feeds: one upstream connection per camera, shared by all of its viewers.
//!
//! Each feed is a task that reads the camera's MJPEG stream and puts the latest frame into a
//! `watch` channel. A viewer holds a receiver and sends whatever frame is newest when its
//! connection can take one, so a slow viewer skips frames and never holds up the camera or the
//! other viewers. The task reconnects with back-off when the camera drops, and ends (closing
//! the upstream connection) when its last receiver is gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::multipart::{self, Parser};
use domain::StandId;
use domain::backoff::Backoff;

/// Time limits and sizes of the relay.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Limit for connecting to a camera and receiving its response headers.
    pub connect_timeout: Duration,
    /// How long a new viewer waits for the first frame before it gets an error page.
    pub first_frame_timeout: Duration,
    /// Silence after which a camera's connection is taken as dead and opened again.
    pub stall_timeout: Duration,
    /// First wait before reconnecting to a camera that dropped; doubled up to `backoff_max`.
    pub backoff_initial: Duration,
    /// Longest wait between reconnection attempts.
    pub backoff_max: Duration,
    /// Largest frame accepted from a camera.
    pub max_frame_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            first_frame_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_frame_bytes: 16 << 20,
        }
    }
}

/// The boundary of the stream sent to viewers.
pub const BOUNDARY: &str = "frame";

/// A frame, ready to send: the multipart delimiter, headers, the JPEG bytes and the line end.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Counts frames of the feed from 1.
    pub seq: u64,
    /// The whole part as sent to viewers; cloning it shares the bytes.
    pub part: Bytes,
}

impl Frame {
    fn new(seq: u64, part: multipart::Part) -> Self {
        let content_type = part.content_type.as_deref().unwrap_or("image/jpeg");
        let head = format!(
            "--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            part.body.len()
        );
        let mut buf = BytesMut::with_capacity(head.len() + part.body.len() + 2);
        buf.put_slice(head.as_bytes());
        buf.put_slice(&part.body);
        buf.put_slice(b"\r\n");
        Self {
            seq,
            part: buf.freeze(),
        }
    }
}

/// What a feed is doing, as its viewers see it.
#[derive(Debug, Clone)]
pub enum FeedState {
    /// Opening the upstream connection.
    Connecting,
    /// The newest frame.
    Live(Frame),
    /// The camera cannot be read; the feed retries after a back-off.
    Down(Arc<str>),
}

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
    client: reqwest::Client,
    settings: Settings,
    feeds: Mutex<Feeds>,
}

impl Hub {
    /// A hub with no feeds yet.
    pub fn new(settings: Settings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true)
            // A stream is never reused: the connection ends with the feed.
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                settings,
                feeds: Mutex::new(Feeds::default()),
            }),
        })
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
        let task = tokio::spawn(feed(
            self.clone(),
            stand.clone(),
            id,
            url.to_owned(),
            tx.clone(),
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

/// Why one upstream connection ended.
#[derive(Debug, thiserror::Error)]
enum UpstreamError {
    #[error("cannot connect to the camera at {url}: {cause}")]
    Connect { url: String, cause: String },
    #[error("the camera at {url} did not answer within {limit:?}")]
    ConnectTimeout { url: String, limit: Duration },
    #[error("the camera at {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error(
        "the camera at {url} does not send an MJPEG stream \
         (Content-Type {content_type:?}, expected multipart/x-mixed-replace with a boundary)"
    )]
    NotMjpeg { url: String, content_type: String },
    #[error("reading the camera's stream failed: {0}")]
    Read(String),
    #[error("the camera sent nothing for {0:?}")]
    Stalled(Duration),
    #[error("the camera's stream cannot be parsed: {0}")]
    Parse(#[from] multipart::ParseError),
    #[error("the camera closed its stream")]
    Closed,
}

/// The task of one feed: upstream sessions with back-off until nobody watches.
#[tracing::instrument(skip_all, fields(%stand, feed = id))]
async fn feed(hub: Hub, stand: StandId, id: u64, url: String, tx: Arc<watch::Sender<FeedState>>) {
    let settings = hub.settings().clone();
    let mut backoff = Backoff::new(settings.backoff_initial, settings.backoff_max);
    let mut seq = 0;
    loop {
        let before = seq;
        let error = {
            let mut upstream =
                std::pin::pin!(session(&hub.inner.client, &url, &tx, &settings, &mut seq));
            loop {
                tokio::select! {
                    e = &mut upstream => break e,
                    _ = tx.closed() => {
                        // A viewer may have come in since: then the same connection goes on.
                        if hub.release(&stand, id) {
                            return;
                        }
                    }
                }
            }
        };
        if seq > before {
            backoff.reset();
        }
        tracing::warn!(error = %error, retry_in = ?backoff.peek(), "camera stream interrupted");
        tx.send_replace(FeedState::Down(error.to_string().into()));
        let pause = backoff.wait();
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                _ = tx.closed() => {
                    if hub.release(&stand, id) {
                        return;
                    }
                }
            }
        }
    }
}

/// One upstream connection: frames into `tx` until it fails.
async fn session(
    client: &reqwest::Client,
    url: &str,
    tx: &watch::Sender<FeedState>,
    settings: &Settings,
    seq: &mut u64,
) -> UpstreamError {
    tx.send_replace(FeedState::Connecting);
    if url.starts_with("https:") {
        // The relay is built without TLS: lab cameras serve plain HTTP on the lab network.
        return UpstreamError::Connect {
            url: url.to_owned(),
            cause: "HTTPS cameras are not supported; use the camera's http:// URL".to_owned(),
        };
    }
    let response =
        match tokio::time::timeout(settings.connect_timeout, client.get(url).send()).await {
            Err(_) => {
                return UpstreamError::ConnectTimeout {
                    url: url.to_owned(),
                    limit: settings.connect_timeout,
                };
            }
            Ok(Err(e)) => {
                return UpstreamError::Connect {
                    url: url.to_owned(),
                    cause: error_chain(&e),
                };
            }
            Ok(Ok(r)) => r,
        };
    if !response.status().is_success() {
        return UpstreamError::Status {
            url: url.to_owned(),
            status: response.status().as_u16(),
        };
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let Some(boundary) = multipart::boundary_of(&content_type) else {
        return UpstreamError::NotMjpeg {
            url: url.to_owned(),
            content_type,
        };
    };
    tracing::debug!(%boundary, "camera stream open");
    let mut parser = Parser::new(&boundary, settings.max_frame_bytes);
    let mut body = response.bytes_stream();
    loop {
        let chunk = match tokio::time::timeout(settings.stall_timeout, body.next()).await {
            Err(_) => return UpstreamError::Stalled(settings.stall_timeout),
            Ok(None) => return UpstreamError::Closed,
            Ok(Some(Err(e))) => return UpstreamError::Read(error_chain(&e)),
            Ok(Some(Ok(chunk))) => chunk,
        };
        parser.push(&chunk);
        loop {
            match parser.next_part() {
                Ok(Some(part)) => {
                    // Only images are frames; cameras may interleave other parts.
                    let is_image = part
                        .content_type
                        .as_deref()
                        .is_none_or(|t| t.trim().to_ascii_lowercase().starts_with("image/"));
                    if is_image && !part.body.is_empty() {
                        *seq += 1;
                        tx.send_replace(FeedState::Live(Frame::new(*seq, part)));
                    }
                }
                Ok(None) if parser.is_done() => return UpstreamError::Closed,
                Ok(None) => break,
                Err(e) => return e.into(),
            }
        }
    }
}

/// An error with its causes, for messages shown to people.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
