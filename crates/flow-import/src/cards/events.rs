//! Okta event cards -> `okta_event` triggers, and their outputs read off the event the
//! hook delivered (`event`): Okta Workflows names an event's parts (`Okta User`, `Admin`,
//! `Event Type`); the runtime's `event` is Okta's own event object, one run per event.

use crate::model::Port;
use crate::val::{field, string_literal};

/// Event card key -> Okta event type.
const EVENTS: &[(&str, &str)] = &[
    ("userCreated", "user.lifecycle.create"),
    ("userActivated", "user.lifecycle.activate"),
    ("userDeactivated", "user.lifecycle.deactivate"),
    ("userSuspended", "user.lifecycle.suspend"),
    ("userUnsuspended", "user.lifecycle.unsuspend"),
    ("userDeleted", "user.lifecycle.delete.initiated"),
    ("oktaUserProfileUpdated", "user.account.update_profile"),
    ("oktaUserPasswordUpdated", "user.account.update_password"),
    ("userAccountLocked", "user.account.lock"),
    ("userAddedToGroupMembership", "group.user_membership.add"),
    (
        "userRemovedFromGroupMembership",
        "group.user_membership.remove",
    ),
    ("groupCreated", "group.lifecycle.create"),
    ("groupDeleted", "group.lifecycle.delete"),
    ("groupProfileUpdated", "group.profile.update"),
    (
        "userAssignedToApplication",
        "application.user_membership.add",
    ),
    (
        "userUnassignedFromApplication",
        "application.user_membership.remove",
    ),
];

/// The Okta event type of an event card, when it is one.
pub(crate) fn event_type(key: &str) -> Option<&'static str> {
    EVENTS.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The event's target of an Okta type (`User`, `UserGroup`, `AppInstance`).
fn target(kind: &str) -> String {
    format!(
        "(event.target | selectattr('type', 'eq', {}) | first)",
        string_literal(kind)
    )
}

/// An actor or target as Okta Workflows shows it: `{ID, Alternate ID, Display Name, Type}`.
fn shaped(base: &str) -> String {
    format!(
        "{{'ID': {b}.id, 'Alternate ID': {b}.alternateId, 'Display Name': {b}.displayName, 'Type': {b}.type}}",
        b = base
    )
}

/// An event part by Okta Workflows' name.
fn part(key: &str) -> Option<String> {
    Some(match key {
        "Date and Time" | "Event Time" => "event.published".into(),
        "Message" => "event.displayMessage".into(),
        "Event ID" | "UUID" => "event.uuid".into(),
        "Event Type" => "event.eventType".into(),
        "Version" => "event.version".into(),
        "Admin" | "Actor" => shaped("event.actor"),
        "Okta User" | "User" => shaped(&target("User")),
        "Okta Group" | "Group" => shaped(&target("UserGroup")),
        "Application" | "App" => shaped(&target("AppInstance")),
        "Full Details" | "Raw Output" => "event".into(),
        "Debug Context" => "event.debugContext".into(),
        "Client" => "event.client".into(),
        "Outcome" => "event.outcome".into(),
        _ => return None,
    })
}

/// The expression of an event card's output: the list of events (`collection`: the one
/// event of the run), or one part of it.
pub(crate) fn output(port: &Port) -> Result<String, String> {
    if port.is_context() {
        return match port.key.as_str() {
            "execution_id" => Ok("run.id".into()),
            other => Err(format!(
                "reads the run's {other:?}, which a run does not have"
            )),
        };
    }
    if port.key == "collection" || port.value.collection == Some(true) {
        // Okta Workflows hands a card the delivery's events as a list of their parts;
        // the runtime starts one run per event.
        let fields = port
            .value
            .kind
            .get("Output")
            .and_then(|o| o.get("type"))
            .and_then(serde_json::Value::as_object)
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_else(|| {
                [
                    "Event ID",
                    "Event Type",
                    "Okta User",
                    "Admin",
                    "Full Details",
                ]
                .map(str::to_owned)
                .to_vec()
            });
        let parts: Vec<String> = fields
            .iter()
            .filter_map(|k| part(k).map(|e| format!("{}: {e}", string_literal(k))))
            .collect();
        return Ok(format!("[{{{}}}]", parts.join(", ")));
    }
    match port.group.as_deref() {
        Some(group) if group != "Output" && part(group).is_some() => {
            let base = part(group).unwrap_or_default();
            Ok(field(&format!("({base})"), &port.key))
        }
        _ => part(&port.key).ok_or_else(|| {
            format!(
                "reads the event's {:?}, which the importer does not map",
                port.key
            )
        }),
    }
}
