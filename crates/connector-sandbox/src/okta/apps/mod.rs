//! Applications, as Okta's `/api/v1/apps` serves them for the app types the cards need
//! (bookmark and basic-auth apps, created with Okta's own `POST /api/v1/apps`): read,
//! list (`q`, `filter`, `Link` pages), and their user and group assignments. Changes are
//! System Log events. The assignments' routes are in `assignments.rs`.

mod assignments;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, put};
use serde_json::{Map, Value, json};

use super::OktaState;
use super::error::OktaError;
use super::paging::{cursor_of, id_of_cursor, page_size, paged};
use super::routes::{QueryParams, json_object, json_response, require_json};
use super::search::{self, Dialect};
use super::syslog::{LogEvent, Target};
use crate::util::{format_timestamp, now_millis, random_alnum, read, write};

type S = Arc<OktaState>;

/// The app types the emulator creates: Okta's app name and its sign-on mode.
const APP_TYPES: [(&str, &str); 2] = [
    ("bookmark", "BOOKMARK"),
    ("template_basic_auth", "BASIC_AUTH"),
];

#[derive(Debug, Clone)]
struct Assignment {
    /// The user's or the group's id.
    id: String,
    created: i64,
    profile: Map<String, Value>,
    priority: Option<i64>,
}

#[derive(Debug, Clone)]
struct App {
    id: String,
    name: String,
    label: String,
    sign_on_mode: &'static str,
    active: bool,
    created: i64,
    last_updated: i64,
    settings: Value,
    users: Vec<Assignment>,
    groups: Vec<Assignment>,
}

impl App {
    fn to_json(&self, base_url: &str) -> Value {
        let href = format!("{base_url}/api/v1/apps/{}", self.id);
        json!({
            "id": self.id,
            "name": self.name,
            "label": self.label,
            "status": if self.active { "ACTIVE" } else { "INACTIVE" },
            "created": format_timestamp(self.created),
            "lastUpdated": format_timestamp(self.last_updated),
            "signOnMode": self.sign_on_mode,
            "features": [],
            "accessibility": {"selfService": false},
            "visibility": {"autoSubmitToolbar": false, "hide": {"iOS": false, "web": false}},
            "credentials": {"scheme": "EDIT_USERNAME_AND_PASSWORD", "userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"}},
            "settings": self.settings,
            "_links": {
                "self": {"href": href},
                "users": {"href": format!("{href}/users")},
                "groups": {"href": format!("{href}/groups")},
            },
        })
    }

    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "id" => Some(json!(self.id)),
            "name" => Some(json!(self.name)),
            "label" => Some(json!(self.label)),
            "status" => Some(json!(if self.active { "ACTIVE" } else { "INACTIVE" })),
            "signOnMode" => Some(json!(self.sign_on_mode)),
            "user.id" => Some(Value::Array(
                self.users.iter().map(|a| json!(a.id)).collect(),
            )),
            "group.id" => Some(Value::Array(
                self.groups.iter().map(|a| json!(a.id)).collect(),
            )),
            _ => None,
        }
    }

    fn user_json(&self, base_url: &str, user: &Assignment, login: &str) -> Value {
        let ts = format_timestamp(user.created);
        json!({
            "id": user.id,
            "scope": "USER",
            "status": "ACTIVE",
            "syncState": "DISABLED",
            "created": ts,
            "lastUpdated": ts,
            "statusChanged": ts,
            "credentials": {"userName": login},
            "profile": user.profile,
            "_links": {
                "app": {"href": format!("{base_url}/api/v1/apps/{}", self.id)},
                "user": {"href": format!("{base_url}/api/v1/users/{}", user.id)},
            },
        })
    }

    fn group_json(&self, base_url: &str, group: &Assignment) -> Value {
        let mut answer = json!({
            "id": group.id,
            "lastUpdated": format_timestamp(group.created),
            "profile": group.profile,
            "_links": {
                "app": {"href": format!("{base_url}/api/v1/apps/{}", self.id)},
                "group": {"href": format!("{base_url}/api/v1/groups/{}", group.id)},
            },
        });
        if let Some(priority) = group.priority {
            answer["priority"] = json!(priority);
        }
        answer
    }
}

/// Every application of the org.
#[derive(Debug, Default)]
pub(crate) struct Apps {
    apps: Vec<App>,
}

impl Apps {
    fn find(&self, id: &str) -> Option<usize> {
        self.apps.iter().position(|a| a.id == id)
    }

    pub(crate) fn clear(&mut self) {
        self.apps.clear();
    }

    /// Unassigns a deleted user from every application.
    pub(crate) fn remove_user_everywhere(&mut self, user_id: &str) {
        for app in &mut self.apps {
            app.users.retain(|a| a.id != user_id);
        }
    }

    /// Unassigns a deleted group from every application.
    pub(crate) fn remove_group_everywhere(&mut self, group_id: &str) {
        for app in &mut self.apps {
            app.groups.retain(|a| a.id != group_id);
        }
    }
}

pub(super) fn router() -> Router<S> {
    Router::new()
        .route("/api/v1/apps", get(list_apps).post(create_app))
        .route("/api/v1/apps/{app}", get(get_app))
        .route(
            "/api/v1/apps/{app}/users",
            get(assignments::list_users).post(assignments::assign_user),
        )
        .route(
            "/api/v1/apps/{app}/users/{user}",
            delete(assignments::unassign_user),
        )
        .route("/api/v1/apps/{app}/groups", get(assignments::list_groups))
        .route(
            "/api/v1/apps/{app}/groups/{group}",
            put(assignments::assign_group),
        )
}

fn app_not_found(id: &str) -> OktaError {
    OktaError::not_found(id, "AppInstance")
}

fn text<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, OktaError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(OktaError::validation(
            field,
            format!("{field}: The field cannot be left blank"),
        )),
    }
}

async fn create_app(
    State(state): State<S>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OktaError> {
    require_json(&headers)?;
    let active = QueryParams::parse(raw.as_deref()).bool("activate", true)?;
    let body = json_object(&body)?;
    let name = text(&body, "name")?;
    let label = text(&body, "label")?.to_owned();
    let Some(&(name, mode)) = APP_TYPES.iter().find(|(n, _)| *n == name) else {
        return Err(OktaError::validation(
            "name",
            format!(
                "name: '{name}' is not an app this sandbox creates (bookmark, template_basic_auth)"
            ),
        ));
    };
    if body.get("signOnMode").and_then(Value::as_str) != Some(mode) {
        return Err(OktaError::validation(
            "signOnMode",
            format!("signOnMode: the {name} app signs on with {mode}"),
        ));
    }
    let settings = body.get("settings").cloned().unwrap_or_else(|| json!({}));
    if settings["app"]["url"].as_str().is_none_or(str::is_empty) {
        return Err(OktaError::validation(
            "settings.app.url",
            "settings.app.url: The field cannot be left blank",
        ));
    }
    let now = now_millis();
    let app = App {
        id: format!("0oa{}", random_alnum(17)),
        name: name.to_owned(),
        label,
        sign_on_mode: mode,
        active,
        created: now,
        last_updated: now,
        settings,
        users: Vec::new(),
        groups: Vec::new(),
    };
    let answer = app.to_json(&state.base_url);
    let target = Target::app(&app.id, &app.name, &app.label);
    write(&state.apps).apps.push(app);
    state.record(vec![LogEvent::new(
        "application.lifecycle.create",
        "Create application",
        vec![target],
    )]);
    Ok(json_response(StatusCode::OK, answer))
}

fn app_id(path: Result<Path<String>, PathRejection>) -> Result<String, OktaError> {
    path.map(|Path(p)| p)
        .map_err(|_| app_not_found("(undecodable id)"))
}

async fn get_app(
    State(state): State<S>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, OktaError> {
    let id = app_id(path)?;
    let apps = read(&state.apps);
    let app = apps
        .find(&id)
        .map(|i| &apps.apps[i])
        .ok_or_else(|| app_not_found(&id))?;
    Ok(json_response(StatusCode::OK, app.to_json(&state.base_url)))
}

/// The position after the `after` cursor among `ids`, or 0 without one.
pub(super) fn start_after<'a>(
    query: &QueryParams,
    mut ids: impl Iterator<Item = &'a str>,
) -> Result<usize, OktaError> {
    let Some(cursor) = query.get("after") else {
        return Ok(0);
    };
    let after = id_of_cursor(cursor)?;
    ids.position(|id| id == after)
        .map(|i| i + 1)
        .ok_or_else(|| {
            OktaError::validation("after", "after: The cursor is not valid for this list")
        })
}

/// One page of `items` (each with its id) from `start`, and the cursor of the next.
pub(super) fn page_of(items: Vec<(String, Value)>, limit: usize) -> (Vec<Value>, Option<String>) {
    let more = items.len() > limit;
    let page: Vec<(String, Value)> = items.into_iter().take(limit).collect();
    let next = more
        .then(|| page.last().map(|(id, _)| cursor_of(id)))
        .flatten();
    (page.into_iter().map(|(_, v)| v).collect(), next)
}

async fn list_apps(State(state): State<S>, RawQuery(raw): RawQuery) -> Result<Response, OktaError> {
    let query = QueryParams::parse(raw.as_deref());
    let filter = query
        .get("filter")
        .map(|e| search::parse(e, Dialect::Search))
        .transpose()
        .map_err(|e| OktaError::invalid_search(format!("filter: {e}")))?;
    let q = query.get("q").map(str::to_lowercase);
    let limit = page_size(&query, 200)?;
    let apps = read(&state.apps);
    let start = start_after(&query, apps.apps.iter().map(|a| a.id.as_str()))?;
    let found: Vec<(String, Value)> = apps
        .apps
        .iter()
        .skip(start)
        .filter(|a| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(&|n| a.property(n), Dialect::Search))
                && q.as_ref().is_none_or(|q| {
                    a.name.to_lowercase().starts_with(q.as_str())
                        || a.label.to_lowercase().starts_with(q.as_str())
                })
        })
        .take(limit + 1)
        .map(|a| (a.id.clone(), a.to_json(&state.base_url)))
        .collect();
    let (page, next) = page_of(found, limit);
    Ok(paged(
        format!("{}/api/v1/apps", state.base_url),
        &query,
        page,
        next,
        limit,
    ))
}
