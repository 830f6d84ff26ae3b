//! Serving a listener's connections with the limits a service on a network needs, which
//! `axum::serve` does not set (it gives hyper no timer, so hyper's header-read timeout never
//! fires): a client has [`HEADER_READ_TIMEOUT`] to send a request's headers and
//! [`REQUEST_TIMEOUT`] to send its body (else 408), and a request not answered within
//! [`REQUEST_TIMEOUT`] is answered 503 (not 408, which browsers resend by themselves, POSTs
//! included). On shutdown it stops accepting and lets every open connection finish its request
//! in flight.

use std::net::SocketAddr;
use std::time::Duration;

use axum::{
    extract::{ConnectInfo, Request},
    http::StatusCode,
    Router,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// A slow-loris client (headers sent a byte at a time) holds a connection at most this long. Ten
/// seconds is far above what a phone on a poor network needs for a few hundred bytes of headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a request may take to send its body (else 408) and to be answered (else 503): the slowest
/// request measured (a batch of 10,000 fixes, 8 MiB) takes about 0.2 s to store, and 30 s lets a
/// client on 2G (some 300 KiB/s) upload it. A live stream is answered at once and then streams for
/// as long as it lasts: the limit is on the answer, not on the stream.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long clients may take.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_read: Duration,
    pub request: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: HEADER_READ_TIMEOUT,
            request: REQUEST_TIMEOUT,
        }
    }
}

/// Serves `app` on `listener` until `shutdown`, then waits for the connections' requests in flight.
pub async fn serve(listener: TcpListener, app: Router, shutdown: CancellationToken) {
    serve_with(listener, app, shutdown, Limits::default()).await
}

/// [`serve`] with limits of one's own.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
    limits: Limits,
) {
    let app = app
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request,
        ))
        .layer(RequestBodyTimeoutLayer::new(limits.request));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder.http2().timer(TokioTimer::new());
    let connections = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = app.clone().map_request(move |mut request: Request<_>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(remote));
            request
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%remote, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server of `app` with short limits on a free port.
    async fn serving(app: Router) -> (SocketAddr, CancellationToken) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let limits = Limits {
            header_read: Duration::from_millis(500),
            request: Duration::from_millis(500),
        };
        tokio::spawn(serve_with(listener, app, shutdown.clone(), limits));
        (addr, shutdown)
    }

    /// What the server sends on `stream` until it closes it, or `None` if it is still open after
    /// `within`.
    async fn until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
        let mut received = Vec::new();
        tokio::time::timeout(within, stream.read_to_end(&mut received))
            .await
            .ok()?
            .ok()?;
        Some(String::from_utf8_lossy(&received).into_owned())
    }

    /// `GET /` on a connection of its own: the whole answer (5 s at most).
    async fn get(addr: SocketAddr) -> String {
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: fleetline\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        until_closed(&mut client, Duration::from_secs(5))
            .await
            .expect("an answer within 5 s")
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let (addr, _shutdown) = serving(Router::new().fallback(|| async { "ok" })).await;
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: fleetline\r\nX-Slow: ")
            .await
            .unwrap();
        let answer = until_closed(&mut slow, Duration::from_secs(5)).await;
        assert!(answer.is_some(), "the connection is still open");
        // The server still serves everyone else.
        let answer = get(addr).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[tokio::test]
    async fn a_request_not_answered_in_time_is_answered_503() {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        };
        let (addr, _shutdown) = serving(Router::new().fallback(slow)).await;
        let answer = get(addr).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    }
}
