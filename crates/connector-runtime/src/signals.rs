//! Signals: `POST /runs/{runId}/signals/{name}` on the hook listener moves on a run parked
//! by a `wait: {signal: name}` step (an approval, an outside event). Served whenever a
//! loaded flow has a signal wait, which then needs `CONNECTOR_INVOKE_TOKEN`:
//!
//! - `Authorization: Bearer $CONNECTOR_INVOKE_TOKEN`, checked from the headers before any
//!   body byte is read and before the run is looked up (401 before 404);
//! - the body, a JSON object of at most 1 MiB (empty: `{}`), is the wait step's output;
//! - 202 `{"runId","signal","state":"queued"}`; 404 for no such run; 409 when the run is
//!   not waiting for that signal;
//! - `Idempotency-Key` (at most 255 bytes): a key accepted before answers as the first time
//!   (202), even after the run moved on, and moves nothing. A refused delivery does not
//!   spend its key.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::config::RuntimeConfig;
use crate::flows::Flow;
use crate::flows::program::{Step, StepKind, WaitFor};
use crate::listener::body::{BodyError, read_limited};
use crate::listener::invoke::{idempotency_key, problem, token_refusal};
use crate::service::Service;
use crate::store::signal_answer;
use crate::triggers::Secret;

/// The largest body.
pub const MAX_SIGNAL_BYTES: usize = 1024 * 1024;

/// The token the route requires.
pub const SECRET: Secret = Secret {
    variable: "CONNECTOR_INVOKE_TOKEN",
    purpose: "the Bearer token POST /runs/{runId}/signals/{name} requires",
};

/// Whether a flow has a `wait: {signal}` step: its own, one nested in a block, or one of
/// a flow it calls.
pub fn has_signal_wait(flow: &Flow) -> bool {
    // Calls nest at most 10 deep (validation), so the walk through callees is bounded.
    waits_for_a_signal(&flow.program.steps) || flow.callees.values().any(has_signal_wait)
}

/// Whether `steps`, or the steps nested in their blocks, wait for a signal.
fn waits_for_a_signal(steps: &[Step]) -> bool {
    steps.iter().any(|step| match &step.kind {
        StepKind::Wait(wait) => matches!(wait.until, WaitFor::Signal { .. }),
        StepKind::Block(block) => {
            waits_for_a_signal(&block.then) || waits_for_a_signal(&block.otherwise)
        }
        StepKind::Card(_)
        | StepKind::ForEach(_)
        | StepKind::Assign(_)
        | StepKind::Return(_)
        | StepKind::Fail(_)
        | StepKind::Call(_)
        | StepKind::Spawn(_) => false,
    })
}

/// Why the runtime cannot start with `flows` (a signal wait without the token).
pub(crate) fn missing<'a>(
    flows: impl IntoIterator<Item = &'a Flow>,
    config: &RuntimeConfig,
) -> Option<String> {
    let token_set = config
        .invoke_token
        .as_ref()
        .is_some_and(|t| !t.expose_secret().trim().is_empty());
    let users: Vec<&str> = flows
        .into_iter()
        .filter(|f| has_signal_wait(f))
        .map(Flow::name)
        .collect();
    (!token_set && !users.is_empty()).then(|| {
        format!(
            "{} waits for a signal: set CONNECTOR_INVOKE_TOKEN, the Bearer token \
             POST /runs/{{runId}}/signals/{{name}} requires",
            users.join(", ")
        )
    })
}

/// The route, when a loaded flow has a signal wait.
pub(crate) fn routes<'a>(flows: impl IntoIterator<Item = &'a Flow>) -> axum::Router<Service> {
    let mut flows = flows.into_iter();
    if flows.any(has_signal_wait) {
        axum::Router::new().route(
            "/runs/{run_id}/signals/{name}",
            axum::routing::post(deliver),
        )
    } else {
        axum::Router::new()
    }
}

async fn deliver(
    State(service): State<Service>,
    Path((run_id, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refused) = token_refusal(&service, &headers) {
        return refused;
    }
    let key = match idempotency_key(&headers) {
        Ok(key) => key,
        Err(bad) => return bad.answer(),
    };
    let limit = service.config().limits.body;
    let bytes = match read_limited(body, &headers, MAX_SIGNAL_BYTES, limit).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_input",
                "the body is at most 1 MiB",
            );
        }
        Err(BodyError::Timeout) => {
            return problem(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the body did not arrive in time",
            );
        }
        Err(BodyError::Broken) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                "the body was cut short",
            );
        }
    };
    let data: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(value @ Value::Object(_)) => value,
            _ => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "invalid_input",
                    "the body must be a JSON object",
                );
            }
        }
    };
    let now = service.config().now_ms();
    match service
        .store()
        .signal(&run_id, &name, &data, key, now)
        .await
    {
        Ok(found) => {
            let (status, answer) = signal_answer(&run_id, &name, &found);
            if status == 202 {
                service.wake().notify_one();
                tracing::info!(run_id = %run_id, signal = %name, "signal delivered");
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
            (status, axum::Json(answer)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, run_id = %run_id, "cannot deliver a signal; answered 503");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the store cannot take the signal now; try again",
            )
        }
    }
}
