//! The HTTP listener on hyper-util's connection builder rather than `axum::serve`, which can
//! neither bound how long a client takes to send its headers nor stop waiting for connections
//! at shutdown: a client that never finishes its request would hold both forever.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long connections may take, and how long shutdown waits for them.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// From a connection's first byte (or the end of its previous request) to the end of the
    /// request's headers.
    pub header_read: Duration,
    /// After the shutdown signal: requests in flight get this long to finish, then every
    /// connection still open is closed.
    pub shutdown_grace: Duration,
}

/// Serves `service` on `listener` (over TLS with `tls`) until `shutdown` resolves, then lets
/// requests in flight finish within the grace period.
pub async fn serve(
    listener: TcpListener,
    service: baf_api::Service,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // out of file descriptors, mostly: wait instead of spinning
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = service.clone();
        let handler = service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            // the client's address, for throttling failed authentications
            request.extensions_mut().insert(ConnectInfo(peer));
            service.clone().oneshot(request)
        });
        let (builder, watcher, tls) = (builder.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            let served = match tls {
                None => {
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), handler)
                        .into_owned();
                    watcher.watch(connection).await
                }
                Some(acceptor) => {
                    // a client that never finishes its handshake is cut off like one that never
                    // sends its headers
                    let stream =
                        match tokio::time::timeout(limits.header_read, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%peer, %error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "TLS handshake timed out");
                                return;
                            }
                        };
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), handler)
                        .into_owned();
                    watcher.watch(connection).await
                }
            };
            if let Err(error) = served {
                tracing::debug!(%peer, error = %error, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace_s = limits.shutdown_grace.as_secs(), "connections still open after the shutdown grace period; closing them");
        }
    }
}
