//! The HTTP/1 server: `axum::serve` offers no header time-out, so the relay runs hyper itself.
//! A client gets [`Settings::header_read_timeout`] to send its request headers (slowloris
//! clients are dropped), at most [`Settings::max_connections`] connections are served at once
//! (more are closed at once, so a flood cannot exhaust memory or file descriptors), and on
//! shutdown every connection finishes its request before the server returns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use domain::backoff::Backoff;
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
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
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
            drop(permit);
        });
    }
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

fn log_end(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Time-outs and clients going away are routine; they say so at debug level.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
