//! Admin endpoints both emulators share (`/__sandbox/faults`), and helpers for the rest.
//!
//! The admin endpoints take no token: the emulators only listen on 127.0.0.1.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::faults::{FaultRule, Faults};

/// `{"error": message}` with a status.
pub(crate) fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A refused admin request: 400 `{"error": message}`.
#[derive(Debug)]
pub(crate) struct AdminError(String);

impl AdminError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        AdminError(message.into())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        admin_error(StatusCode::BAD_REQUEST, self.0)
    }
}

/// Parses an admin request body; an empty body is `{}`.
pub(crate) fn json_body(body: &Bytes) -> Result<Value, AdminError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| AdminError::new(format!("the body is not JSON: {e}")))
}

/// `GET|POST|DELETE /__sandbox/faults`.
pub(crate) fn fault_routes<S>(faults: Faults) -> Router<S> {
    Router::new()
        .route(
            "/__sandbox/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .with_state(faults)
}

async fn list_faults(State(faults): State<Faults>) -> Response {
    let rules: Vec<Value> = faults.rules().iter().map(FaultRule::to_json).collect();
    Json(json!({ "rules": rules, "injected": faults.injected() })).into_response()
}

/// Accepts one rule or an array of rules.
async fn add_faults(State(faults): State<Faults>, body: Bytes) -> Response {
    let value = match json_body(&body) {
        Ok(v) => v,
        Err(error) => return error.into_response(),
    };
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut rules = Vec::with_capacity(items.len());
    for item in &items {
        match FaultRule::from_json(item) {
            Ok(rule) => rules.push(rule),
            Err(message) => return admin_error(StatusCode::BAD_REQUEST, message),
        }
    }
    let added = rules.len();
    for rule in rules {
        faults.push(rule);
    }
    (
        StatusCode::CREATED,
        Json(json!({ "added": added, "live": faults.len() })),
    )
        .into_response()
}

async fn clear_faults(State(faults): State<Faults>) -> Response {
    faults.clear();
    StatusCode::NO_CONTENT.into_response()
}
