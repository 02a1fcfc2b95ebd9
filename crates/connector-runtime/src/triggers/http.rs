//! The `http` trigger: `POST /flows/{name}/runs` on the hook listener starts a run of a
//! flow whose trigger is `http: {}`.
//!
//! - `Authorization: Bearer $CONNECTOR_INVOKE_TOKEN`, checked from the headers before any
//!   body byte is read and before the flow is looked up (401 before 404);
//! - the body, a JSON object of at most 1 MiB, is the run's `event`;
//! - `Idempotency-Key` de-duplicates: a repeat answers with the first run's id, the same key
//!   with another body is 409 `conflict`;
//! - 202 `{"runId"}`, or with `?wait=SECS` (at most 30) 200 `{"runId","outcome","output"}`
//!   when the run ends in time (else 202 `{"runId"}`).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Secret, Trigger};
use crate::config::RuntimeConfig;
use crate::flows::model::Trigger as Settings;
use crate::listener::body::{BodyError, read_limited};
use crate::listener::invoke::{idempotency_key, problem, token_refusal};
use crate::service::Service;
use crate::store::Enqueued;
use crate::time::now_ms;

/// The trigger label in `connector_deliveries_total`.
const TRIGGER: &str = "http";

/// The longest `?wait=`.
pub const MAX_WAIT_SECS: u64 = 30;

/// The largest body.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The invoke token.
const SECRETS: &[Secret] = &[Secret {
    variable: "CONNECTOR_INVOKE_TOKEN",
    purpose: "the Bearer token POST /flows/{name}/runs requires",
}];

/// `POST /flows/{name}/runs`.
#[derive(Clone, Copy, Debug)]
pub struct Http;

impl Trigger for Http {
    fn kind(&self) -> &'static str {
        TRIGGER
    }

    fn secrets(&self) -> &'static [Secret] {
        SECRETS
    }

    fn missing(&self, config: &RuntimeConfig) -> Option<String> {
        config
            .invoke_token
            .as_ref()
            .is_none_or(|t| t.expose_secret().trim().is_empty())
            .then(|| {
                "a flow has an http trigger: set CONNECTOR_INVOKE_TOKEN, the Bearer token \
                 POST /flows/{name}/runs requires"
                    .to_owned()
            })
    }

    fn routes(&self) -> Option<axum::Router<Service>> {
        Some(axum::Router::new().route("/flows/{name}/runs", axum::routing::post(invoke)))
    }
}

/// The run's key: the caller's `Idempotency-Key`, or a fresh one (every call a new run).
pub fn key(idempotency_key: Option<&str>) -> String {
    match idempotency_key {
        Some(key) => format!("http:{key}"),
        None => format!("http:{}", crate::store::fresh_key()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Invoke {
    wait: Option<u64>,
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// `POST /flows/{name}/runs`.
pub(crate) async fn invoke(
    State(service): State<Service>,
    Path(name): Path<String>,
    Query(query): Query<Invoke>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let metrics = service.metrics().clone();
    if let Some(refused) = token_refusal(&service, &headers) {
        metrics.delivery(TRIGGER, "unauthorized");
        return refused;
    }
    let Some(flow) = service
        .flows()
        .get(&name)
        .filter(|f| matches!(f.def.trigger, Settings::Http(_)))
        .cloned()
    else {
        return problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "no flow of that name with an http trigger",
        );
    };
    if service.is_stopping() {
        metrics.delivery(TRIGGER, "unavailable");
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "shutting down; try again later",
        );
    }
    let idempotency_key = match idempotency_key(&headers) {
        Ok(key) => key,
        Err(bad) => return bad.answer(),
    };
    let wait = query.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECS {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "wait is at most 30 seconds",
        );
    }
    let bytes =
        match read_limited(body, &headers, MAX_BODY_BYTES, service.config().limits.body).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                metrics.delivery(TRIGGER, "too_large");
                return problem(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_input",
                    "the body is at most 1 MiB",
                );
            }
            Err(BodyError::Timeout) => {
                metrics.delivery(TRIGGER, "timeout");
                return problem(
                    StatusCode::REQUEST_TIMEOUT,
                    "timeout",
                    "the body did not arrive in time",
                );
            }
            Err(BodyError::Broken) => {
                metrics.delivery(TRIGGER, "malformed");
                return problem(
                    StatusCode::BAD_REQUEST,
                    "invalid_input",
                    "the body was cut short",
                );
            }
        };
    let event: Value = match serde_json::from_slice(&bytes) {
        Ok(value @ Value::Object(_)) => value,
        _ => {
            metrics.delivery(TRIGGER, "malformed");
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                "the body must be a JSON object",
            );
        }
    };
    let event_key = key(idempotency_key);
    let subject = crate::flows::subject(&flow, &event);
    let store = service.store();
    let stored = tokio::time::timeout(
        service.config().store_wait,
        store.enqueue_once(&flow, &event_key, &event, Some(&subject), now_ms()),
    )
    .await;
    let (run_id, first) = match stored {
        Ok(Ok(Enqueued::Fresh { run_id })) => (run_id, None),
        Ok(Ok(Enqueued::Existing { run_id, event })) => (run_id, Some(event)),
        Ok(Ok(Enqueued::Disabled)) => {
            metrics.delivery(TRIGGER, "disabled");
            return problem(
                StatusCode::CONFLICT,
                "conflict",
                "the flow is disabled: `connector flow enable` it to start runs",
            );
        }
        Ok(Err(e)) => {
            metrics.delivery(TRIGGER, "unavailable");
            tracing::error!(error = %e, flow = %name, "cannot store an http trigger's run; answered 503");
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the store cannot take the run now; try again",
            );
        }
        Err(_) => {
            metrics.delivery(TRIGGER, "unavailable");
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the store cannot take the run now; try again",
            );
        }
    };
    if let Some(first) = first {
        if first != event {
            return problem(
                StatusCode::CONFLICT,
                "conflict",
                "this Idempotency-Key was used with another body",
            );
        }
        metrics.delivery(TRIGGER, "duplicate");
    } else {
        metrics.delivery(TRIGGER, "accepted");
        service.wake().notify_one();
        tracing::info!(run_id = %run_id, flow = %name, "run started by the http trigger");
    }
    if wait == 0 {
        return answer(StatusCode::ACCEPTED, json!({"runId": run_id}));
    }
    let deadline = Instant::now() + Duration::from_secs(wait);
    while Instant::now() < deadline {
        if let Ok(Some(run)) = store.run(&run_id).await
            && run.state.has_ended()
        {
            return answer(
                StatusCode::OK,
                json!({"runId": run_id, "outcome": run.outcome, "output": run.output, "state": run.state}),
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    answer(StatusCode::ACCEPTED, json!({"runId": run_id}))
}
