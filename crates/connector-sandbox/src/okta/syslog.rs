//! The System Log: every change the emulator makes is a log event in Okta's `LogEvent`
//! shape, searchable at `GET /api/v1/logs` (`since`, `until`, `filter` with `eventType eq`,
//! `target.id eq`, `actor.id eq` joined by `and`, keywords `q`, `limit`, `after`, `Link`
//! pages), and the event types an event hook may subscribe to are delivered to the hook.
//!
//! As Okta's, a search without `until` is a poll: every page, the last one empty, links to
//! the next, so that a client can come back for newer events.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::OktaState;
use super::error::OktaError;
use super::search::{self, Dialect};
use super::wire::{QueryParams, json_response};
use crate::util::{format_timestamp, now_millis, random_alnum};

type S = Arc<OktaState>;

/// The most events the log keeps (the oldest go first).
const MAX_EVENTS: usize = 100_000;
/// The largest page served (Okta's).
const MAX_PAGE: usize = 1_000;
/// The page size when `limit` is not given (Okta's).
const DEFAULT_PAGE: usize = 100;

/// Event types an Okta event hook can subscribe to, of those the emulator records: the
/// emulator's hook receives these.
const HOOKED: [&str; 15] = [
    "user.lifecycle.create",
    "user.lifecycle.activate",
    "user.lifecycle.deactivate",
    "user.lifecycle.suspend",
    "user.lifecycle.unsuspend",
    "user.lifecycle.delete.initiated",
    "user.account.update_profile",
    "user.account.lock",
    "group.user_membership.add",
    "group.user_membership.remove",
    "group.lifecycle.create",
    "group.lifecycle.delete",
    "group.profile.update",
    "application.user_membership.add",
    "application.user_membership.remove",
];

/// What an event is about: Okta's `target` entry.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) id: String,
    /// `User`, `UserGroup` or `AppInstance`.
    pub(crate) kind: &'static str,
    pub(crate) alternate_id: String,
    pub(crate) display_name: String,
}

impl Target {
    /// A user target from the user's JSON (its id, login and names).
    pub(crate) fn user(user: &Value) -> Target {
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let profile = &user["profile"];
        Target {
            id: text(&user["id"]),
            kind: "User",
            alternate_id: text(&profile["login"]),
            display_name: format!(
                "{} {}",
                text(&profile["firstName"]),
                text(&profile["lastName"])
            )
            .trim()
            .to_owned(),
        }
    }

    /// A group target.
    pub(crate) fn group(id: &str, name: &str) -> Target {
        Target {
            id: id.to_owned(),
            kind: "UserGroup",
            alternate_id: name.to_owned(),
            display_name: name.to_owned(),
        }
    }

    /// An application target.
    pub(crate) fn app(id: &str, name: &str, label: &str) -> Target {
        Target {
            id: id.to_owned(),
            kind: "AppInstance",
            alternate_id: name.to_owned(),
            display_name: label.to_owned(),
        }
    }

    /// The target of a user of the org, by id.
    pub(crate) fn user_by_id(state: &OktaState, id: &str) -> Option<Target> {
        let dir = crate::util::read(&state.directory);
        let user = dir.get(dir.find_id(id)?)?;
        Some(Target::user(
            &user.to_json(&state.base_url, &state.user_type),
        ))
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.kind,
            "alternateId": self.alternate_id,
            "displayName": self.display_name,
        })
    }
}

/// One log event.
#[derive(Clone, Debug)]
pub(crate) struct LogEvent {
    uuid: String,
    published: i64,
    event_type: &'static str,
    display_message: &'static str,
    targets: Vec<Target>,
    transaction: String,
}

impl LogEvent {
    pub(crate) fn new(
        event_type: &'static str,
        display_message: &'static str,
        targets: Vec<Target>,
    ) -> LogEvent {
        LogEvent {
            uuid: uuid::Uuid::new_v4().to_string(),
            published: now_millis(),
            event_type,
            display_message,
            targets,
            transaction: random_alnum(27),
        }
    }

    /// The event as Okta's System Log and event hooks give it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "uuid": self.uuid,
            "published": format_timestamp(self.published),
            "eventType": self.event_type,
            "version": "0",
            "displayMessage": self.display_message,
            "severity": "INFO",
            "outcome": {"result": "SUCCESS"},
            "actor": {"id": ACTOR_ID, "type": "User", "alternateId": "admin@sandbox", "displayName": "Sandbox Admin"},
            "client": {"ipAddress": "127.0.0.1", "userAgent": {"rawUserAgent": "connector-sandbox"}},
            "transaction": {"type": "WEB", "id": self.transaction},
            "target": self.targets.iter().map(Target::to_json).collect::<Vec<_>>(),
        })
    }

    fn property(&self, name: &str) -> Option<Value> {
        let targets = |f: fn(&Target) -> &str| {
            Some(Value::Array(
                self.targets.iter().map(|t| json!(f(t))).collect(),
            ))
        };
        match name {
            "eventType" => Some(json!(self.event_type)),
            "uuid" => Some(json!(self.uuid)),
            "published" => Some(json!(format_timestamp(self.published))),
            "displayMessage" => Some(json!(self.display_message)),
            "severity" => Some(json!("INFO")),
            "outcome.result" => Some(json!("SUCCESS")),
            "actor.id" => Some(json!(ACTOR_ID)),
            "actor.alternateId" => Some(json!("admin@sandbox")),
            "target.id" => targets(|t| &t.id),
            "target.type" => targets(|t| t.kind),
            "target.alternateId" => targets(|t| &t.alternate_id),
            "target.displayName" => targets(|t| &t.display_name),
            _ => None,
        }
    }

    /// Whether every keyword of `q` is in the event's type, message or targets.
    fn has_keywords(&self, q: &str) -> bool {
        let text = std::iter::once(self.event_type)
            .chain([self.display_message])
            .chain(self.targets.iter().flat_map(|t| {
                [
                    t.id.as_str(),
                    t.alternate_id.as_str(),
                    t.display_name.as_str(),
                ]
            }))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        q.split_whitespace()
            .all(|word| text.contains(&word.to_lowercase()))
    }
}

/// The id of the admin every API call acts as.
pub(crate) const ACTOR_ID: &str = "00usandboxadmin00001";

/// Every event, oldest first, numbered from the first ever recorded.
#[derive(Debug, Default)]
pub(crate) struct SystemLog {
    events: std::collections::VecDeque<LogEvent>,
    /// The number of the oldest event kept.
    first: u64,
}

impl SystemLog {
    pub(crate) fn clear(&mut self) {
        *self = SystemLog::default();
    }

    fn push(&mut self, event: LogEvent) {
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
            self.first += 1;
        }
        self.events.push_back(event);
    }
}

impl super::OktaEmulator {
    /// The System Log's events, oldest first, as `GET /api/v1/logs` gives them.
    pub fn log_events(&self) -> Vec<Value> {
        crate::util::lock(&self.state.log)
            .events
            .iter()
            .map(LogEvent::to_json)
            .collect()
    }
}

impl OktaState {
    /// Records events in the System Log and delivers the hooked ones to the event hook
    /// (one delivery for the lot, as Okta batches them).
    pub(crate) fn record(&self, events: Vec<LogEvent>) {
        let hooked: Vec<Value> = events
            .iter()
            .filter(|e| HOOKED.contains(&e.event_type))
            .map(LogEvent::to_json)
            .collect();
        let mut log = crate::util::lock(&self.log);
        for event in events {
            log.push(event);
        }
        drop(log);
        if !hooked.is_empty() {
            self.event_hooks.deliver(&self.base_url, hooked);
        }
    }
}

/// `GET /api/v1/logs`, merged into the Okta router (behind its gate).
pub(super) fn router() -> Router<S> {
    Router::new().route("/api/v1/logs", get(list_logs))
}

fn timestamp(query: &QueryParams, name: &str) -> Result<Option<i64>, OktaError> {
    let Some(value) = query.get(name) else {
        return Ok(None);
    };
    humantime::parse_rfc3339_weak(value.trim_end_matches('Z'))
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .map(Some)
        .ok_or_else(|| {
            OktaError::validation(
                name,
                format!("{name}: '{value}' is not an ISO 8601 timestamp"),
            )
        })
}

async fn list_logs(State(state): State<S>, RawQuery(raw): RawQuery) -> Result<Response, OktaError> {
    let query = QueryParams::parse(raw.as_deref());
    let since = timestamp(&query, "since")?;
    let until = timestamp(&query, "until")?;
    let filter = query
        .get("filter")
        .map(|e| search::parse(e, Dialect::Search))
        .transpose()
        .map_err(|e| OktaError::invalid_search(format!("filter: {e}")))?;
    let q = query.get("q").map(str::to_owned);
    let limit = match query.get("limit") {
        None => DEFAULT_PAGE,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map(|n| n.clamp(1, MAX_PAGE))
            .map_err(|_| OktaError::validation("limit", format!("limit: '{v}' is not a number")))?,
    };
    let log = crate::util::lock(&state.log);
    // The cursor is the number of the event the next page starts at.
    let start = match query.get("after") {
        None => log.first,
        Some(cursor) => URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<u64>().ok())
            .map(|n| n.max(log.first))
            .ok_or_else(|| {
                OktaError::validation("after", "after: The cursor is not valid for this list")
            })?,
    };
    let skip = usize::try_from(start - log.first).unwrap_or(usize::MAX);
    let mut page = Vec::new();
    let mut next_start = log.first + log.events.len() as u64;
    let mut more = false;
    for (offset, event) in log.events.iter().enumerate().skip(skip) {
        let in_time =
            since.is_none_or(|s| event.published >= s) && until.is_none_or(|u| event.published < u);
        let matching = in_time
            && filter
                .as_ref()
                .is_none_or(|f| f.matches(&|name| event.property(name), Dialect::Search))
            && q.as_deref().is_none_or(|q| event.has_keywords(q));
        if !matching {
            continue;
        }
        if page.len() == limit {
            more = true;
            next_start = log.first + offset as u64;
            break;
        }
        page.push(event.to_json());
    }
    // Without `until` the search is a poll: the next link is always there.
    let next = (more || until.is_none()).then(|| URL_SAFE_NO_PAD.encode(next_start.to_string()));
    drop(log);
    let base = format!("{}/api/v1/logs", state.base_url);
    let pairs: Vec<(&str, &str)> = query
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut links = vec![format!(
        "<{base}{}>; rel=\"self\"",
        QueryParams::encode(&pairs)
    )];
    if let Some(cursor) = next {
        let limit = limit.to_string();
        let mut next: Vec<(&str, &str)> = vec![("after", &cursor), ("limit", &limit)];
        next.extend(pairs.iter().filter(|(k, _)| *k != "after" && *k != "limit"));
        links.push(format!(
            "<{base}{}>; rel=\"next\"",
            QueryParams::encode(&next)
        ));
    }
    let mut response = json_response(StatusCode::OK, Value::Array(page));
    for link in links {
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, value);
        }
    }
    Ok(response)
}
