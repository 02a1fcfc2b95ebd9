//! What the routes called with `CONNECTOR_INVOKE_TOKEN` share (`POST /flows/{name}/runs`
//! and `POST /runs/{runId}/signals/{name}`): the Bearer check, which comes first, the
//! `Idempotency-Key` header, and their error answers.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::secret::secret_matches;
use crate::service::Service;

/// The longest `Idempotency-Key` taken.
const MAX_KEY_BYTES: usize = 255;

/// `{"error": {"kind", "message"}}` with `status`.
pub(crate) fn problem(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"kind": kind, "message": message}})),
    )
        .into_response()
}

/// The 401 answer, unless the request carries the invoke token (compared in constant
/// time; with no token configured every request is refused).
pub(crate) fn token_refusal(service: &Service, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let authorized = service.config().invoke_token.as_ref().is_some_and(|token| {
        secret_matches(given.trim().as_bytes(), token.expose_secret().as_bytes())
    });
    (!authorized).then(|| {
        problem(
            StatusCode::UNAUTHORIZED,
            "authentication",
            "send CONNECTOR_INVOKE_TOKEN as Authorization: Bearer <token>",
        )
    })
}

/// An `Idempotency-Key` that is empty or longer than 255 bytes.
pub(crate) struct BadKey;

impl BadKey {
    /// The 400 answer.
    pub(crate) fn answer(self) -> Response {
        problem(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "an Idempotency-Key is 1 to 255 characters",
        )
    }
}

/// The request's `Idempotency-Key` (trimmed), if any.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, BadKey> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if key.is_some_and(|k| k.is_empty() || k.len() > MAX_KEY_BYTES) {
        return Err(BadKey);
    }
    Ok(key)
}
