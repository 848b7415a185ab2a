//! The feeds: one upstream connection per camera, shared by all of its viewers.
//!
//! Each feed is a task that reads the camera's MJPEG stream and puts the latest frame into a
//! `watch` channel. A viewer holds a receiver and sends whatever frame is newest when its
//! connection can take one, so a slow viewer skips frames and never holds up the camera or the
//! other viewers. The task reconnects with back-off when the camera drops, and ends (closing
//! the upstream connection) when its last receiver is gone.
//!
//! Before each connection the camera's address is checked ([`CameraPolicy::check`]) and the
//! connection goes only to the checked addresses, with no redirect followed; only parts whose
//! bytes are a JPEG or PNG image are relayed, labelled with the relay's own content type.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::Settings;
use crate::multipart::{self, Parser};
use domain::backoff::Backoff;
use domain::camera::redact;
use domain::camera_policy::{CameraPolicy, CameraRefused};
use domain::{CameraUrl, StandId};

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

/// The image types relayed, by their first bytes: anything else a camera sends (HTML, text,
/// SVG with scripts) is dropped, so a camera cannot make the relay serve active content.
const IMAGE_TYPES: [(&str, &[u8]); 2] = [
    // SOI: what every JPEG starts with (and no text or markup does).
    ("image/jpeg", &[0xFF, 0xD8]),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
];

/// The content type a part is relayed with, or `None` when it is not relayed: its bytes must
/// be a JPEG or PNG image, and the type it declares (if any) an image type.
pub fn image_type(part: &multipart::Part) -> Option<&'static str> {
    let declared_ok = part.content_type.as_deref().is_none_or(|t| {
        let t = t.trim().to_ascii_lowercase();
        ["image/jpeg", "image/jpg", "image/pjpeg", "image/png"]
            .iter()
            .any(|ok| t == *ok || t.starts_with(&format!("{ok};")))
    });
    if !declared_ok {
        return None;
    }
    IMAGE_TYPES
        .iter()
        .find(|(_, magic)| part.body.starts_with(magic))
        .map(|(t, _)| *t)
}

impl Frame {
    fn new(seq: u64, content_type: &'static str, part: multipart::Part) -> Self {
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

/// Why one upstream connection ended. The `url` fields hold the redacted URL.
#[derive(Debug, thiserror::Error)]
enum UpstreamError {
    #[error("the camera at {url} is refused: {cause}")]
    Refused { url: String, cause: CameraRefused },
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
            let mut upstream = std::pin::pin!(session(&url, &tx, &settings, &mut seq));
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

/// A client for one upstream connection to `camera`: only to its checked addresses, no
/// redirects, no proxy from the environment, no connection kept after the feed.
fn client_for(
    camera: &domain::camera_policy::CheckedCamera,
    settings: &Settings,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        // For a host name, connect to the addresses checked, not to a second DNS answer.
        .resolve_to_addrs(&camera.host, &camera.addrs)
        .build()
}

/// One upstream connection: frames into `tx` until it fails.
async fn session(
    url: &str,
    tx: &watch::Sender<FeedState>,
    settings: &Settings,
    seq: &mut u64,
) -> UpstreamError {
    tx.send_replace(FeedState::Connecting);
    let shown = redact(url);
    if url.starts_with("https:") {
        // The relay is built without TLS: lab cameras serve plain HTTP on the lab network.
        return UpstreamError::Connect {
            url: shown,
            cause: "HTTPS cameras are not supported; use the camera's http:// URL".to_owned(),
        };
    }
    let checked = match check(&settings.policy, url, settings.connect_timeout).await {
        Ok(c) => c,
        Err(cause) => return UpstreamError::Refused { url: shown, cause },
    };
    let client = match client_for(&checked, settings) {
        Ok(c) => c,
        Err(e) => {
            return UpstreamError::Connect {
                url: shown,
                cause: error_chain(&e),
            };
        }
    };
    let response =
        match tokio::time::timeout(settings.connect_timeout, client.get(url).send()).await {
            Err(_) => {
                return UpstreamError::ConnectTimeout {
                    url: shown,
                    limit: settings.connect_timeout,
                };
            }
            Ok(Err(e)) => {
                return UpstreamError::Connect {
                    url: shown,
                    // reqwest's message quotes the URL, password included: not that part.
                    cause: error_chain(&e.without_url()),
                };
            }
            Ok(Ok(r)) => r,
        };
    if !response.status().is_success() {
        return UpstreamError::Status {
            url: shown,
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
            url: shown,
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
            Ok(Some(Err(e))) => return UpstreamError::Read(error_chain(&e.without_url())),
            Ok(Some(Ok(chunk))) => chunk,
        };
        parser.push(&chunk);
        loop {
            match parser.next_part() {
                Ok(Some(part)) => match image_type(&part) {
                    Some(content_type) => {
                        *seq += 1;
                        tx.send_replace(FeedState::Live(Frame::new(*seq, content_type, part)));
                    }
                    // Cameras may interleave other parts; none of them reaches a viewer.
                    None => tracing::debug!(
                        declared = ?part.content_type,
                        bytes = part.body.len(),
                        "a part that is no JPEG or PNG image dropped"
                    ),
                },
                Ok(None) if parser.is_done() => return UpstreamError::Closed,
                Ok(None) => break,
                Err(e) => return e.into(),
            }
        }
    }
}

/// The policy check of `url`, within `limit` (a resolver that hangs is a camera that fails).
async fn check(
    policy: &CameraPolicy,
    url: &str,
    limit: std::time::Duration,
) -> Result<domain::camera_policy::CheckedCamera, CameraRefused> {
    let url = CameraUrl::from_stored(url.to_owned());
    match tokio::time::timeout(limit, policy.check(&url)).await {
        Ok(r) => r,
        Err(_) => Err(CameraRefused::Unresolvable {
            host: String::new(),
            cause: format!("no answer within {limit:?}"),
        }),
    }
}

/// An error with its causes, for the log.
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
