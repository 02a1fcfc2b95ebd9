//! The user lifecycle as Okta serves it: `POST /api/v1/users/{id}/lifecycle/{operation}`
//! (statuses and errors in `status.rs`), the partial update `POST /api/v1/users/{id}`,
//! `DELETE /api/v1/users/{id}` (a first delete of a user not yet `DEPROVISIONED`
//! deactivates it, a second deletes it), and `GET /api/v1/users/{id}/groups`. Each change
//! is a System Log event.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::OktaState;
use super::directory::{AddError, Status};
use super::error::OktaError;
use super::routes::{
    QueryParams, json_object, json_response, password_of, path_param, require_json,
    validate_profile,
};
use super::status::Operation;
use super::syslog::{LogEvent, Target};
use crate::util::{now_millis, random_alnum, read, write};

type S = Arc<OktaState>;

pub(super) fn router() -> Router<S> {
    Router::new()
        .route("/api/v1/users/{id}/lifecycle/{operation}", post(lifecycle))
        .route("/api/v1/users/{id}/groups", get(user_groups))
}

fn user_not_found(id: &str) -> OktaError {
    OktaError::not_found(id, "User")
}

async fn lifecycle(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let Path((id, segment)) = path.map_err(|_| user_not_found("(undecodable id)"))?;
    let operation =
        Operation::parse(&segment).ok_or_else(|| OktaError::for_status(StatusCode::NOT_FOUND))?;
    let query = QueryParams::parse(raw.as_deref());
    let send_email = match operation {
        // Okta's document requires `sendEmail` on a password reset.
        Operation::ResetPassword => match query.get("sendEmail") {
            Some(_) => query.bool("sendEmail", false)?,
            None => {
                return Err(OktaError::validation(
                    "sendEmail",
                    "sendEmail: The field cannot be left blank",
                ));
            }
        },
        Operation::Activate => query.bool("sendEmail", true)?,
        _ => query.bool("sendEmail", false)?,
    };
    let mut dir = write(&state.directory);
    let index = dir.find(&id).ok_or_else(|| user_not_found(&id))?;
    let user = dir.get_mut(index).ok_or_else(|| user_not_found(&id))?;
    let next = operation.apply(user.status, user.password_changed.is_some())?;
    let now = now_millis();
    if next != user.status {
        user.status = next;
        user.status_changed = Some(now);
        if next == Status::Active && user.activated.is_none() {
            user.activated = Some(now);
        }
    }
    if matches!(next, Status::Deprovisioned | Status::Suspended) {
        user.sessions = 0;
    }
    user.last_updated = now;
    let json = user.to_json(&state.base_url, &state.user_type);
    drop(dir);
    let (event_type, message) = operation.event();
    state.record(vec![LogEvent::new(
        event_type,
        message,
        vec![Target::user(&json)],
    )]);
    let token = random_alnum(20);
    let body = match operation {
        Operation::Activate | Operation::Reactivate if !send_email => json!({
            "activationToken": token,
            "activationUrl": format!("{}/tokens/{token}/verify", state.base_url),
        }),
        Operation::ResetPassword if !send_email => json!({
            "resetPasswordUrl": format!("{}/signin/reset-password/{token}", state.base_url),
        }),
        Operation::ExpirePassword => json,
        Operation::Activate | Operation::Reactivate | Operation::ResetPassword => json!({}),
        _ => return Ok(StatusCode::OK.into_response()),
    };
    Ok(json_response(StatusCode::OK, body))
}

/// `POST /api/v1/users/{id}`: the attributes given in `profile` are set, the others kept.
pub(super) async fn update_user(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    require_json(&headers)?;
    let body = json_object(&body)?;
    let changes = match body.get("profile") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err(OktaError::malformed_body()),
    };
    let password = password_of(&body)?;
    let mut dir = write(&state.directory);
    let index = dir.find(&id).ok_or_else(|| user_not_found(&id))?;
    let user = dir.get(index).ok_or_else(|| user_not_found(&id))?;
    if user.status == Status::Deprovisioned {
        return Err(OktaError::new(
            StatusCode::FORBIDDEN,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        ));
    }
    let mut profile = user.profile.to_json();
    for (key, value) in changes {
        profile.insert(key, value);
    }
    validate_profile(&state.required_profile, &profile)?;
    dir.set_profile(index, profile)
        .map_err(|AddError::DuplicateLogin| {
            OktaError::validation(
                "login",
                "login: An object with this field already exists in the current organization",
            )
        })?;
    let user = dir.get_mut(index).ok_or_else(|| user_not_found(&id))?;
    let now = now_millis();
    if password.is_some() {
        user.password_changed = Some(now);
    }
    user.last_updated = now;
    let json = user.to_json(&state.base_url, &state.user_type);
    drop(dir);
    state.record(vec![LogEvent::new(
        "user.account.update_profile",
        "Update user profile for Okta",
        vec![Target::user(&json)],
    )]);
    Ok(json_response(StatusCode::OK, json))
}

/// `DELETE /api/v1/users/{id}`: deactivates a user not yet `DEPROVISIONED`, deletes one
/// that is (with its memberships).
pub(super) async fn delete_user(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    QueryParams::parse(raw.as_deref()).bool("sendEmail", false)?;
    let mut dir = write(&state.directory);
    let index = dir.find(&id).ok_or_else(|| user_not_found(&id))?;
    let user = dir.get_mut(index).ok_or_else(|| user_not_found(&id))?;
    if user.status != Status::Deprovisioned {
        let now = now_millis();
        user.status = Status::Deprovisioned;
        user.status_changed = Some(now);
        user.last_updated = now;
        user.sessions = 0;
        let json = user.to_json(&state.base_url, &state.user_type);
        drop(dir);
        state.record(vec![LogEvent::new(
            "user.lifecycle.deactivate",
            "Deactivate Okta user",
            vec![Target::user(&json)],
        )]);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let json = user.to_json(&state.base_url, &state.user_type);
    let user_id = user.id.as_str().to_owned();
    dir.remove(index);
    drop(dir);
    write(&state.groups).remove_member_everywhere(&user_id);
    write(&state.apps).remove_user_everywhere(&user_id);
    state.record(vec![LogEvent::new(
        "user.lifecycle.delete.initiated",
        "Delete Okta user",
        vec![Target::user(&json)],
    )]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/users/{id}/groups`: the groups the user is a member of.
async fn user_groups(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_param(path)?;
    let user_id = {
        let dir = read(&state.directory);
        let index = dir.find(&id).ok_or_else(|| user_not_found(&id))?;
        dir.get(index)
            .map(|u| u.id.as_str().to_owned())
            .ok_or_else(|| user_not_found(&id))?
    };
    let groups = read(&state.groups).of_user(&user_id, &state.base_url);
    Ok(json_response(StatusCode::OK, Value::Array(groups)))
}
