//! `connector serve`: an Okta event-hook receiver that runs the help-desk template for
//! every user created.
//!
//! - `GET /okta/event-hook` with `x-okta-verification-challenge: <v>` answers
//!   `{"verification":"<v>"}` (Okta's one-time verification).
//! - `POST /okta/event-hook` with `Authorization: <the hook's secret>` and a delivery body:
//!   every `user.lifecycle.create` event is run through the template in the background, so
//!   the hook answers at once (Okta wants an answer within 3 s); deliveries are at least
//!   once, so events are de-duplicated on their `uuid`.
//! - `GET /healthz` answers `ok`.
//!
//! Bodies over 1 MiB get 413, malformed JSON 400, a wrong secret 401: never a crash.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use connector_core::secrecy::{ExposeSecret, SecretString};
use connector_okta::Okta;
use connector_okta::help_desk::{HelpDeskTemplate, created_users};
use serde_json::{Value, json};

/// The largest delivery accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const REMEMBERED_EVENTS: usize = 10_000;

/// What the receiver needs.
#[derive(Clone)]
pub struct HookState {
    okta: Okta,
    secret: Arc<SecretString>,
    template: HelpDeskTemplate,
    seen: Arc<Mutex<Seen>>,
    runs: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

#[derive(Default)]
struct Seen {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Remembers an event id; false when it was seen already.
    fn insert(&mut self, id: &str) -> bool {
        if id.is_empty() {
            return true;
        }
        if !self.set.insert(id.to_owned()) {
            return false;
        }
        self.order.push_back(id.to_owned());
        if self.order.len() > REMEMBERED_EVENTS
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

impl HookState {
    /// A receiver that checks deliveries against `secret` and runs `template` on `okta`.
    pub fn new(okta: Okta, secret: SecretString, template: HelpDeskTemplate) -> HookState {
        HookState {
            okta,
            secret: Arc::new(secret),
            template,
            seen: Arc::default(),
            runs: Arc::default(),
        }
    }

    /// Waits for every template run started so far (tests, graceful shutdown).
    pub async fn drain(&self) {
        let runs: Vec<_> =
            std::mem::take(&mut *self.runs.lock().unwrap_or_else(|e| e.into_inner()));
        for run in runs {
            let _ = run.await;
        }
    }
}

/// The receiver's routes.
pub fn router(state: HookState) -> Router {
    Router::new()
        .route("/okta/event-hook", get(verify).post(deliver))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

async fn verify(headers: HeaderMap) -> Response {
    match headers
        .get("x-okta-verification-challenge")
        .and_then(|v| v.to_str().ok())
    {
        Some(challenge) => axum::Json(json!({ "verification": challenge })).into_response(),
        None => problem(
            StatusCode::BAD_REQUEST,
            "missing x-okta-verification-challenge",
        ),
    }
}

/// Compares in time independent of where the strings differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for (i, b) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ b);
    }
    diff == 0
}

async fn deliver(State(state): State<HookState>, headers: HeaderMap, body: Bytes) -> Response {
    let given = headers
        .get("authorization")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, state.secret.expose_secret().as_bytes()) {
        return problem(
            StatusCode::UNAUTHORIZED,
            "the Authorization header does not match the hook's secret",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let users = created_users(&body);
    let mut accepted = Vec::new();
    for user in users {
        let fresh = state
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(&user.event_id);
        if !fresh {
            tracing::info!(event = %user.event_id, "duplicate delivery ignored");
            continue;
        }
        accepted.push(user.user_id.clone());
        let okta = state.okta.clone();
        let template = state.template.clone();
        let run = tokio::spawn(async move {
            match template.run(&okta, &user.user_id).await {
                Ok(outcome) => {
                    tracing::info!(user = %user.user_id, event = %user.event_id, ?outcome, "help-desk template ran")
                }
                Err(e) => {
                    tracing::warn!(user = %user.user_id, event = %user.event_id, error = %e, "help-desk template failed")
                }
            }
        });
        let mut runs = state.runs.lock().unwrap_or_else(|e| e.into_inner());
        // Keep only runs still going, so a long-lived receiver does not grow without bound.
        runs.retain(|r| !r.is_finished());
        runs.push(run);
    }
    axum::Json(json!({ "accepted": accepted })).into_response()
}
