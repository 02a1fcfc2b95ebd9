//! The hook listener: the routes of the loaded triggers (see [`triggers`](crate::triggers))
//! and the probes.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::service::Service;

pub use crate::triggers::okta_event::MAX_BODY_BYTES;

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

/// The hook listener's routes: those of the triggers the flows use (an `okta_event` flow
/// mounts `/okta/event-hook`, an `http` flow `/flows/{name}/runs`), signals when a flow
/// waits for one (`/runs/{runId}/signals/{name}`), and the probes.
pub fn router(service: Service) -> Router {
    crate::triggers::routes(service.flows())
        .merge(crate::signals::routes(service.flows().all()))
        .merge(probes())
        .with_state(service)
}
