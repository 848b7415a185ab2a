//! The HTTP server loop: the application served on a listener with bounds a stranger cannot
//! stretch (a leaf: it knows only an axum `Router`).
//!
//! `axum::serve` has no time-outs, so a client sending its headers a byte a second
//! (slowloris), or its body never, or reading a download never, holds a connection (and
//! what the handler holds: a download slot) for ever. Here:
//! - the request headers must arrive within [`ServerLimits::header_timeout`] (hyper's
//!   header read time-out, which also closes a keep-alive connection idle that long);
//! - a request body must arrive whole within [`ServerLimits::body_timeout`];
//! - a write that cannot progress for [`ServerLimits::write_timeout`] (the client stopped
//!   reading) ends the connection, which drops the response and whatever it holds;
//! - at most [`ServerLimits::max_connections`] connections are served at once; more wait in
//!   the listen backlog;
//! - at most [`ServerLimits::max_per_client`] of them come from one address (a client that
//!   opens more gets a short 429 and its connection closed, without a request being read), so
//!   one client holding a thousand idle sockets or live streams does not starve everyone
//!   else — health checks and logins included. Addresses many people reach us through (a
//!   trusted proxy, which caps per real client itself, or `SHARED_CLIENTS`) are exempt.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use domain::backoff::Backoff;
use domain::config::{self as env, ConfigError};
use domain::per_key::PerKey;
use domain::write_timeout::WriteTimeout;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};

/// The bounds of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// `WEB_HEADER_TIMEOUT_SECONDS` (default 10): time for a request's headers to arrive (and
    /// for the first one to start: a connection that sends nothing is closed after it).
    pub header_timeout: Duration,
    /// `WEB_BODY_TIMEOUT_SECONDS` (default 60): time for a request's body to arrive whole.
    pub body_timeout: Duration,
    /// `WEB_WRITE_TIMEOUT_SECONDS` (default 30): how long a write may wait for a client that
    /// does not read before the connection is cut.
    pub write_timeout: Duration,
    /// `WEB_MAX_CONNECTIONS` (default 1024): connections served at once.
    pub max_connections: usize,
    /// `WEB_MAX_CONNECTIONS_PER_CLIENT` (default 64): connections served at once from one
    /// client address (a browser opens at most six to a host, plus its live stream per tab).
    pub max_per_client: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_per_client: 64,
        }
    }
}

impl ServerLimits {
    /// Reads the limits from the environment; errors name the variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = Self::default();
        let secs = |name, default: Duration| -> Result<Duration, ConfigError> {
            let s: u64 = env::parse_or(name, default.as_secs())?;
            if s == 0 {
                return Err(ConfigError::Invalid {
                    name,
                    value: "0".into(),
                    reason: "must be at least 1 second".into(),
                });
            }
            Ok(Duration::from_secs(s))
        };
        let count = |name, default: usize| -> Result<usize, ConfigError> {
            let n = env::parse_or(name, default)?;
            if n == 0 {
                return Err(ConfigError::Invalid {
                    name,
                    value: "0".into(),
                    reason: "must be at least 1".into(),
                });
            }
            Ok(n)
        };
        Ok(Self {
            header_timeout: secs("WEB_HEADER_TIMEOUT_SECONDS", d.header_timeout)?,
            body_timeout: secs("WEB_BODY_TIMEOUT_SECONDS", d.body_timeout)?,
            write_timeout: secs("WEB_WRITE_TIMEOUT_SECONDS", d.write_timeout)?,
            max_connections: count("WEB_MAX_CONNECTIONS", d.max_connections)?,
            max_per_client: count("WEB_MAX_CONNECTIONS_PER_CLIENT", d.max_per_client)?,
        })
    }
}

/// What a client over its share of connections gets before its connection is closed.
/// Serves `app` on `listener` within `limits` until `shutdown` completes, then waits for the
/// connections in flight to finish their requests. Handlers see the peer as
/// `ConnectInfo<SocketAddr>`. Peers for which `exempt` holds have no per-client share.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    exempt: Exempt,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let shares = PerKey::new(limits.max_per_client);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    // Accept errors (out of file descriptors and the like) wait 10 ms, doubling up to 1 s.
    let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_secs(1));
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    backoff.wait().await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        backoff.reset();
        let share = shares.take(peer.ip().to_canonical());
        let exempt = exempt.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // Over its share: served only when many people come through that address (a
            // proxy or `SHARED_CLIENTS`), which is looked up only then.
            let share = match share {
                Some(share) => Some(share),
                None if exempt(peer.ip()).await => None,
                None => {
                    tracing::debug!(%peer, "a client is over its share of connections");
                    drop(slot);
                    domain::per_key::refuse_over_share(stream).await;
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(app);
            let body_timeout = limits.body_timeout;
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let req = req.map(|body| DeadlineBody::new(body, body_timeout));
                hyper::service::Service::call(&service, req)
            });
            let io = TokioIo::new(WriteTimeout::new(
                stream,
                limits.write_timeout,
                "WEB_WRITE_TIMEOUT_SECONDS",
            ));
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop((slot, share));
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Whether many people reach us through an address (so it has no per-client share).
pub type Exempt = Arc<dyn Fn(IpAddr) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// A request body that must arrive whole by a deadline.
pub struct DeadlineBody<B> {
    inner: B,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<B> DeadlineBody<B> {
    /// `inner`, due within `timeout` from now.
    pub fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Instant::now() + timeout,
            sleep: None,
        }
    }
}

/// The error of a body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimedOut;

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTimedOut.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body whose sender never sends.
    struct Silent;

    impl Body for Silent {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_body_not_whole_by_its_deadline_fails_and_a_prompt_one_passes() {
        let start = Instant::now();
        let mut body = DeadlineBody::new(Silent, Duration::from_millis(200));
        let frame = futures::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let err = frame.expect("a frame").expect_err("timed out");
        assert!(err.is::<BodyTimedOut>());
        assert!(start.elapsed() >= Duration::from_millis(200));

        let mut body = DeadlineBody::new(axum::body::Body::from("hi"), Duration::from_secs(1));
        let frame = futures::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let data = frame
            .expect("a frame")
            .expect("data")
            .into_data()
            .expect("bytes");
        assert_eq!(data, "hi");
    }
}
