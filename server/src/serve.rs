//! The accept loop: the router on hyper, as `axum::serve` runs it, plus what `axum::serve` does
//! not set: a deadline for reading a request's headers. Without it a client that sends one
//! header line a second holds its connection open for ever (slowloris).

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long in-flight connections may take to finish after the shutdown signal.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `router` until `shutdown` resolves, then stops accepting, lets open connections
/// finish their requests (at most [`DRAIN`]) and returns.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    // Dropping `stop_rx` tells every connection to shut down gracefully; each connection task
    // holds a `done_rx` until it ends, so `done_tx.closed()` means all have.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let stop_tx = stop_tx.clone();
        let done_rx = done_rx.clone();
        tokio::spawn(async move {
            let mut conn = pin!(conn);
            let mut stopping = pin!(stop_tx.closed());
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    () = &mut stopping => conn.as_mut().graceful_shutdown(),
                }
            }
            drop(done_rx);
        });
    }
    drop(listener);
    drop(stop_rx);
    drop(done_rx);
    if tokio::time::timeout(DRAIN, done_tx.closed()).await.is_err() {
        tracing::warn!("connections still open {DRAIN:?} after shutdown; stopping anyway");
    }
    Ok(())
}
