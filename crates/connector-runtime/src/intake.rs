//! The hook listener: Okta's verification, durable intake of deliveries, and the probes.
//!
//! A delivery is answered 200 only after its events are committed to the store; when the
//! store cannot take it, or the runtime is stopping, the answer is 503 so that Okta
//! delivers it again. Events are de-duplicated on their `uuid` by the store's unique key.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::event::{Malformed, parse_delivery};
use crate::listener::body::{BodyError, read_limited};
use crate::secret::secret_matches;
use crate::service::Service;
use crate::time::now_ms;

/// The largest delivery accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The trigger label of Okta's event hook in `connector_deliveries_total`.
const TRIGGER: &str = "okta_event";

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
    let wait = service.config().store_wait;
    let ready = match tokio::time::timeout(wait, service.ready()).await {
        Ok(ready) => ready,
        Err(_) => Err(format!(
            "the store did not answer within {} ms",
            wait.as_millis()
        )),
    };
    match ready {
        Ok(()) => "ready".into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")).into_response(),
    }
}

/// The hook listener's routes.
pub fn router(service: Service) -> Router {
    Router::new()
        .route("/okta/event-hook", get(verify).post(deliver))
        .route(
            "/flows/{name}/runs",
            axum::routing::post(crate::http_trigger::invoke),
        )
        .merge(probes())
        .with_state(service)
}

/// Whether the request carries the hook's secret, decided from the headers alone.
fn authorized(service: &Service, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    secret_matches(
        given,
        service.config().hook_secret.expose_secret().as_bytes(),
    )
}

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "the Authorization header does not match the hook's secret",
    )
}

/// Okta's one-time verification: the same `Authorization` check as a delivery.
async fn verify(State(service): State<Service>, headers: HeaderMap) -> Response {
    if !authorized(&service, &headers) {
        service.metrics().delivery(TRIGGER, "unauthorized");
        return unauthorized();
    }
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

fn unavailable(message: &str) -> Response {
    let mut response = problem(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// A delivery: the secret is checked before any body byte is read; the body is read
/// within the listener's body deadline and [`MAX_BODY_BYTES`]; its events are committed
/// before the 200, or the answer is 503 within the store's wait.
async fn deliver(State(service): State<Service>, headers: HeaderMap, body: Body) -> Response {
    let metrics = service.metrics().clone();
    if !authorized(&service, &headers) {
        metrics.delivery(TRIGGER, "unauthorized");
        return unauthorized();
    }
    if service.is_stopping() {
        metrics.delivery(TRIGGER, "unavailable");
        return unavailable("shutting down; deliver again later");
    }
    let body =
        match read_limited(body, &headers, MAX_BODY_BYTES, service.config().limits.body).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                metrics.delivery(TRIGGER, "too_large");
                return problem(StatusCode::PAYLOAD_TOO_LARGE, "a delivery is at most 1 MiB");
            }
            Err(BodyError::Timeout) => {
                metrics.delivery(TRIGGER, "timeout");
                return problem(
                    StatusCode::REQUEST_TIMEOUT,
                    "the body did not arrive in time",
                );
            }
            Err(BodyError::Broken) => {
                metrics.delivery(TRIGGER, "malformed");
                return problem(StatusCode::BAD_REQUEST, "the body was cut short");
            }
        };
    // The answer lists the users whose events started a run.
    let events = match parse_delivery(&body) {
        Ok(events) => events,
        Err(malformed) => {
            metrics.delivery(TRIGGER, "malformed");
            tracing::warn!(bytes = body.len(), reason = %malformed, "malformed delivery refused");
            let message = match malformed {
                Malformed::NotJson => "the body is not JSON".to_owned(),
                other => other.to_string(),
            };
            return problem(StatusCode::BAD_REQUEST, &message);
        }
    };
    let wait = service.config().store_wait;
    let stored = tokio::time::timeout(
        wait,
        service.store().accept(&events, service.flows(), now_ms()),
    )
    .await;
    match stored {
        Ok(Ok(accepted)) => {
            let result = if accepted.fresh.is_empty() && accepted.duplicates > 0 {
                "duplicate"
            } else {
                "accepted"
            };
            metrics.delivery(TRIGGER, result);
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
        Ok(Err(e)) => {
            metrics.delivery(TRIGGER, "unavailable");
            tracing::error!(error = %e, events = events.len(), "cannot store a delivery; answered 503");
            unavailable("the store cannot take the delivery now; deliver again later")
        }
        Err(_) => {
            // The commit may still land: the events' uuids make the redelivery a duplicate.
            metrics.delivery(TRIGGER, "unavailable");
            tracing::error!(
                wait_ms = wait.as_millis() as u64,
                events = events.len(),
                "the store did not take a delivery in time; answered 503"
            );
            unavailable("the store cannot take the delivery now; deliver again later")
        }
    }
}
