//! The user and group assignments of an application: list them (`Link` pages), assign a
//! user (`POST .../users`) or a group (`PUT .../groups/{groupId}`), unassign a user.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::super::error::OktaError;
use super::super::paging::{page_size, paged};
use super::super::routes::{QueryParams, json_object, json_response, require_json};
use super::super::syslog::{LogEvent, Target};
use super::{Assignment, S, app_id, app_not_found, page_of, start_after, text};
use crate::util::{now_millis, read, write};

pub(super) async fn list_users(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let id = app_id(path)?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = page_size(&query, 500)?;
    let apps = read(&state.apps);
    let app = apps
        .find(&id)
        .map(|i| &apps.apps[i])
        .ok_or_else(|| app_not_found(&id))?;
    let start = start_after(&query, app.users.iter().map(|a| a.id.as_str()))?;
    let dir = read(&state.directory);
    let found = app
        .users
        .iter()
        .skip(start)
        .take(limit + 1)
        .map(|a| {
            let login = dir
                .find_id(&a.id)
                .and_then(|i| dir.get(i))
                .and_then(|u| u.profile.get("login"))
                .and_then(|l| l.as_str().map(str::to_owned))
                .unwrap_or_default();
            (a.id.clone(), app.user_json(&state.base_url, a, &login))
        })
        .collect();
    let (page, next) = page_of(found, limit);
    Ok(paged(
        format!("{}/api/v1/apps/{id}/users", state.base_url),
        &query,
        page,
        next,
        limit,
    ))
}

pub(super) async fn list_groups(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let id = app_id(path)?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = page_size(&query, 200)?;
    let apps = read(&state.apps);
    let app = apps
        .find(&id)
        .map(|i| &apps.apps[i])
        .ok_or_else(|| app_not_found(&id))?;
    let start = start_after(&query, app.groups.iter().map(|a| a.id.as_str()))?;
    let found = app
        .groups
        .iter()
        .skip(start)
        .take(limit + 1)
        .map(|a| (a.id.clone(), app.group_json(&state.base_url, a)))
        .collect();
    let (page, next) = page_of(found, limit);
    Ok(paged(
        format!("{}/api/v1/apps/{id}/groups", state.base_url),
        &query,
        page,
        next,
        limit,
    ))
}

fn object_field(body: &Map<String, Value>, field: &str) -> Result<Map<String, Value>, OktaError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(OktaError::malformed_body()),
    }
}

pub(super) async fn assign_user(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    let id = app_id(path)?;
    require_json(&headers)?;
    let body = json_object(&body)?;
    let user_id = text(&body, "id")?.to_owned();
    let profile = object_field(&body, "profile")?;
    let user = Target::user_by_id(&state, &user_id)
        .ok_or_else(|| OktaError::not_found(&user_id, "User"))?;
    let mut apps = write(&state.apps);
    let index = apps.find(&id).ok_or_else(|| app_not_found(&id))?;
    let app = &mut apps.apps[index];
    let fresh = !app.users.iter().any(|a| a.id == user_id);
    if fresh {
        app.users.push(Assignment {
            id: user_id.clone(),
            created: now_millis(),
            profile,
            priority: None,
        });
    }
    let assignment = app.users.iter().find(|a| a.id == user_id).cloned();
    let answer = assignment.map(|a| app.user_json(&state.base_url, &a, &user.alternate_id));
    let target = Target::app(&app.id, &app.name, &app.label);
    drop(apps);
    if fresh {
        state.record(vec![LogEvent::new(
            "application.user_membership.add",
            "Add user to application membership",
            vec![user, target],
        )]);
    }
    Ok(json_response(StatusCode::OK, answer.unwrap_or(Value::Null)))
}

pub(super) async fn unassign_user(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let Path((id, user_id)) = path.map_err(|_| app_not_found("(undecodable id)"))?;
    QueryParams::parse(raw.as_deref()).bool("sendEmail", false)?;
    let mut apps = write(&state.apps);
    let index = apps.find(&id).ok_or_else(|| app_not_found(&id))?;
    let app = &mut apps.apps[index];
    let position = app
        .users
        .iter()
        .position(|a| a.id == user_id)
        .ok_or_else(|| OktaError::not_found(&user_id, "AppUser"))?;
    app.users.remove(position);
    let target = Target::app(&app.id, &app.name, &app.label);
    drop(apps);
    let targets = Target::user_by_id(&state, &user_id)
        .into_iter()
        .chain([target])
        .collect();
    state.record(vec![LogEvent::new(
        "application.user_membership.remove",
        "Remove user from application membership",
        targets,
    )]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn assign_group(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Response, OktaError> {
    let Path((id, group_id)) = path.map_err(|_| app_not_found("(undecodable id)"))?;
    let body = if body.is_empty() {
        Map::new()
    } else {
        json_object(&body)?
    };
    let profile = object_field(&body, "profile")?;
    let priority = body.get("priority").and_then(Value::as_i64);
    let name = read(&state.groups)
        .name_of(&group_id)
        .ok_or_else(|| OktaError::not_found(&group_id, "UserGroup"))?;
    let mut apps = write(&state.apps);
    let index = apps.find(&id).ok_or_else(|| app_not_found(&id))?;
    let app = &mut apps.apps[index];
    let assignment = Assignment {
        id: group_id.clone(),
        created: now_millis(),
        profile,
        priority,
    };
    match app.groups.iter_mut().find(|a| a.id == group_id) {
        Some(existing) => *existing = assignment.clone(),
        None => app.groups.push(assignment.clone()),
    }
    let answer = app.group_json(&state.base_url, &assignment);
    let target = Target::app(&app.id, &app.name, &app.label);
    drop(apps);
    state.record(vec![LogEvent::new(
        "group.application_assignment.add",
        "Add assigned application to group",
        vec![Target::group(&group_id, &name), target],
    )]);
    Ok(json_response(StatusCode::OK, answer))
}
