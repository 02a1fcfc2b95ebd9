//! Operating runs and flows from the admin listener: `POST /history/{runId}/cancel` and
//! `POST /flows/{name}/disable|enable`, under the admin POST rules (the Bearer token, the
//! page's CSRF token, or `X-Requested-By: connector` without a token). A form post from a
//! page is answered with a redirect back to it.

use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::guard::{Guard, Proof};
use super::{post_guard, store_failed};
use crate::service::Service;
use crate::store::Cancel;

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(super) async fn cancel(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Extension(proof): Extension<Proof>,
    Path(run_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let action = format!("/history/{run_id}/cancel");
    let posted = match post_guard(&service, &guard, proof, &headers, body, &action).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    let state = match service
        .store()
        .cancel(&run_id, service.config().now_ms())
        .await
    {
        Ok(Cancel::Cancelled) => "cancelled",
        Ok(Cancel::Requested) => "running",
        Ok(Cancel::Ended(state)) => {
            return answer(
                StatusCode::CONFLICT,
                json!({"error": format!("the run has ended ({state}); only a run that has not can be cancelled")}),
            );
        }
        Ok(_) => return answer(StatusCode::NOT_FOUND, json!({"error": "no such run"})),
        Err(e) => return store_failed(e),
    };
    tracing::info!(run_id = %run_id, state, "run cancelled");
    if posted.is_form() {
        return Redirect::to(&format!("/runs/{run_id}")).into_response();
    }
    answer(
        StatusCode::ACCEPTED,
        json!({"runId": run_id, "state": state, "cancelRequested": state == "running"}),
    )
}

pub(super) async fn disable(
    service: State<Service>,
    guard: Extension<Guard>,
    proof: Extension<Proof>,
    name: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    switch(service, guard, proof, name, headers, body, false).await
}

pub(super) async fn enable(
    service: State<Service>,
    guard: Extension<Guard>,
    proof: Extension<Proof>,
    name: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    switch(service, guard, proof, name, headers, body, true).await
}

async fn switch(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Extension(proof): Extension<Proof>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
    enabled: bool,
) -> Response {
    let action = format!(
        "/flows/{name}/{}",
        if enabled { "enable" } else { "disable" }
    );
    let posted = match post_guard(&service, &guard, proof, &headers, body, &action).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    if service.flows().get(&name).is_none() {
        return answer(StatusCode::NOT_FOUND, json!({"error": "no such flow"}));
    }
    let store = service.store();
    let now = service.config().now_ms();
    let switched = match store.register_flows(&[name.as_str()], now).await {
        Ok(()) => store.set_enabled(&name, enabled, now).await,
        Err(e) => Err(e),
    };
    if let Err(e) = switched {
        return store_failed(e);
    }
    tracing::info!(flow = %name, enabled, "flow switched");
    if posted.is_form() {
        return Redirect::to(&format!("/flows/{name}")).into_response();
    }
    answer(StatusCode::OK, json!({"name": name, "enabled": enabled}))
}
