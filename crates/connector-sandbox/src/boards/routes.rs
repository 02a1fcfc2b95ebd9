//! The boards service's routes: the GraphQL endpoint behind the idempotency layer.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

use super::http::App;
use super::idempotency;
use super::schema;
use super::state::BoardsState;

/// The boards endpoint: `POST /v2` (and `/v2/`); other methods get 405.
///
/// The router carries its state; wrap it in layers (faults, tracing) and serve it with
/// `axum::serve`. Bodies above [`BoardsConfig::max_body_bytes`](super::BoardsConfig)
/// (read when the router is built) get 413.
pub fn router(state: BoardsState) -> Router {
    let max_body = state.config().max_body_bytes;
    let app = App {
        state,
        schema: schema::build(),
    };
    Router::new()
        .route("/v2", post(idempotency::handle))
        .route("/v2/", post(idempotency::handle))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(app)
}
