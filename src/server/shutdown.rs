//! Graceful shutdown: on SIGTERM (what service managers and container runtimes send) or Ctrl-C,
//! the one cancellation signal stops accepting connections, ends the live streams and stops the
//! background tasks; requests in flight finish (their grouped appends with them) until the
//! deadline, then the process exits anyway.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Cancels `shutdown` on the first SIGTERM or Ctrl-C (SIGINT).
pub fn cancel_on_signal(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(error) => {
                    tracing::error!(%error, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
            _ = terminate => tracing::info!("SIGTERM: shutting down"),
        }
        shutdown.cancel();
    });
}

/// Runs `serving` (servers shutting down gracefully on `shutdown`) to its end, or until
/// `deadline` after `shutdown` is cancelled, whichever comes first.
pub async fn serve_until_deadline(
    serving: impl Future<Output = anyhow::Result<()>>,
    shutdown: &CancellationToken,
    deadline: Duration,
) -> anyhow::Result<()> {
    let deadline_passed = async {
        shutdown.cancelled().await;
        tokio::time::sleep(deadline).await;
    };
    tokio::select! {
        served = serving => served,
        _ = deadline_passed => {
            tracing::warn!(?deadline, "requests still running at the shutdown deadline: exiting anyway");
            Ok(())
        }
    }
}
