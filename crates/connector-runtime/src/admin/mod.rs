//! The admin listener: Flow History as JSON and HTML, re-runs, metrics and the probes.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the HTML Flow History (`?outcome=&user=&cursor=`) |
//! | `GET /runs/{runId}` | the HTML page of one run, its cards, and a re-run button when dead-lettered |
//! | `GET /flows`, `GET /flows/{name}` | the loaded flows, one flow's trigger, steps and recent runs (HTML; JSON on `Accept: application/json`) |
//! | `GET /tables`, `GET /tables/{name}` | the store's tables, one table's rows a page at a time (`?limit=&cursor=`; HTML; JSON on `Accept: application/json`) |
//! | `GET /history` | `{"runs":[...],"nextCursor":...}` (`?outcome=&user=&limit=&cursor=`) |
//! | `GET /history/{runId}` | one run |
//! | `POST /history/{runId}/rerun` | a new run from the same event, linked by `rerunOf` (201 `{"runId"}`; a form post gets 303 to the new run's page) |
//! | `POST /history/{runId}/resume` | a dead-lettered run goes on from its failed step (202; 409 for a run in another state) |
//! | `POST /history/{runId}/cancel` | a queued, retrying or waiting run ends `cancelled`, a running one at its next step boundary (202; 409 for a run that has ended) |
//! | `POST /flows/{name}/disable`, `POST /flows/{name}/enable` | the flow's triggers stop or start starting runs, on every replica (200 `{"name","enabled"}`) |
//! | `GET /metrics` | Prometheus text 0.0.4, or OpenMetrics when `Accept` asks for it |
//! | `GET /healthz`, `GET /readyz` | the probes, without a token and for any `Host` |
//!
//! Every other route answers only to its own `Host` (the bound address, `localhost` when
//! bound to loopback, any IP literal when bound to an unspecified address, or an
//! `--admin-host` name; 421 otherwise), so that a DNS name rebound to this machine reaches
//! nothing. With an admin token configured, every route but the probes needs it, as
//! `Authorization: Bearer <token>` or as the password of Basic authentication (so that a
//! browser asks for it). A POST passes with the Bearer token, with the page's CSRF token in
//! its form, or (no admin token set) with `X-Requested-By: connector`; anything else, and
//! anything a browser marks as coming from another origin, gets 403. Every answer forbids
//! framing (`Content-Security-Policy: frame-ancestors 'none'`, `X-Frame-Options: DENY`).

mod csrf;
mod flows;
mod guard;
mod nesting;
mod operate;
mod pages;
mod tables;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::intake::probes;
use crate::listener::body::read_limited;
use crate::service::Service;
use crate::store::{HistoryQuery, Rerun, Resume};
use crate::time::now_ms;
use guard::{Guard, Proof};

/// The admin listener's routes, for a listener bound to `config().admin_listen`.
pub fn router(service: Service) -> Router {
    let bound = service.config().admin_listen;
    router_on(service, bound)
}

/// The admin listener's routes, for a listener bound to `bound` (its `Host` check).
pub fn router_on(service: Service, bound: SocketAddr) -> Router {
    let config = service.config();
    let guard = Guard::new(bound, &config.admin_hosts, config.admin_token.as_ref());
    let guarded = Router::new()
        .route("/", get(pages::index))
        .route("/runs/{run_id}", get(pages::run))
        .route("/flows", get(flows::list))
        .route("/flows/{name}", get(flows::one))
        .route("/tables", get(tables::list))
        .route("/tables/{name}", get(tables::one))
        .route("/history", get(history))
        .route("/history/{run_id}", get(run))
        .route("/history/{run_id}/rerun", post(rerun))
        .route("/history/{run_id}/resume", post(resume))
        .route("/history/{run_id}/cancel", post(operate::cancel))
        .route("/flows/{name}/disable", post(operate::disable))
        .route("/flows/{name}/enable", post(operate::enable))
        .route("/metrics", get(metrics))
        .layer(Extension(guard.clone()))
        .layer(middleware::from_fn_with_state(guard, guard::check));
    guarded.merge(probes()).with_state(service)
}

pub(super) fn store_failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the store failed an admin request");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"error": "the store does not answer"})),
    )
        .into_response()
}

/// Runs as the JSON views show them: secrets masked in every part (event, steps, output).
pub(super) fn runs_json(runs: &[crate::Run]) -> serde_json::Value {
    serde_json::to_value(
        runs.iter()
            .cloned()
            .map(crate::masked_run)
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

async fn history(State(service): State<Service>, Query(query): Query<HistoryQuery>) -> Response {
    match service.store().history(&query).await {
        Ok(page) => axum::Json(crate::masked_page(page)).into_response(),
        Err(e) => store_failed(e),
    }
}

async fn run(State(service): State<Service>, Path(run_id): Path<String>) -> Response {
    match service.store().run(&run_id).await {
        Ok(Some(run)) => axum::Json(crate::masked_run(run)).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such run"})),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

/// The longest `Idempotency-Key` kept; a longer one is ignored (the re-run is made).
const MAX_KEY_BYTES: usize = 200;

/// The largest form a POST may carry (a CSRF token).
const MAX_FORM_BYTES: usize = 4 * 1024;

/// How a POST proved it is not a cross-site request.
pub(super) enum Posted {
    /// The Bearer token or `X-Requested-By`: an API call.
    Api,
    /// A page's form, with its fields.
    Form(Vec<(String, String)>),
}

impl Posted {
    pub(super) fn is_form(&self) -> bool {
        matches!(self, Posted::Form(_))
    }

    fn field(&self, name: &str) -> Option<&str> {
        match self {
            Posted::Api => None,
            Posted::Form(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
        }
    }
}

/// The form field of the re-run button: one key per view of the page, so that a second
/// click (or a resent form) answers the first re-run.
pub(super) const RERUN_KEY_FIELD: &str = "idempotency_key";

/// Checks a POST's proof that it is not a cross-site request: the Bearer token or
/// `X-Requested-By` from the headers, or else the CSRF token of `action` in its form.
pub(super) async fn post_guard(
    service: &Service,
    guard: &Guard,
    proof: Proof,
    headers: &HeaderMap,
    body: Body,
    action: &str,
) -> Result<Posted, Response> {
    if let Some(why) = guard::cross_site(headers) {
        return Err(guard::forbidden(why));
    }
    if guard::post_allowed_by_headers(guard, proof, headers) {
        return Ok(Posted::Api);
    }
    // Only a form of one of this listener's pages carries the token of this action.
    let refused = || {
        guard::forbidden(
            "this needs the page's form (its CSRF token), the admin token as a Bearer token, \
             or X-Requested-By: connector",
        )
    };
    let Ok(form) = read_limited(body, headers, MAX_FORM_BYTES, service.config().limits.body).await
    else {
        return Err(refused());
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&form)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let token = fields
        .iter()
        .find(|(name, _)| name == csrf::FIELD)
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    if guard.csrf.check(action, token) {
        Ok(Posted::Form(fields))
    } else {
        Err(refused())
    }
}

async fn rerun(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Extension(proof): Extension<Proof>,
    Path(run_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let action = format!("/history/{run_id}/rerun");
    let posted = match post_guard(&service, &guard, proof, &headers, body, &action).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let from_form = posted.is_form();
    // A re-run takes the flow's current definition.
    let current = match service.store().flow_of(&run_id).await {
        Ok(Some(flow)) => service.flows().get(&flow).cloned(),
        Ok(None) => None,
        Err(e) => return store_failed(e),
    };
    // An `Idempotency-Key` header (API) or the page's per-view key (form): the same key
    // again answers the first re-run.
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| posted.field(RERUN_KEY_FIELD))
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_BYTES)
        .map(str::to_owned);
    match service
        .store()
        .rerun_once(&run_id, current.as_ref(), now_ms(), key.as_deref())
        .await
    {
        Ok(Rerun::Queued { run_id: new_id }) => {
            tracing::info!(run_id = %new_id, rerun_of = %run_id, "run re-run");
            service.wake().notify_one();
            if from_form {
                Redirect::to(&format!("/runs/{new_id}")).into_response()
            } else {
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"runId": new_id, "rerunOf": run_id})),
                )
                    .into_response()
            }
        }
        Ok(_) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such run"})),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

async fn resume(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Extension(proof): Extension<Proof>,
    Path(run_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let action = format!("/history/{run_id}/resume");
    let posted = match post_guard(&service, &guard, proof, &headers, body, &action).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let from_form = posted.is_form();
    match service.store().resume(&run_id, now_ms()).await {
        Ok(Resume::Queued) => {
            tracing::info!(run_id = %run_id, "dead-lettered run resumed");
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
        Ok(Resume::NotFound) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such run"})),
        )
            .into_response(),
        Ok(_) => (
            StatusCode::CONFLICT,
            axum::Json(json!({"error": "only a dead-lettered run can be resumed"})),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

async fn metrics(State(service): State<Service>, headers: HeaderMap) -> Response {
    service.refresh_queue_metrics().await;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (format, text) = service.metrics().encode_for(accept);
    ([(header::CONTENT_TYPE, format.content_type())], text).into_response()
}
