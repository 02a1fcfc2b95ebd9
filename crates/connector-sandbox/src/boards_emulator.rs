//! [`BoardsEmulator`]: the boards GraphQL router served on a port, behind the fault layer
//! and the shared admin endpoints.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

use crate::admin::fault_routes;
use crate::boards::{self, BoardsConfig, BoardsState};
use crate::faults::Faults;
use crate::server::{self, Front, Server};

/// A running boards emulator on 127.0.0.1. Dropping it stops the server.
pub struct BoardsEmulator {
    state: BoardsState,
    faults: Faults,
    front: Arc<Front>,
    base_url: String,
    server: Server,
}

impl std::fmt::Debug for BoardsEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardsEmulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The service's error body for a status, in its current `errors[]` shape.
fn boards_error(status: StatusCode) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = reason.to_ascii_uppercase().replace([' ', '-'], "_");
    let body = if status == StatusCode::TOO_MANY_REQUESTS {
        json!({"errors": [{
            "message": "Rate limit exceeded",
            "extensions": {"code": "Rate Limit Exceeded", "retry_in_seconds": 1, "status_code": 429},
        }]})
    } else {
        json!({"errors": [{
            "message": reason,
            "extensions": {"code": code, "status_code": status.as_u16()},
        }]})
    };
    (status, Json(body)).into_response()
}

#[derive(Clone)]
struct AdminState {
    state: BoardsState,
    faults: Faults,
    front: Arc<Front>,
}

async fn stats(State(admin): State<AdminState>) -> Response<Body> {
    let s = admin.state.stats();
    Json(json!({
        "requests": admin.front.requests.load(Ordering::Relaxed),
        "faultsInjected": admin.faults.injected(),
        "graphqlRequests": s.requests,
        "unauthenticated": s.unauthenticated,
        "throttled": s.throttled,
        "pointsSpent": s.points_spent,
        "maxWindowPoints": s.max_window_points,
        "boardsCreated": s.boards_created,
        "idempotentReplays": s.idempotent_replays,
        "idempotencyConflicts": s.idempotency_conflicts,
    }))
    .into_response()
}

async fn reset(State(admin): State<AdminState>) -> Response<Body> {
    admin.state.reset();
    admin.faults.clear();
    admin.faults.reset_counter();
    admin.front.requests.store(0, Ordering::Relaxed);
    StatusCode::NO_CONTENT.into_response()
}

impl BoardsEmulator {
    /// Starts the emulator on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start(config: BoardsConfig, port: u16) -> io::Result<BoardsEmulator> {
        let listener = server::bind(port).await?;
        let addr = listener.local_addr()?;
        let body_limit = config.max_body_bytes;
        let state = BoardsState::new(config);
        let faults = Faults::default();
        let front = Arc::new(Front::new(
            faults.clone(),
            Arc::new(boards_error),
            body_limit,
        ));
        let admin = AdminState {
            state: state.clone(),
            faults: faults.clone(),
            front: front.clone(),
        };
        // Admin routes first; everything else goes to the boards router, which may add
        // admin routes of its own under other `/__sandbox/` paths.
        let router = Router::new()
            .route("/__sandbox/stats", get(stats))
            .route("/__sandbox/reset", post(reset))
            .with_state(admin)
            .merge(fault_routes(faults.clone()))
            .fallback_service(boards::router(state.clone()));
        let server = Server::spawn(listener, router, front.clone())?;
        Ok(BoardsEmulator {
            state,
            faults,
            front,
            base_url: format!("http://{addr}"),
            server,
        })
    }

    /// The origin: `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The GraphQL endpoint: `http://127.0.0.1:PORT/v2`.
    pub fn api_url(&self) -> String {
        format!("{}/v2", self.base_url)
    }

    /// The socket address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The token to send, raw, as `Authorization: <token>`.
    pub fn api_token(&self) -> String {
        self.state.api_token()
    }

    /// The fault rules; push one to make the next matching requests fail.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The emulator's state: data, limits, counters and knobs.
    pub fn state(&self) -> &BoardsState {
        &self.state
    }

    /// Requests received, admin endpoints excluded (faulted ones included).
    pub fn requests(&self) -> u64 {
        self.front.requests.load(Ordering::Relaxed)
    }

    /// Stops the server and closes its connections.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
