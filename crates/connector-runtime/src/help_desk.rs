//! The help-desk template as a runtime flow: on `user.lifecycle.create`, read the user and,
//! when `profile.role` is `Support`, assign `HELP_DESK_ADMIN` through the Custom API
//! Action. It is idempotent: a second execution gets Okta's `E0000090` and reports
//! `alreadyAssigned`.

use async_trait::async_trait;
use connector_core::{CustomApiInput, Error, Result, custom_api_call, path_segment};
use connector_okta::Okta;
use connector_okta::help_desk::HelpDeskTemplate;
use serde_json::{Value, json};

use crate::event::Event;
use crate::flow::{Flow, FlowOutput, RunContext};

/// Okta's "the role is already assigned" error code.
const ROLE_ALREADY_ASSIGNED: &str = "E0000090";

/// The flow's name in Flow History.
pub const HELP_DESK_FLOW: &str = "Add User to Admin Role";

/// The "Add User to Admin Role" template on an Okta org.
#[derive(Clone)]
pub struct HelpDeskFlow {
    okta: Okta,
    template: HelpDeskTemplate,
}

impl std::fmt::Debug for HelpDeskFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelpDeskFlow")
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl HelpDeskFlow {
    /// The template with its defaults (`role` = `Support` earns `HELP_DESK_ADMIN`).
    pub fn new(okta: Okta) -> HelpDeskFlow {
        HelpDeskFlow::with_template(okta, HelpDeskTemplate::default())
    }

    /// The template with other parameters.
    pub fn with_template(okta: Okta, template: HelpDeskTemplate) -> HelpDeskFlow {
        HelpDeskFlow { okta, template }
    }
}

#[async_trait]
impl Flow for HelpDeskFlow {
    fn name(&self) -> &str {
        HELP_DESK_FLOW
    }

    fn triggered_by(&self, event_type: &str) -> bool {
        event_type == "user.lifecycle.create"
    }

    async fn run(&self, event: &Event, cx: &mut RunContext) -> Result<FlowOutput> {
        let Some(user_id) = event.user_id.as_deref() else {
            let reason = "the event has no User target".to_owned();
            return Ok(FlowOutput::new(
                "skipped",
                json!({"outcome": "skipped", "reason": reason}),
            ));
        };
        let okta = &self.okta;
        let user = cx
            .card(
                "okta",
                "read-user",
                "Okta · Read User",
                json!({"id": user_id}),
                okta.read_user(user_id),
            )
            .await?;
        let t = &self.template;
        let found = user.profile.attribute(&t.attribute);
        if found.as_ref().and_then(Value::as_str) != Some(t.value.as_str()) {
            let reason = match found {
                None | Some(Value::Null) => format!("profile.{} is not set", t.attribute),
                Some(other) => format!("profile.{} is {other}, not {:?}", t.attribute, t.value),
            };
            return Ok(FlowOutput::new(
                "skipped",
                json!({"outcome": "skipped", "reason": reason}),
            ));
        }
        let input = json!({
            "userId": user.id, "attribute": t.attribute, "value": t.value, "roleType": t.role_type,
        });
        let assign = async {
            let request = CustomApiInput {
                method: Some("POST".to_owned()),
                relative_url: Some(format!("/api/v1/users/{}/roles", path_segment(&user.id))),
                body: Some(json!({ "type": t.role_type })),
                ..CustomApiInput::default()
            };
            match custom_api_call(okta.connection(), &request, None).await {
                Ok(answer)
                    if answer.body.get("errorCode").and_then(Value::as_str)
                        == Some(ROLE_ALREADY_ASSIGNED) =>
                {
                    Ok(json!({"outcome": "alreadyAssigned"}))
                }
                Ok(answer) => match answer.body.get("id").and_then(Value::as_str) {
                    Some(id) => Ok(json!({"outcome": "assigned", "assignmentId": id})),
                    None => Err(Error::invalid_response(
                        "okta assigned the role but its answer has no assignment id",
                    )
                    .with_status(answer.status_code)),
                },
                Err(error) if error.code() == Some(ROLE_ALREADY_ASSIGNED) => {
                    Ok(json!({"outcome": "alreadyAssigned"}))
                }
                Err(error) => Err(error),
            }
        };
        let output = cx
            .card(
                "okta",
                "custom-api-action",
                "Okta · Add User to Admin Role (template)",
                input,
                assign,
            )
            .await?;
        let outcome = output["outcome"].as_str().unwrap_or("assigned").to_owned();
        Ok(FlowOutput::new(outcome, output))
    }
}
