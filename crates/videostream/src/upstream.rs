//! The upstream side of a feed: connecting to the camera, reading its MJPEG stream, and
//! reconnecting with back-off until nobody watches.
//!
//! Before each connection the camera's address is checked ([`CameraPolicy::check`]) and the
//! connection goes only to the checked addresses, with no redirect followed; only parts whose
//! bytes are a JPEG or PNG image are relayed, labelled with the relay's own content type.
//! Frames go into the feed's `watch` channel ([`crate::frame`]); who watches is the hub's
//! business, asked through the `release` callback.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::watch;

use crate::config::Settings;
use crate::frame::{FeedState, Frame};
use crate::multipart::{self, Parser};
use domain::backoff::Backoff;
use domain::camera::redact;
use domain::camera_policy::{CameraPolicy, CameraRefused};
use domain::{CameraUrl, StandId};

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

/// The task of one feed: upstream sessions with back-off until nobody watches. When the last
/// receiver is gone, `release` says whether the feed may end (`false`: a viewer came in
/// meanwhile and the same connection goes on).
#[tracing::instrument(skip_all, fields(%stand, feed = id))]
pub(crate) async fn feed(
    stand: StandId,
    id: u64,
    url: String,
    settings: Settings,
    tx: Arc<watch::Sender<FeedState>>,
    release: impl Fn() -> bool,
) {
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
                        if release() {
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
                    if release() {
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
