//! The hook listener: Okta's verification, durable intake of deliveries, and the probes.
//!
//! A delivery is answered 200 only after its events are committed to the store; when the
//! store cannot take it, or the runtime is stopping, the answer is 503 so that Okta
//! delivers it again. Events are de-duplicated on their `uuid` by the store's unique key.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::event::{Malformed, parse_delivery};
use crate::service::Service;
use crate::time::now_ms;

/// The largest delivery accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

fn problem(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `/healthz` and `/readyz`, on both listeners and without a token.
pub(crate) fn probes() -> Router<Service> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
}

async fn readyz(State(service): State<Service>) -> Response {
    match service.ready().await {
        Ok(()) => "ready".into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")).into_response(),
    }
}

/// The hook listener's routes.
pub fn router(service: Service) -> Router {
    Router::new()
        .route("/okta/event-hook", get(verify).post(deliver))
        .merge(probes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(service)
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
pub(crate) fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for (i, b) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ b);
    }
    diff == 0
}

fn unavailable(message: &str) -> Response {
    let mut response = problem(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

async fn deliver(State(service): State<Service>, headers: HeaderMap, body: Bytes) -> Response {
    let metrics = service.metrics().clone();
    let given = headers
        .get("authorization")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(
        given,
        service.config().hook_secret.expose_secret().as_bytes(),
    ) {
        metrics.delivery("unauthorized");
        return problem(
            StatusCode::UNAUTHORIZED,
            "the Authorization header does not match the hook's secret",
        );
    }
    if service.is_stopping() {
        metrics.delivery("unavailable");
        return unavailable("shutting down; deliver again later");
    }
    // The answer lists the users whose events started a run.
    let events = match parse_delivery(&body) {
        Ok(events) => events,
        Err(malformed) => {
            metrics.delivery("malformed");
            tracing::warn!(bytes = body.len(), reason = %malformed, "malformed delivery refused");
            let message = match malformed {
                Malformed::NotJson => "the body is not JSON".to_owned(),
                other => other.to_string(),
            };
            return problem(StatusCode::BAD_REQUEST, &message);
        }
    };
    match service
        .store()
        .accept(&events, service.flows(), now_ms())
        .await
    {
        Ok(accepted) => {
            metrics.delivery("accepted");
            metrics.events(accepted.fresh.len(), accepted.duplicates);
            if accepted.duplicates > 0 {
                tracing::info!(
                    duplicates = accepted.duplicates,
                    "redelivered events ignored"
                );
            }
            for &i in &accepted.fresh {
                tracing::debug!(event_id = %events[i].key, event_type = %events[i].event_type, "event accepted");
            }
            for _ in 0..accepted.runs {
                service.wake().notify_one();
            }
            let users: Vec<Value> = accepted
                .started
                .iter()
                .filter_map(|&i| events[i].user_id.clone().map(Value::from))
                .collect();
            axum::Json(json!({ "accepted": users })).into_response()
        }
        Err(e) => {
            metrics.delivery("unavailable");
            tracing::error!(error = %e, events = events.len(), "cannot store a delivery; answered 503");
            unavailable("the store cannot take the delivery now; deliver again later")
        }
    }
}
