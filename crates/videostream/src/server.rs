//! The HTTP/1 server: `axum::serve` offers no header time-out, so the relay runs hyper itself.
//! A client gets [`Settings::header_read_timeout`] to send its request headers (slowloris
//! clients are dropped), at most [`Settings::max_connections`] connections are served at once
//! (more are closed at once, so a flood cannot exhaust memory or file descriptors), at most
//! [`Settings::max_per_client`] of them from one address (more get a short 429 and are
//! closed: one client's idle sockets do not starve everyone else; the proxies of
//! [`Settings::proxies`], which many viewers come through, are exempt), and on shutdown every
//! connection finishes its request before the server returns. A viewer that reads nothing for
//! [`Settings::write_timeout`] is cut.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use domain::backoff::Backoff;
use domain::per_key::PerKey;
use domain::write_timeout::WriteTimeout;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};

use crate::config::Settings;

/// Serves `router` on `listener` until `shutdown` completes, then waits for the connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let shares = PerKey::new(settings.max_per_client);
    let proxies = Arc::new(settings.proxies.clone());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    let mut tasks = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    // Accept errors (out of descriptors and the like) wait 20 ms, doubling up to 10.24 s.
    let mut backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(10 << 10));
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => {
                    backoff.reset();
                    a
                }
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    backoff.wait().await;
                    continue;
                }
            },
        };
        // Finished connections are collected as we go, so the set does not grow.
        while tasks.try_join_next().is_some() {}
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = settings.max_connections, "too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let share = shares.take(peer.ip().to_canonical());
        let proxies = Arc::clone(&proxies);
        let service = TowerToHyperService::new(router.clone());
        let builder = builder.clone();
        let write_timeout = settings.write_timeout;
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            // Over its share: served only when it is a proxy, looked up only then.
            let share = match share {
                Some(share) => Some(share),
                None if proxies.contains(peer.ip()).await => None,
                None => {
                    tracing::debug!(%peer, "a client is over its share of connections");
                    domain::per_key::refuse_over_share(stream).await;
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            let io = WriteTimeout::new(stream, write_timeout, "VIDEOSTREAM_WRITE_TIMEOUT_SECONDS");
            let conn = builder.serve_connection(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            let stopping = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            tokio::select! {
                r = conn.as_mut() => log_end(r),
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    log_end(conn.await);
                }
            }
            drop((permit, share));
        });
    }
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// What a client over its share gets before its connection is closed.
fn log_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Time-outs and clients going away are routine; they say so at debug level.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
