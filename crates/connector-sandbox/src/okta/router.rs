//! The Okta emulator's routes: users and roles (`routes.rs`), the lifecycle, groups,
//! applications, sessions and the System Log, behind the rate-limit gate. Kept apart from
//! the handlers so that they depend on `routes.rs`'s helpers, not the other way round.

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{delete, get, post};

use super::OktaState;
use super::routes::{
    assign_role, create_user, gate, get_user, list_roles, list_users, method_not_allowed,
    not_found, token, unassign_role,
};
use super::{apps, groups, lifecycle, sessions, syslog};

type S = Arc<OktaState>;

pub(super) fn router(state: S) -> Router {
    Router::new()
        .route("/api/v1/users", get(list_users).post(create_user))
        .route(
            "/api/v1/users/{id}",
            get(get_user)
                .post(lifecycle::update_user)
                .delete(lifecycle::delete_user),
        )
        .route(
            "/api/v1/users/{id}/roles",
            get(list_roles).post(assign_role),
        )
        .route(
            "/api/v1/users/{id}/roles/{assignment}",
            delete(unassign_role),
        )
        .route("/oauth2/v1/token", post(token))
        .merge(groups::router())
        .merge(lifecycle::router())
        .merge(apps::router())
        .merge(sessions::router())
        .merge(syslog::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}
