//! Okta action cards -> `okta.*` cards (DESIGN's table): each card's inputs by the
//! designer's field names, and its outputs by the names Okta Workflows gives them
//! (`ID`, `Last Login`, `Profile Properties` -> `role`), read off our action's answer.

use serde_json::Value;

use super::okta_cards::{IGNORED, OKTA_CARDS};
use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::{Card, Port};
use crate::val::{Val, field, string_literal};

/// What an Okta card's answer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One user.
    User,
    /// A list of users (`Users`).
    Users,
    /// One group.
    Group,
    /// A list of groups (`Groups`).
    Groups,
    /// The Custom API Action's `{statusCode, headers, body}`.
    Response,
    /// System Log events.
    Logs,
    /// Nothing read from it.
    Nothing,
}

/// One Okta card: its action, where each input goes, its answer's shape.
pub(crate) struct OktaCard {
    pub(crate) key: &'static str,
    pub(crate) action: &'static str,
    /// Designer field name -> our input path (`profile` for a whole group; `-` ignored).
    pub(crate) inputs: &'static [(&'static str, &'static str)],
    /// Inputs of this group are profile attributes.
    pub(crate) profile: Option<&'static str>,
    pub(crate) shape: Shape,
}

/// The Okta card with this key.
pub(crate) fn okta_card(key: &str) -> Option<&'static OktaCard> {
    OKTA_CARDS.iter().find(|c| c.key == key)
}

/// A user's field as Okta Workflows names it -> its path in Okta's user object.
pub(crate) fn user_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "ID" | "id" | "User ID" => "id",
        "Status" | "status" => "status",
        "Created" => "created",
        "Activated" => "activated",
        "Status Changed" => "statusChanged",
        "Last Login" => "lastLogin",
        "Last Updated" => "lastUpdated",
        "Password Changed" => "passwordChanged",
        "First Name" => "profile.firstName",
        "Last Name" => "profile.lastName",
        "Mobile Phone" => "profile.mobilePhone",
        "Second Email" => "profile.secondEmail",
        "Login" | "Username" => "profile.login",
        "Email" => "profile.email",
        "Display Name" => "profile.displayName",
        _ => return None,
    })
}

/// A group's field as Okta Workflows names it.
fn group_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "ID" | "id" => "id",
        "Name" | "name" => "profile.name",
        "Description" | "description" => "profile.description",
        "Type" | "type" => "type",
        "Created" => "created",
        "Last Updated" => "lastUpdated",
        _ => return None,
    })
}

/// A System Log event's field as Okta Workflows names it.
fn log_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "UUID" => "uuid",
        "Client" => "client",
        "Event Type" => "eventType",
        "Display Message" => "displayMessage",
        "Published" => "published",
        "Actor" => "actor",
        "Target" => "target",
        "Outcome" => "outcome",
        "Severity" => "severity",
        "Debug Context" => "debugContext",
        "Authentication Context" => "authenticationContext",
        "Security Context" => "securityContext",
        "Transaction" => "transaction",
        "Request" => "request",
        _ => return None,
    })
}

/// The Okta Workflows fields of a group, built from Okta's group object `base`.
pub(crate) fn shaped_group(base: &str) -> String {
    let mut parts: Vec<String> = [
        "ID",
        "Name",
        "Description",
        "Type",
        "Created",
        "Last Updated",
    ]
    .iter()
    .map(|k| {
        let path = group_field(k).unwrap_or("id");
        format!(
            "{}: {}",
            crate::val::string_literal(k),
            crate::ctx::path_of(base, path)
        )
    })
    .collect();
    parts.push(format!("'Raw Output': {base}"));
    format!("{{{}}}", parts.join(", "))
}

/// The Okta Workflows fields of a user, built from Okta's user object `base`.
pub(crate) fn shaped_user(base: &str) -> String {
    let keys = [
        "ID",
        "Status",
        "Created",
        "Activated",
        "Status Changed",
        "Last Login",
        "Last Updated",
        "Password Changed",
        "First Name",
        "Last Name",
        "Mobile Phone",
        "Second Email",
        "Login",
        "Email",
    ];
    let mut parts: Vec<String> = keys
        .iter()
        .map(|k| {
            let path = user_field(k).unwrap_or("id");
            format!(
                "{}: {}",
                crate::val::string_literal(k),
                crate::ctx::path_of(base, path)
            )
        })
        .collect();
    parts.push(format!("'Raw Output': {base}"));
    format!("{{{}}}", parts.join(", "))
}

/// The expression of an Okta card's output.
pub(crate) fn output(spec: &OktaCard, port: &Port, base: &str) -> Result<String, String> {
    let group = port.group.as_deref().unwrap_or("");
    let key = port.key.as_str();
    let bad = || {
        format!(
            "reads the output {key:?} of {}, which the importer does not map",
            spec.key
        )
    };
    let path = |p: &str| crate::ctx::path_of(base, p);
    match spec.shape {
        Shape::User => match (group, key) {
            (_, "Raw Body" | "Raw Output" | "Raw Response") => Ok(base.to_owned()),
            ("Profile Properties" | "Profile", k) => Ok(field(&format!("{base}.profile"), k)),
            (_, k) => user_field(k).map(path).ok_or_else(bad),
        },
        Shape::Group => match key {
            "Raw Output" | "Raw Body" => Ok(base.to_owned()),
            k => group_field(k).map(path).ok_or_else(bad),
        },
        Shape::Users | Shape::Groups | Shape::Logs => match key {
            "Users" | "Groups" | "Events" | "Members" | "Raw Output" => Ok(base.to_owned()),
            k if spec.shape == Shape::Groups => group_field(k)
                .map(|p| crate::ctx::path_of(&format!("({base} | first)"), p))
                .ok_or_else(bad),
            k if spec.shape == Shape::Users => user_field(k)
                .map(|p| crate::ctx::path_of(&format!("({base} | first)"), p))
                .ok_or_else(bad),
            "Records Streamed" => Ok(format!("{base} | length")),
            k if spec.shape == Shape::Logs => log_field(k)
                .map(|p| crate::ctx::path_of(&format!("({base} | first)"), p))
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        Shape::Response => match key {
            "Status Code" => Ok(path("statusCode")),
            "Headers" => Ok(path("headers")),
            "Body" => Ok(path("body")),
            _ => Err(bad()),
        },
        // Okta answers a card that gives nothing (Add User to Group, ...) with 204 No
        // Content; its "Status" output is that code once the step succeeded.
        Shape::Nothing if key == "status" => {
            let step = base.strip_suffix(".output").unwrap_or(base);
            Ok(format!("(204 if {step}.status == 'succeeded' else none)"))
        }
        Shape::Nothing => Err(bad()),
    }
}

/// The step of an Okta card.
pub(crate) fn lower(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    spec: &OktaCard,
) -> Result<Vec<StepOut>, String> {
    let mut stream: Option<String> = None;
    let mut search: Vec<String> = Vec::new();
    let mut filter: Vec<String> = Vec::new();
    let mut templated: Vec<(String, Val)> = Vec::new();
    for port in card.inputs() {
        if port.is_context() || matches!(port.group.as_deref(), Some("Streaming")) {
            if port.key == "Flow" {
                match &port.value.data {
                    Value::String(id) if !id.is_empty() => {
                        let name = ctx
                            .shared
                            .flow_names
                            .get(id)
                            .cloned()
                            .ok_or("streams its records to a helper flow that is not in the export")?;
                        stream = Some(name);
                    }
                    Value::Null => {}
                    Value::String(_) => {}
                    _ => return Err("streams its records to an inline helper flow, which the importer does not translate".into()),
                }
            }
            continue;
        }
        let value = ctx.input_val(card, port)?;
        let group = port.group.as_deref().unwrap_or("");
        let target = if spec.profile == Some(group)
            && !matches!(port.key.as_str(), "ID" | "id" | "Activate" | "Password")
        {
            Some(format!("profile.{}", port.key))
        } else {
            spec.inputs
                .iter()
                .chain(IGNORED)
                .find(|(k, _)| *k == port.key)
                .map(|(_, p)| (*p).to_owned())
                .or_else(|| match (spec.key, group, port.key.as_str()) {
                    ("addNewUserToGroup" | "removeUserFromGroup", "User", _) => {
                        Some("userId".into())
                    }
                    ("addNewUserToGroup" | "removeUserFromGroup", "Group", _) => {
                        Some("groupId".into())
                    }
                    _ => None,
                })
        };
        let Some(target) = target else {
            if value.is_blank() {
                continue;
            }
            return Err(format!(
                "its input {:?} has no counterpart in okta.{}",
                port.key, spec.action
            ));
        };
        if target == "-"
            || value.is_blank()
                && !matches!(target.as_str(), "id" | "userId" | "groupId" | "relativeUrl")
        {
            continue;
        }
        if let Some(attr) = target.strip_prefix("search:") {
            search.push(condition(attr, &value));
        } else if let Some(attr) = target.strip_prefix("filter:") {
            filter.push(condition(attr, &value));
        } else if let Some(flag) = target.strip_suffix('?') {
            let yes = match &value {
                Val::Lit(Value::String(s)) => Val::Lit(Value::Bool(matches!(
                    s.to_ascii_lowercase().as_str(),
                    "yes" | "true"
                ))),
                other => other.clone(),
            };
            templated.push((flag.to_owned(), yes));
        } else {
            templated.push((target, value));
        }
    }
    if !search.is_empty() {
        templated.push(("search".into(), joined(search)));
    }
    if !filter.is_empty() {
        templated.push(("filter".into(), joined(filter)));
    }
    let mut step_input: Vec<(String, Y)> = Vec::new();
    for (path, value) in templated {
        insert(&mut step_input, &path, value.template());
    }
    let id = ctx.step_id(card);
    let mut step = StepOut::new(&id)
        .with("card", Y::Str(format!("okta.{}", spec.action)))
        .with("input", Y::Map(step_input));
    if let Some(name) = card
        .config_id()
        .and_then(|c| ctx.shared.connections.get(c).cloned().flatten())
    {
        step = step.with("connection", Y::Str(name));
    }
    let Some(helper) = stream else {
        return Ok(vec![step]);
    };
    // Streaming: the helper flow runs once per record, given it as `Record`.
    ctx.calls.insert(helper.clone());
    let record = match spec.shape {
        Shape::Users => shaped_user("record"),
        Shape::Groups => shaped_group("record"),
        _ => "record".into(),
    };
    let each = ctx.fresh_id(&format!("{id} each record"));
    let streamed = StepOut::new(&each)
        .with(
            "description",
            Y::Str(format!("{}: each record to the helper flow", card.title())),
        )
        .with("for_each", Y::Str(format!("steps.{id}.output")))
        .with("as", Y::Str("record".into()))
        .with("call", Y::Str(helper))
        .with(
            "input",
            Y::Map(vec![("Record".into(), Val::Code(record).template())]),
        );
    Ok(vec![step, streamed])
}

/// `attr eq "value"` of an Okta search or filter, as an expression.
fn condition(attr: &str, value: &Val) -> String {
    let text = match value {
        Val::Lit(Value::String(s)) => string_literal(&s.replace('"', "\\\"")),
        other => format!("({} | string | replace('\"', '\\\\\"'))", other.group()),
    };
    format!(
        "{} ~ {text} ~ '\"'",
        string_literal(&format!("{attr} eq \""))
    )
}

/// Conditions joined by `and`.
fn joined(parts: Vec<String>) -> Val {
    Val::Code(parts.join(" ~ ' and ' ~ "))
}

/// Puts `value` at a dotted `path` of a mapping being built.
pub(crate) fn insert(fields: &mut Vec<(String, Y)>, path: &str, value: Y) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    match rest {
        None => {
            fields.retain(|(k, _)| k != head);
            fields.push((head.to_owned(), value));
        }
        Some(rest) => {
            if !fields
                .iter()
                .any(|(k, v)| k == head && matches!(v, Y::Map(_)))
            {
                fields.retain(|(k, _)| k != head);
                fields.push((head.to_owned(), Y::Map(Vec::new())));
            }
            if let Some((_, Y::Map(inner))) = fields.iter_mut().find(|(k, _)| k == head) {
                insert(inner, rest, value);
            }
        }
    }
}
