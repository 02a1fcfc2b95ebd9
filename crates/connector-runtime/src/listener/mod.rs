//! The HTTP listeners' connection handling, shared by the hook and the admin listener:
//! timeouts for slow clients and a cap on open connections.
//!
//! - **Headers**: a connection must finish its first request's headers within
//!   [`ListenerLimits::headers`] (10 s) of being accepted.
//! - **Body**: a handler reads a body only once the request is authorized, within
//!   [`ListenerLimits::body`] (30 s) and a size limit ([`body::read_limited`]).
//! - **Idle**: a keep-alive connection waiting for its next request, or a client that
//!   stopped reading an answer, is closed after [`ListenerLimits::idle`] (60 s).
//! - **Cap**: at most [`ListenerLimits::max_connections`] connections are open across both
//!   listeners (never more than the descriptor limit less a reserve for the store and the
//!   API calls). At the cap, the oldest connection that is not inside a request (still
//!   sending its headers, or idle) is closed to admit the new one, so stalled clients
//!   cannot starve deliveries.
//!
//! The loop is hyper's own `serve_connection` under a per-connection watchdog rather than
//! `axum::serve`, which has neither a header deadline from accept nor eviction.

pub(crate) mod body;
pub(crate) mod invoke;
mod table;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

pub(crate) use table::ConnectionTable;

/// Timeouts and the connection cap of both listeners.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerLimits {
    /// From accept to the end of the first request's headers (default 10 s).
    pub headers: Duration,
    /// Reading a request body, once the request is authorized (default 30 s).
    pub body: Duration,
    /// A connection between requests, or not reading its answer (default 60 s).
    pub idle: Duration,
    /// Open connections across both listeners (default 512; lowered to the descriptor
    /// limit less [`DESCRIPTOR_RESERVE`] when that is smaller).
    pub max_connections: usize,
}

/// The default cap on open connections (`--max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Descriptors kept free for the store's pool, the API calls and the process itself.
pub const DESCRIPTOR_RESERVE: u64 = 64;

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits {
            headers: Duration::from_secs(10),
            body: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ListenerLimits {
    /// The cap actually used: `max_connections`, lowered to fit the process's descriptor
    /// limit (`RLIMIT_NOFILE`) less [`DESCRIPTOR_RESERVE`], and at least 1.
    pub fn effective_max_connections(&self) -> usize {
        let fits = descriptor_limit()
            .map(|limit| limit.saturating_sub(DESCRIPTOR_RESERVE))
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::MAX);
        self.max_connections.min(fits).max(1)
    }
}

/// The soft limit on open descriptors, when the platform says.
fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serves `router` on `listener` until `stop` is cancelled, then lets requests in flight
/// finish (at most `drain`) and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    table: Arc<ConnectionTable>,
    stop: CancellationToken,
    drain: Duration,
) {
    let limits = table.limits().clone();
    let connections = TaskTracker::new();
    let mut accept_errors = 0u64;
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, _peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of descriptors (or another passing error): wait a little rather
                // than spin; connections closing free descriptors.
                accept_errors += 1;
                if accept_errors.is_power_of_two() {
                    tracing::warn!(error = %e, errors = accept_errors, "cannot accept a connection");
                }
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
                continue;
            }
        };
        let Some(slot) = table.admit() else {
            // Every open connection is inside a request: refuse this one by closing it.
            drop(stream);
            continue;
        };
        let router = router.clone();
        let stop = stop.clone();
        let limits = limits.clone();
        connections.spawn(async move {
            let _ = stream.set_nodelay(true);
            let state = slot.state().clone();
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let router = router.clone();
                let state = state.clone();
                async move {
                    state.enter();
                    let response = router.oneshot(request.map(Body::new)).await;
                    state.leave();
                    Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            // Deadlines are the watchdog's: hyper's header timeout would also cut idle
            // keep-alive connections at the header deadline.
            builder
                .header_read_timeout(None::<Duration>)
                .max_buf_size(64 * 1024);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let mut graceful = false;
            loop {
                let deadline = slot.state().deadline(&limits);
                tokio::select! {
                    _ = connection.as_mut() => break,
                    () = slot.evicted() => break,
                    () = stop.cancelled(), if !graceful => {
                        graceful = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    () = slot.state().changed() => {}
                    () = tokio::time::sleep_until(deadline) => {
                        if slot.state().expired(&limits) {
                            break;
                        }
                    }
                }
            }
        });
    }
    connections.close();
    let _ = tokio::time::timeout(drain, connections.wait()).await;
}
