//! The HTTP/1.1 serve loop shared by both emulators, and the front layer every request
//! crosses first: body size limit, then fault injection, then the emulator's router.
//!
//! The loop is hyper's own (`serve_connection`) rather than `axum::serve`, because a
//! dropped connection is a fault to inject: when the front layer answers `Err`, hyper
//! closes the connection without writing any response.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode, header};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::faults::{Fault, Faults};

/// The largest request body the Okta emulator reads: 1 MiB. Larger bodies get a 413.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much of an oversized body is read and thrown away so the client can read the 413
/// (a client still writing when the server closes often sees a reset instead).
const DRAIN_LIMIT_BYTES: usize = 32 * 1024 * 1024;

/// The path prefix of the admin endpoints, which faults never touch.
pub(crate) const ADMIN_PREFIX: &str = "/__sandbox";

/// Builds a response from a status code; each emulator writes its own error bodies.
pub(crate) type ResponseFor = Arc<dyn Fn(StatusCode) -> Response<Body> + Send + Sync>;

/// What the front layer needs from an emulator.
pub(crate) struct Front {
    pub(crate) faults: Faults,
    /// The emulator's usual response for a status: used for status faults without a body
    /// and for 413 on oversized bodies.
    pub(crate) response_for: ResponseFor,
    /// The largest body read; larger ones get 413.
    pub(crate) body_limit: usize,
    /// Requests that reached the front layer (admin endpoints excluded).
    pub(crate) requests: AtomicU64,
}

impl Front {
    pub(crate) fn new(faults: Faults, response_for: ResponseFor, body_limit: usize) -> Self {
        Front {
            faults,
            response_for,
            body_limit,
            requests: AtomicU64::new(0),
        }
    }
}

/// Returned by the front layer to make hyper close the connection without an answer.
#[derive(Debug)]
struct ConnectionDropped;

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

enum BodyRead {
    Complete(Bytes),
    TooLarge,
    Broken,
}

async fn read_body(mut body: Incoming, limit: usize) -> BodyRead {
    let mut buf = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Broken;
        };
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total > DRAIN_LIMIT_BYTES.max(limit) {
                return BodyRead::TooLarge;
            }
            if total <= limit {
                buf.extend_from_slice(&data);
            }
        }
    }
    if total > limit {
        BodyRead::TooLarge
    } else {
        BodyRead::Complete(buf.freeze())
    }
}

fn is_admin(path: &str) -> bool {
    path == ADMIN_PREFIX
        || path
            .strip_prefix(ADMIN_PREFIX)
            .is_some_and(|rest| rest.starts_with('/'))
}

impl Front {
    async fn handle(
        &self,
        router: Router,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, ConnectionDropped> {
        let (parts, body) = req.into_parts();
        let declared_too_large = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|len| len > DRAIN_LIMIT_BYTES.max(self.body_limit) as u64);
        if declared_too_large {
            return Ok((self.response_for)(StatusCode::PAYLOAD_TOO_LARGE));
        }
        let bytes = match read_body(body, self.body_limit).await {
            BodyRead::Complete(bytes) => bytes,
            BodyRead::TooLarge => return Ok((self.response_for)(StatusCode::PAYLOAD_TOO_LARGE)),
            // The client broke its own request; there is nobody to answer.
            BodyRead::Broken => return Err(ConnectionDropped),
        };
        let admin = is_admin(parts.uri.path());
        let mut drop_after = false;
        if !admin {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let fault = self.faults.take(&parts.method, parts.uri.path(), &bytes);
            if let Some(fault) = fault {
                tracing::debug!(method = %parts.method, path = parts.uri.path(), ?fault, "injecting fault");
                match fault {
                    Fault::Status {
                        status,
                        body,
                        headers,
                    } => return Ok(self.status_fault(status, body, &headers)),
                    Fault::Delay(delay) => tokio::time::sleep(delay).await,
                    Fault::Drop => return Err(ConnectionDropped),
                    Fault::DropAfter => drop_after = true,
                }
            }
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        let response = match router.oneshot(req).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        if drop_after {
            // The service has acted; the answer is lost on the way back.
            drop(response);
            return Err(ConnectionDropped);
        }
        Ok(response)
    }

    fn status_fault(
        &self,
        status: u16,
        body: Option<String>,
        headers: &[(String, String)],
    ) -> Response<Body> {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (self.response_for)(status);
        if let Some(body) = body {
            let looks_json = serde_json::from_str::<serde_json::Value>(&body).is_ok();
            *response.body_mut() = Body::from(body);
            let content_type = if looks_json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response.headers_mut().remove(header::CONTENT_LENGTH);
        }
        for (name, value) in headers {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                (Ok(name), Ok(value)) => {
                    response.headers_mut().insert(name, value);
                }
                _ => tracing::warn!(name, "skipping an invalid header in a status fault"),
            }
        }
        response
    }
}

/// Binds a listener on 127.0.0.1 (`port` 0 picks a free port).
pub(crate) async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

/// A running serve loop. Dropping it stops accepting and closes open connections.
pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `router` behind `front` on `listener` until shut down.
    pub(crate) fn spawn(
        listener: TcpListener,
        router: Router,
        front: Arc<Front>,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    // A send or the sender's drop both mean stop.
                    _ = stop.changed() => break,
                    accepted = listener.accept() => {
                        let stream = match accepted {
                            Ok((stream, _peer)) => stream,
                            Err(error) => {
                                // Out of file descriptors and the like: back off briefly
                                // instead of spinning.
                                tracing::warn!(%error, "accept failed");
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                                continue;
                            }
                        };
                        let _ = stream.set_nodelay(true);
                        let front = front.clone();
                        let router = router.clone();
                        let service = hyper::service::service_fn(move |req| {
                            let front = front.clone();
                            let router = router.clone();
                            async move { front.handle(router, req).await }
                        });
                        connections.spawn(async move {
                            let served = hyper::server::conn::http1::Builder::new()
                                .timer(TokioTimer::new())
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                            if let Err(error) = served {
                                tracing::debug!(%error, "connection ended");
                            }
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
            // Dropping the set aborts the connections still open.
            connections.shutdown().await;
        });
        Ok(Server {
            addr,
            shutdown,
            task: Some(task),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the loop to end.
    pub(crate) async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
