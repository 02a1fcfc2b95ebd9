//! `PUT /api/v1/groups/{groupId}` (Okta replaces the whole profile: `name` required) and
//! `DELETE /api/v1/groups/{groupId}`.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::super::error::OktaError;
use super::super::routes::{json_object, json_response, require_json};
use super::super::syslog::{LogEvent, Target};
use super::{S, group_not_found, path_id};
use crate::util::{now_millis, write};

pub(super) async fn replace_group(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    let id = path_id(path)?;
    require_json(&headers)?;
    let body = json_object(&body)?;
    let Some(Value::Object(profile)) = body.get("profile") else {
        return Err(OktaError::validation(
            "profile",
            "profile: The field cannot be left blank",
        ));
    };
    let name = match profile.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        _ => {
            return Err(OktaError::validation(
                "profile.name",
                "name: The field cannot be left blank",
            ));
        }
    };
    let description = match profile.get("description") {
        Some(Value::String(d)) => Some(d.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(OktaError::malformed_body()),
    };
    let mut groups = write(&state.groups);
    let index = groups.find(&id).ok_or_else(|| group_not_found(&id))?;
    if groups
        .groups
        .iter()
        .any(|g| g.id != id && g.name.eq_ignore_ascii_case(&name))
    {
        return Err(OktaError::validation(
            "name",
            "name: An object with this field already exists in the current organization",
        ));
    }
    let group = &mut groups.groups[index];
    group.name = name;
    group.description = description;
    group.last_updated = now_millis();
    let answer = group.to_json(&state.base_url);
    let target = Target::group(&group.id, &group.name);
    drop(groups);
    state.record(vec![LogEvent::new(
        "group.profile.update",
        "Update group profile",
        vec![target],
    )]);
    Ok(json_response(StatusCode::OK, answer))
}

pub(super) async fn delete_group(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_id(path)?;
    let mut groups = write(&state.groups);
    let index = groups.find(&id).ok_or_else(|| group_not_found(&id))?;
    let group = groups.groups.remove(index);
    drop(groups);
    write(&state.apps).remove_group_everywhere(&group.id);
    state.record(vec![LogEvent::new(
        "group.lifecycle.delete",
        "Delete okta group",
        vec![Target::group(&group.id, &group.name)],
    )]);
    Ok(StatusCode::NO_CONTENT.into_response())
}
