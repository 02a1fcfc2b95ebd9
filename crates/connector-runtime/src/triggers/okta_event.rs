//! The `okta_event` trigger: Okta's event hook on the hook listener.
//!
//! - `GET /okta/event-hook` is Okta's one-time verification, `POST` a delivery; both
//!   check `Authorization` against `OKTA_EVENT_HOOK_SECRET` from the headers alone, before
//!   any body byte is read;
//! - the flows an event starts (its type listed, the `filter` true) and each run's subject
//!   are worked out before the store is asked; the store commits the events and their runs
//!   in one transaction before the 200, or the answer is 503 so that Okta delivers again;
//! - a run is keyed on the event's `uuid`: a redelivery starts nothing.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::okta_event_types as event_types;
use super::{Check, Secret, Trigger, problem};
use crate::config::RuntimeConfig;
use crate::event::{Event, Malformed, parse_delivery};
use crate::flow::Flows;
use crate::flows::Expressions;
use crate::flows::model::Trigger as Settings;
use crate::listener::body::{BodyError, read_limited};
use crate::secret::secret_matches;
use crate::service::Service;
use crate::store::{Delivered, NewRun};
use crate::time::now_ms;

/// The largest delivery accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The trigger label of Okta's event hook in `connector_deliveries_total`.
const TRIGGER: &str = "okta_event";

/// The hook's secret.
const SECRETS: &[Secret] = &[Secret {
    variable: "OKTA_EVENT_HOOK_SECRET",
    purpose: "the Authorization value configured on the Okta event hook",
}];

/// Deliveries to `/okta/event-hook`.
#[derive(Clone, Copy, Debug)]
pub struct OktaEvent;

impl Trigger for OktaEvent {
    fn kind(&self) -> &'static str {
        TRIGGER
    }

    fn check(&self, settings: &Value) -> Vec<Check> {
        let mut checks = Vec::new();
        if let Some(Value::String(filter)) = settings.get("filter") {
            checks.push(Check::Expression {
                at: "/trigger/okta_event/filter".to_owned(),
                text: filter.clone(),
            });
        }
        // Okta's event types: a typo is named with the nearest known type.
        if let Some(Value::Array(types)) = settings.get("types") {
            for (i, t) in types.iter().enumerate() {
                if let Some(Err(message)) = t.as_str().map(event_types::check_event_type) {
                    checks.push(Check::Invalid {
                        at: format!("/trigger/okta_event/types/{i}"),
                        message,
                    });
                }
            }
        }
        checks
    }

    fn secrets(&self) -> &'static [Secret] {
        SECRETS
    }

    fn missing(&self, config: &RuntimeConfig) -> Option<String> {
        config.hook_secret.expose_secret().is_empty().then(|| {
            "a flow has an okta_event trigger: set OKTA_EVENT_HOOK_SECRET, the \
             Authorization value configured on the Okta event hook"
                .to_owned()
        })
    }

    fn routes(&self) -> Option<Router<Service>> {
        Some(Router::new().route("/okta/event-hook", get(verify).post(deliver)))
    }
}

/// The flows an Okta event of `event_type` starts: those whose `okta_event` trigger lists
/// the type and whose `filter`, if any, holds for the event.
pub fn flows_for<'a>(
    flows: &'a Flows,
    event_type: &str,
    payload: &Value,
) -> Vec<&'a crate::flows::Flow> {
    let exprs = Expressions::new();
    flows
        .all()
        .iter()
        .filter(|flow| match &flow.def.trigger {
            Settings::OktaEvent(trigger) => {
                trigger.types.iter().any(|t| t == event_type)
                    && trigger.filter.as_deref().is_none_or(|filter| {
                        exprs
                            .truthy(filter, &json!({ "event": payload }))
                            .unwrap_or(false)
                    })
            }
            _ => false,
        })
        .collect()
}

/// A delivery's events with the runs each starts and their subjects, worked out before
/// the store is asked.
fn route<'a>(flows: &'a Flows, events: &'a [Event]) -> Vec<Delivered<'a>> {
    events
        .iter()
        .map(|event| Delivered {
            key: &event.key,
            event_type: &event.event_type,
            runs: flows_for(flows, &event.event_type, &event.payload)
                .into_iter()
                .map(|flow| NewRun {
                    flow,
                    key: &event.key,
                    event: &event.payload,
                    subject: Some(crate::flows::subject(flow, &event.payload)),
                })
                .collect(),
        })
        .collect()
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
    let routed = route(service.flows(), &events);
    let stored = tokio::time::timeout(wait, service.store().accept(&routed, now_ms())).await;
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
