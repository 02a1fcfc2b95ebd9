//! The admin listener: Flow History as JSON and HTML, re-runs, metrics and the probes.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the HTML Flow History (`?outcome=&user=&cursor=`) |
//! | `GET /runs/{runId}` | the HTML page of one run, its cards, and a re-run button when dead-lettered |
//! | `GET /history` | `{"runs":[...],"nextCursor":...}` (`?outcome=&user=&limit=&cursor=`) |
//! | `GET /history/{runId}` | one run |
//! | `POST /history/{runId}/rerun` | queues a dead-lettered run again (a form post gets 303 to its page) |
//! | `GET /metrics` | Prometheus text |
//! | `GET /healthz`, `GET /readyz` | the probes, without a token |
//!
//! With an admin token configured, every route but the probes needs it, as
//! `Authorization: Bearer <token>` or as the password of Basic authentication (so that a
//! browser asks for it).

mod pages;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::intake::{probes, same_secret};
use crate::service::Service;
use crate::store::{HistoryQuery, Rerun};
use crate::time::now_ms;

/// The admin listener's routes.
pub fn router(service: Service) -> Router {
    let guarded = Router::new()
        .route("/", get(pages::index))
        .route("/runs/{run_id}", get(pages::run))
        .route("/history", get(history))
        .route("/history/{run_id}", get(run))
        .route("/history/{run_id}/rerun", post(rerun))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(
            service.clone(),
            require_token,
        ));
    guarded.merge(probes()).with_state(service)
}

fn token_of(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(token.trim().as_bytes().to_vec());
    }
    let basic = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some(decoded[colon + 1..].to_vec())
}

async fn require_token(State(service): State<Service>, request: Request, next: Next) -> Response {
    if let Some(expected) = &service.config().admin_token {
        let given = token_of(request.headers()).unwrap_or_default();
        if !same_secret(&given, expected.expose_secret().as_bytes()) {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "the admin routes need CONNECTOR_ADMIN_TOKEN as a Bearer token"})),
            )
                .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"connector admin\""),
            );
            return response;
        }
    }
    next.run(request).await
}

fn store_failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the store failed an admin request");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"error": "the store does not answer"})),
    )
        .into_response()
}

async fn history(State(service): State<Service>, Query(query): Query<HistoryQuery>) -> Response {
    match service.store().history(&query).await {
        Ok(page) => axum::Json(page).into_response(),
        Err(e) => store_failed(e),
    }
}

async fn run(State(service): State<Service>, Path(run_id): Path<String>) -> Response {
    match service.store().run(&run_id).await {
        Ok(Some(run)) => axum::Json(run).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such run"})),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

async fn rerun(
    State(service): State<Service>,
    Path(run_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let header_is = |name: header::HeaderName, part: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(part))
    };
    if header_is(
        header::HeaderName::from_static("sec-fetch-site"),
        "cross-site",
    ) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"error": "cross-site re-run refused"})),
        )
            .into_response();
    }
    let from_form = header_is(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        || header_is(header::ACCEPT, "text/html");
    match service.store().rerun(&run_id, now_ms()).await {
        Ok(Rerun::Queued) => {
            tracing::info!(run_id = %run_id, "dead-lettered run queued again");
            service.wake().notify_one();
            if from_form {
                Redirect::to(&format!("/runs/{run_id}")).into_response()
            } else {
                (
                    StatusCode::ACCEPTED,
                    axum::Json(json!({"runId": run_id, "state": "queued"})),
                )
                    .into_response()
            }
        }
        Ok(Rerun::NotFound) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such run"})),
        )
            .into_response(),
        Ok(Rerun::NotDeadLettered) => (
            StatusCode::CONFLICT,
            axum::Json(json!({"error": "only a dead-lettered run can be re-run"})),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

async fn metrics(State(service): State<Service>) -> Response {
    service.refresh_queue_metrics().await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        service.metrics().encode(),
    )
        .into_response()
}
