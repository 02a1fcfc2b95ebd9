//! Sessions: a sign-in recorded through `POST /__sandbox/okta/users/{id}/sign-in` (which
//! sets `lastLogin` and opens a session, as a real sign-in would), a lockout through
//! `POST /__sandbox/okta/users/{id}/lock-out` (as too many failed sign-ins), and Okta's
//! `DELETE /api/v1/users/{userId}/sessions` (`oauthTokens`), which ends them all.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};

use super::OktaState;
use super::directory::Status;
use super::error::OktaError;
use super::routes::{QueryParams, json_response, path_param};
use super::syslog::{LogEvent, Target};
use crate::util::{now_millis, read, write};

type S = Arc<OktaState>;

pub(super) fn router() -> Router<S> {
    Router::new()
        .route("/api/v1/users/{id}/sessions", delete(clear_sessions))
        .route("/__sandbox/okta/users/{id}/sign-in", post(sign_in))
        .route("/__sandbox/okta/users/{id}/lock-out", post(lock_out))
}

/// Locks a user out, as too many failed sign-ins do (only an `ACTIVE` user).
async fn lock_out(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    let mut dir = write(&state.directory);
    let index = dir
        .find(&id)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    let user = dir
        .get_mut(index)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    if user.status != Status::Active {
        return Err(OktaError::new(
            StatusCode::FORBIDDEN,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        ));
    }
    let now = now_millis();
    user.status = Status::LockedOut;
    user.status_changed = Some(now);
    user.sessions = 0;
    let json = user.to_json(&state.base_url, &state.user_type);
    drop(dir);
    state.record(vec![LogEvent::new(
        "user.account.lock",
        "Max sign in attempts exceeded",
        vec![Target::user(&json)],
    )]);
    Ok(json_response(StatusCode::OK, json))
}

/// Records a sign-in of an `ACTIVE` (or `PASSWORD_EXPIRED`) user; others cannot sign in.
async fn sign_in(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    let mut dir = write(&state.directory);
    let index = dir
        .find(&id)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    let user = dir
        .get_mut(index)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    if !matches!(user.status, Status::Active | Status::PasswordExpired) {
        return Err(OktaError::new(
            StatusCode::UNAUTHORIZED,
            "E0000004",
            "Authentication failed",
        )
        .cause(format!("the user is {}", user.status.as_str())));
    }
    user.last_login = Some(now_millis());
    user.sessions = user.sessions.saturating_add(1);
    let json = user.to_json(&state.base_url, &state.user_type);
    drop(dir);
    state.record(vec![LogEvent::new(
        "user.session.start",
        "User login to Okta",
        vec![Target::user(&json)],
    )]);
    Ok(json_response(StatusCode::OK, json))
}

/// Ends every session of a user, by id only (as Okta's operation takes it).
async fn clear_sessions(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    let query = QueryParams::parse(raw.as_deref());
    query.bool("oauthTokens", false)?;
    query.bool("forgetDevices", true)?;
    let mut dir = write(&state.directory);
    let index = dir
        .find_id(&id)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    let user = dir
        .get_mut(index)
        .ok_or_else(|| OktaError::not_found(&id, "User"))?;
    user.sessions = 0;
    let json = user.to_json(&state.base_url, &state.user_type);
    drop(dir);
    state.record(vec![LogEvent::new(
        "user.session.clear",
        "Clear user session",
        vec![Target::user(&json)],
    )]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

impl super::OktaEmulator {
    /// How many sessions a user (by id or login) has open.
    pub fn user_sessions(&self, id_or_login: &str) -> Option<u32> {
        let dir = read(&self.state.directory);
        Some(dir.get(dir.find(id_or_login)?)?.sessions)
    }
}
