//! The "Add User to Admin Role" template: when a user is created whose profile says
//! `role = Support`, assign the `HELP_DESK_ADMIN` role to that user.
//!
//! As in the workflow product's template, the role is assigned through the connector's
//! Custom API Action (`POST /api/v1/users/{id}/roles`); the user is read with the typed
//! `read-user`. The attribute, its value and the role type are parameters
//! ([`HelpDeskTemplate`]) with the template's values as defaults.
//!
//! ```no_run
//! use connector_okta::help_desk::{self, Outcome};
//!
//! # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
//! // From an event hook's `user.lifecycle.create` event: the target's id.
//! match help_desk::on_user_created(&okta, "00u1abc").await? {
//!     Outcome::Assigned { assignment_id } => println!("assigned ({assignment_id})"),
//!     Outcome::AlreadyAssigned => println!("already a help desk admin"),
//!     Outcome::Skipped { reason } => println!("skipped: {reason}"),
//!     _ => {}
//! }
//! # Ok(())
//! # }
//! ```

use connector_core::custom::CustomApiInput;
use connector_core::{Result, custom_api_call};
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Okta;
use crate::model::HELP_DESK_ADMIN;
use crate::profile::ROLE_ALREADY_ASSIGNED;

/// The template's parameters: which profile attribute, which value, which role.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HelpDeskTemplate {
    /// The profile attribute to look at (default `role`).
    pub attribute: String,
    /// The value that earns the role (default `Support`); compared exactly.
    pub value: String,
    /// The role type to assign (default `HELP_DESK_ADMIN`).
    pub role_type: String,
}

impl Default for HelpDeskTemplate {
    fn default() -> Self {
        HelpDeskTemplate {
            attribute: "role".to_owned(),
            value: "Support".to_owned(),
            role_type: HELP_DESK_ADMIN.to_owned(),
        }
    }
}

/// What the template did for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Outcome {
    /// The role was assigned.
    #[serde(rename_all = "camelCase")]
    Assigned {
        /// The new role assignment's id.
        assignment_id: String,
    },
    /// The user already had the role (Okta answered `E0000090`); nothing changed.
    AlreadyAssigned,
    /// The user's attribute does not match; no role call was made.
    Skipped {
        /// Why, e.g. `profile.role is "Engineering", not "Support"`.
        reason: String,
    },
}

impl HelpDeskTemplate {
    /// The template with its defaults: `role` = `Support` earns `HELP_DESK_ADMIN`.
    pub fn new() -> HelpDeskTemplate {
        HelpDeskTemplate::default()
    }

    /// Looks at another profile attribute.
    pub fn with_attribute(mut self, attribute: impl Into<String>) -> HelpDeskTemplate {
        self.attribute = attribute.into();
        self
    }

    /// Matches another value.
    pub fn with_value(mut self, value: impl Into<String>) -> HelpDeskTemplate {
        self.value = value.into();
        self
    }

    /// Assigns another role type.
    pub fn with_role_type(mut self, role_type: impl Into<String>) -> HelpDeskTemplate {
        self.role_type = role_type.into();
        self
    }

    /// Runs the template for a user just created: reads the user and, when the attribute
    /// matches, assigns the role through the Custom API Action. Errors of either call are
    /// returned as they are, except Okta's "already assigned", which is an outcome.
    ///
    /// ```no_run
    /// use connector_okta::help_desk::HelpDeskTemplate;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let template = HelpDeskTemplate::new().with_value("IT Support").with_role_type("USER_ADMIN");
    /// let outcome = template.run(&okta, "00u1abc").await?;
    /// println!("{outcome:?}");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run(&self, okta: &Okta, user_id: &str) -> Result<Outcome> {
        let user = okta.read_user(user_id).await?;
        let found = user.profile.attribute(&self.attribute);
        if found.as_ref().and_then(Value::as_str) != Some(self.value.as_str()) {
            let reason = match found {
                None | Some(Value::Null) => format!("profile.{} is not set", self.attribute),
                Some(other) => format!(
                    "profile.{} is {other}, not {:?}",
                    self.attribute, self.value
                ),
            };
            tracing::info!(user = %user.id, %reason, "help desk template: skipped");
            return Ok(Outcome::Skipped { reason });
        }
        let input = CustomApiInput {
            method: Some("POST".to_owned()),
            relative_url: Some(format!(
                "/api/v1/users/{}/roles",
                connector_core::path_segment(&user.id)
            )),
            body: Some(json!({ "type": self.role_type })),
            ..CustomApiInput::default()
        };
        let outcome = match custom_api_call(okta, &input, None).await {
            Ok(output)
                if output.body.get("errorCode").and_then(Value::as_str)
                    == Some(ROLE_ALREADY_ASSIGNED) =>
            {
                Outcome::AlreadyAssigned
            }
            Ok(output) => match output.body.get("id").and_then(Value::as_str) {
                Some(id) => Outcome::Assigned {
                    assignment_id: id.to_owned(),
                },
                None => {
                    return Err(connector_core::Error::invalid_response(
                        "okta assigned the role but its answer has no assignment id",
                    )
                    .with_status(output.status_code));
                }
            },
            Err(error) if error.code() == Some(ROLE_ALREADY_ASSIGNED) => Outcome::AlreadyAssigned,
            Err(error) => return Err(error),
        };
        tracing::info!(user = %user.id, role = %self.role_type, outcome = ?outcome, "help desk template: done");
        Ok(outcome)
    }
}

/// Runs the template with its defaults for a user just created: `profile.role == "Support"`
/// earns `HELP_DESK_ADMIN`. See [`HelpDeskTemplate::run`].
///
/// ```no_run
/// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
/// let outcome = connector_okta::help_desk::on_user_created(&okta, "00u1abc").await?;
/// println!("{outcome:?}");
/// # Ok(())
/// # }
/// ```
pub async fn on_user_created(okta: &Okta, user_id: &str) -> Result<Outcome> {
    HelpDeskTemplate::default().run(okta, user_id).await
}

/// A user created, as an Okta event hook delivery reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreatedUser {
    /// The event's `uuid`: deliveries are at least once, so de-duplicate on it.
    pub event_id: String,
    /// The new user's id (the event's `User` target).
    pub user_id: String,
}

/// The users created in an event hook delivery: one per `user.lifecycle.create` event with
/// a `User` target. Anything else in the body is ignored; a body of another shape gives
/// an empty list.
///
/// ```
/// use connector_okta::help_desk::created_users;
///
/// let body = serde_json::json!({"data": {"events": [{
///     "uuid": "e1", "eventType": "user.lifecycle.create",
///     "target": [{"id": "00u1", "type": "User", "alternateId": "jane@acme.com"}]
/// }]}});
/// let users = created_users(&body);
/// assert_eq!(users[0].user_id, "00u1");
/// ```
pub fn created_users(event_hook_body: &Value) -> Vec<CreatedUser> {
    let events = event_hook_body
        .pointer("/data/events")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    events
        .iter()
        .filter(|event| {
            event.get("eventType").and_then(Value::as_str) == Some("user.lifecycle.create")
        })
        .filter_map(|event| {
            let event_id = event
                .get("uuid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let user_id = event
                .get("target")
                .and_then(Value::as_array)?
                .iter()
                .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))?
                .get("id")
                .and_then(Value::as_str)?;
            Some(CreatedUser {
                event_id: event_id.to_owned(),
                user_id: user_id.to_owned(),
            })
        })
        .collect()
}
