//! The accept loop: hyper's HTTP/1 connection under the emulator's own watchdog, the peer
//! address for echo's `RealIP`, and graceful shutdown.
//!
//! Which limits, and why (the options were measured with `emulator/tests/load.rs`, see below):
//! hyper's `header_read_timeout` also runs while a keep-alive connection sits idle between
//! requests, so it closed idle pooled connections after 30 s, and a client that picked one just
//! then lost its request (the SDK never resends a finalize). The watchdog (`watchdog.rs`) keeps
//! the protection and drops the harm: the header timeout starts at a request's first byte (at
//! the accept for a new connection), so clients that send nothing or drip a head are still cut
//! off; between requests there is no limit by default, like the server (Go's `http.Server`
//! without timeouts, contract §9.6). A separate idle timeout "well above 90 s" was the other
//! option: it bounds idle connections, but client pools keep theirs up to 300 s (Chromium,
//! OkHttp) or until the server closes them (urllib3), so any finite value races some client,
//! while an idle connection only costs the emulator its buffers and its task. It stays
//! available as `EmulatorBuilder::idle_timeout`.
//!
//! Measured with `LOAD_SECONDS=60 cargo test -p hanko-passkeys-emulator --test load --
//! --ignored --nocapture` (debug build, on the project's 2-core VM shared with other builds):
//! transport errors among the 252 requests of the clients whose pooled connections sit idle
//! around the test's 2 s header timeout, and in the 95 s idle check with the defaults:
//! - hyper's header timeout (this file before the watchdog, given the test's 2 s): 28 and 1,
//!   then 21 and 1 (`IncompleteMessage`, some `ConnectionReset`);
//! - the watchdog with an idle timeout of 3 s, below the clients' 4 s pool: 7 and 0 (a
//!   finite idle limit shorter than a client's pool loses requests the same way);
//! - the watchdog as the test runs it (idle 6 s, above the clients' pool): 0 and 0, twice.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulConnection, GracefulShutdown};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use super::watchdog::{Timeouts, Watchdog, WatchedBody};

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` resolves.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the next accept may work.
                Err(_) => {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers, sent at once.
        let _ = stream.set_nodelay(true);
        let connection = graceful.watch(connection(stream, peer, app.clone(), timeouts));
        tokio::spawn(async move {
            // A connection error (a client that went away, a timeout) ends only this connection.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// One client connection serving `app`, watched by a [`Watchdog`] with `timeouts`; resolves
/// when the connection ends.
pub(crate) fn connection<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    timeouts: Timeouts,
) -> impl GracefulConnection<Error = hyper::Error> + Send + 'static
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let watchdog = Watchdog::new(timeouts);
    let io = TokioIo::new(watchdog.watch(io));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // hyper calls the service once the head is complete.
        let busy = watchdog.busy();
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let response = app.oneshot(request.map(Body::new)).await;
            let response = response.unwrap_or_else(|never| match never {});
            Ok::<_, Infallible>(response.map(|body| WatchedBody::new(body, busy)))
        }
    });
    http1::Builder::new()
        // Replaced by the watchdog; hyper's would also close idle keep-alive connections.
        .header_read_timeout(None)
        .serve_connection(io, service)
}

#[cfg(test)]
mod tests;
