//! Groups and their memberships, as Okta's `/api/v1/groups` serves them: create, read,
//! list (search, filter, `q`, `Link` pagination), add and remove members, list members;
//! replace and delete (`changes.rs`). Changes are System Log events.

mod changes;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

use super::OktaState;
use super::error::OktaError;
use super::paging::{cursor_of, id_of_cursor, page_size, paged};
use super::routes::{QueryParams, json_object, json_response, require_json};
use super::search::{self, Dialect};
use super::syslog::{LogEvent, Target};
use crate::util::{format_timestamp, now_millis, random_alnum, read, write};

type S = Arc<OktaState>;

/// The largest page Okta serves for groups and for group members.
const MAX_GROUPS_PAGE: usize = 10_000;
const MAX_MEMBERS_PAGE: usize = 1_000;

/// One group of type `OKTA_GROUP`.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    id: String,
    name: String,
    description: Option<String>,
    created: i64,
    last_updated: i64,
    last_membership_updated: i64,
    /// Member user ids, in the order they were added.
    members: Vec<String>,
}

impl Group {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "id" => Some(json!(self.id)),
            "type" => Some(json!("OKTA_GROUP")),
            "created" => Some(json!(format_timestamp(self.created))),
            "lastUpdated" => Some(json!(format_timestamp(self.last_updated))),
            "lastMembershipUpdated" => Some(json!(format_timestamp(self.last_membership_updated))),
            "profile.name" => Some(json!(self.name)),
            "profile.description" => self.description.as_ref().map(|d| json!(d)),
            _ => None,
        }
    }

    fn to_json(&self, base_url: &str) -> Value {
        let href = format!("{base_url}/api/v1/groups/{}", self.id);
        let mut profile = Map::new();
        profile.insert("name".to_owned(), json!(self.name));
        // Okta leaves an unset description out; `null` does not fit the document's schema.
        if let Some(description) = &self.description {
            profile.insert("description".to_owned(), json!(description));
        }
        json!({
            "id": self.id,
            "created": format_timestamp(self.created),
            "lastUpdated": format_timestamp(self.last_updated),
            "lastMembershipUpdated": format_timestamp(self.last_membership_updated),
            "objectClass": ["okta:user_group"],
            "type": "OKTA_GROUP",
            "profile": profile,
            "_links": {
                "logo": [
                    {"name": "medium", "href": format!("{base_url}/assets/img/logos/groups/okta-medium.png"), "type": "image/png"},
                    {"name": "large", "href": format!("{base_url}/assets/img/logos/groups/okta-large.png"), "type": "image/png"}
                ],
                "users": {"href": format!("{href}/users")},
                "apps": {"href": format!("{href}/apps")}
            }
        })
    }
}

/// Every group of the org.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    groups: Vec<Group>,
}

impl Groups {
    fn find(&self, id: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.id == id)
    }

    pub(crate) fn clear(&mut self) {
        self.groups.clear();
    }

    /// The groups a user is a member of, as Okta returns them.
    pub(crate) fn of_user(&self, user_id: &str, base_url: &str) -> Vec<Value> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == user_id))
            .map(|g| g.to_json(base_url))
            .collect()
    }

    /// Removes a deleted user from every group.
    pub(crate) fn remove_member_everywhere(&mut self, user_id: &str) {
        for group in &mut self.groups {
            group.members.retain(|m| m != user_id);
        }
    }

    /// The id and name of a group, when it exists.
    pub(crate) fn name_of(&self, id: &str) -> Option<String> {
        self.find(id).map(|i| self.groups[i].name.clone())
    }
}

/// The group routes, merged into the Okta router (behind its gate).
pub(super) fn router() -> Router<S> {
    Router::new()
        .route("/api/v1/groups", get(list_groups).post(create_group))
        .route(
            "/api/v1/groups/{group}",
            get(get_group)
                .put(changes::replace_group)
                .delete(changes::delete_group),
        )
        .route("/api/v1/groups/{group}/users", get(list_members))
        .route(
            "/api/v1/groups/{group}/users/{user}",
            put(add_member).delete(remove_member),
        )
}

fn group_not_found(id: &str) -> OktaError {
    OktaError::not_found(id, "UserGroup")
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<String, OktaError> {
    path.map(|Path(p)| p)
        .map_err(|_| group_not_found("(undecodable id)"))
}

async fn list_groups(
    State(state): State<S>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let query = QueryParams::parse(raw.as_deref());
    let parse = |name: &str, dialect| {
        query
            .get(name)
            .map(|e| search::parse(e, dialect))
            .transpose()
            .map_err(|e| OktaError::invalid_search(format!("{name}: {e}")))
    };
    let search = parse("search", Dialect::Search)?;
    let filter = parse("filter", Dialect::Filter)?;
    let q = query.get("q").map(str::to_lowercase);
    let limit = page_size(&query, MAX_GROUPS_PAGE)?;
    let groups = read(&state.groups);
    let start = match query.get("after") {
        None => 0,
        Some(cursor) => {
            let id = id_of_cursor(cursor)?;
            groups.find(&id).map(|i| i + 1).ok_or_else(|| {
                OktaError::validation("after", "after: The cursor is not valid for this list")
            })?
        }
    };
    let matching = groups.groups.iter().skip(start).filter(|g| {
        let lookup = |name: &str| g.property(name);
        search
            .as_ref()
            .is_none_or(|e| e.matches(&lookup, Dialect::Search))
            && filter
                .as_ref()
                .is_none_or(|e| e.matches(&lookup, Dialect::Filter))
            && q.as_ref()
                .is_none_or(|q| g.name.to_lowercase().starts_with(q.as_str()))
    });
    let found: Vec<&Group> = matching.take(limit + 1).collect();
    let more = found.len() > limit;
    let page: Vec<&Group> = found.into_iter().take(limit).collect();
    let next = more
        .then(|| page.last().map(|g| cursor_of(&g.id)))
        .flatten();
    let body = page.iter().map(|g| g.to_json(&state.base_url)).collect();
    Ok(paged(
        format!("{}/api/v1/groups", state.base_url),
        &query,
        body,
        next,
        limit,
    ))
}

async fn create_group(
    State(state): State<S>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    require_json(&headers)?;
    let body = json_object(&body)?;
    let profile = match body.get("profile") {
        Some(Value::Object(p)) => p.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(OktaError::malformed_body()),
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
    if groups
        .groups
        .iter()
        .any(|g| g.name.eq_ignore_ascii_case(&name))
    {
        return Err(OktaError::validation(
            "name",
            "name: An object with this field already exists in the current organization",
        ));
    }
    let now = now_millis();
    let group = Group {
        id: format!("00g{}", random_alnum(17)),
        name,
        description,
        created: now,
        last_updated: now,
        last_membership_updated: now,
        members: Vec::new(),
    };
    let answer = group.to_json(&state.base_url);
    let target = Target::group(&group.id, &group.name);
    groups.groups.push(group);
    drop(groups);
    state.record(vec![LogEvent::new(
        "group.lifecycle.create",
        "Create okta group",
        vec![target],
    )]);
    Ok(json_response(StatusCode::OK, answer))
}

async fn get_group(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = path_id(path)?;
    let groups = read(&state.groups);
    let group = groups
        .find(&id)
        .map(|i| &groups.groups[i])
        .ok_or_else(|| group_not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        group.to_json(&state.base_url),
    ))
}

/// The group's index and the user's id, or 404 naming whichever is missing.
fn membership(
    state: &OktaState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), OktaError> {
    let Path((group, user)) = path.map_err(|_| group_not_found("(undecodable id)"))?;
    if read(&state.groups).find(&group).is_none() {
        return Err(group_not_found(&group));
    }
    let directory = read(&state.directory);
    let user_id = directory
        .find(&user)
        .and_then(|i| directory.get(i))
        .map(|u| u.id.as_str().to_owned())
        .ok_or_else(|| OktaError::not_found(&user, "User"))?;
    Ok((group, user_id))
}

async fn add_member(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, OktaError> {
    let (group, user) = membership(&state, path)?;
    let mut groups = write(&state.groups);
    let index = groups.find(&group).ok_or_else(|| group_not_found(&group))?;
    let entry = &mut groups.groups[index];
    if !entry.members.contains(&user) {
        entry.members.push(user.clone());
        entry.last_membership_updated = now_millis();
        let group_target = Target::group(&entry.id, &entry.name);
        drop(groups);
        membership_event(
            &state,
            "group.user_membership.add",
            "Add user to group membership",
            &user,
            group_target,
        );
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(state): State<S>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, OktaError> {
    let (group, user) = membership(&state, path)?;
    let mut groups = write(&state.groups);
    let index = groups.find(&group).ok_or_else(|| group_not_found(&group))?;
    let entry = &mut groups.groups[index];
    let before = entry.members.len();
    entry.members.retain(|m| m != &user);
    if entry.members.len() != before {
        entry.last_membership_updated = now_millis();
        let group_target = Target::group(&entry.id, &entry.name);
        drop(groups);
        membership_event(
            &state,
            "group.user_membership.remove",
            "Remove user from group membership",
            &user,
            group_target,
        );
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Logs a membership change: Okta's targets are the user, then the group.
fn membership_event(
    state: &OktaState,
    event_type: &'static str,
    message: &'static str,
    user_id: &str,
    group: Target,
) {
    let targets = Target::user_by_id(state, user_id)
        .into_iter()
        .chain([group])
        .collect();
    state.record(vec![LogEvent::new(event_type, message, targets)]);
}

async fn list_members(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, OktaError> {
    let id = path_id(path)?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = page_size(&query, MAX_MEMBERS_PAGE)?;
    let groups = read(&state.groups);
    let group = groups
        .find(&id)
        .map(|i| &groups.groups[i])
        .ok_or_else(|| group_not_found(&id))?;
    let start = match query.get("after") {
        None => 0,
        Some(cursor) => {
            let after = id_of_cursor(cursor)?;
            group
                .members
                .iter()
                .position(|m| *m == after)
                .map(|i| i + 1)
                .ok_or_else(|| {
                    OktaError::validation("after", "after: The cursor is not valid for this list")
                })?
        }
    };
    let directory = read(&state.directory);
    let ids: Vec<&String> = group.members.iter().skip(start).take(limit + 1).collect();
    let more = ids.len() > limit;
    let ids: Vec<&String> = ids.into_iter().take(limit).collect();
    let next = more.then(|| ids.last().map(|m| cursor_of(m))).flatten();
    let body = ids
        .iter()
        .filter_map(|m| directory.find_id(m).and_then(|i| directory.get(i)))
        .map(|u| u.to_json(&state.base_url, &state.user_type))
        .collect();
    Ok(paged(
        format!("{}/api/v1/groups/{id}/users", state.base_url),
        &query,
        body,
        next,
        limit,
    ))
}
