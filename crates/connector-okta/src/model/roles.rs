//! Admin roles: role assignments, and the inputs and outputs of the role actions.

use connector_core::{Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The role type the help-desk template assigns, and the default of `add-user-to-admin-role`.
pub const HELP_DESK_ADMIN: &str = "HELP_DESK_ADMIN";

/// One admin role assigned to a user, as Okta answers it. Fields not named here (`role`
/// and `resource-set` of custom roles, ...) are kept and written back out unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RoleAssignment {
    /// The assignment's id (what unassigning needs; not the role type).
    pub id: String,
    /// The role type: `HELP_DESK_ADMIN`, `ORG_ADMIN`, `READ_ONLY_ADMIN`, ..., or `CUSTOM`.
    #[serde(rename = "type")]
    pub role_type: String,
    /// The role's display name (`Help Desk Administrator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the role was assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the assignment last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// `USER` for a direct assignment, `GROUP` for one through a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_type: Option<String>,
    /// Links (`assignee`, ...).
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
    /// Every other field of the answer.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn help_desk_admin() -> String {
    HELP_DESK_ADMIN.to_owned()
}

/// The input of `add-user-to-admin-role`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AddUserToAdminRoleInput {
    /// The user's id (`00u...`).
    pub user_id: String,
    /// The standard role type to assign (default `HELP_DESK_ADMIN`): `ORG_ADMIN`,
    /// `APP_ADMIN`, `USER_ADMIN`, `GROUP_MEMBERSHIP_ADMIN`, `READ_ONLY_ADMIN`,
    /// `REPORT_ADMIN`, `API_ACCESS_MANAGEMENT_ADMIN`, `WORKFLOWS_ADMIN`, ...
    #[serde(default = "help_desk_admin")]
    pub role_type: String,
}

impl AddUserToAdminRoleInput {
    /// Assign `role_type` to the user.
    pub fn new(
        user_id: impl Into<String>,
        role_type: impl Into<String>,
    ) -> AddUserToAdminRoleInput {
        AddUserToAdminRoleInput {
            user_id: user_id.into(),
            role_type: role_type.into(),
        }
    }
}

/// The output of `add-user-to-admin-role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AddUserToAdminRoleOutput {
    /// The user's id.
    pub user_id: String,
    /// The role type.
    pub role_type: String,
    /// The role assignment's id (what unassigning needs); null only when the role was
    /// already assigned and the assignment could not be found again (Okta's lists are
    /// eventually consistent).
    pub assignment_id: Option<String>,
    /// The assignment's status (`ACTIVE`), when known.
    pub status: Option<String>,
    /// True when the user already had the role (Okta answered `E0000090`): nothing changed.
    pub already_assigned: bool,
}

/// The input of `list-user-roles`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ListUserRolesInput {
    /// The user's id (`00u...`).
    pub user_id: String,
}

impl ListUserRolesInput {
    /// The roles of this user.
    pub fn new(user_id: impl Into<String>) -> ListUserRolesInput {
        ListUserRolesInput {
            user_id: user_id.into(),
        }
    }
}

/// The output of `list-user-roles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListUserRolesOutput {
    /// The user's role assignments.
    pub roles: Vec<RoleAssignment>,
}

/// The input of `remove-user-from-admin-role`: `roleType` or `assignmentId`, not both.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(example = serde_json::json!({"userId": "00u1example", "roleType": "HELP_DESK_ADMIN"}))]
#[non_exhaustive]
pub struct RemoveUserFromAdminRoleInput {
    /// The user's id (`00u...`).
    pub user_id: String,
    /// The role type to remove (`HELP_DESK_ADMIN`); its assignment is looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_type: Option<String>,
    /// The role assignment's id, as `add-user-to-admin-role` or `list-user-roles` give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
}

impl RemoveUserFromAdminRoleInput {
    /// Remove the user's assignment of this role type.
    pub fn by_role_type(
        user_id: impl Into<String>,
        role_type: impl Into<String>,
    ) -> RemoveUserFromAdminRoleInput {
        RemoveUserFromAdminRoleInput {
            user_id: user_id.into(),
            role_type: Some(role_type.into()),
            assignment_id: None,
        }
    }

    /// Remove the user's assignment with this id.
    pub fn by_assignment_id(
        user_id: impl Into<String>,
        assignment_id: impl Into<String>,
    ) -> RemoveUserFromAdminRoleInput {
        RemoveUserFromAdminRoleInput {
            user_id: user_id.into(),
            role_type: None,
            assignment_id: Some(assignment_id.into()),
        }
    }

    /// Which role the input names; `invalid_input` unless exactly one of `roleType` and
    /// `assignmentId` is given.
    pub fn role(&self) -> Result<RoleToRemove> {
        match (&self.role_type, &self.assignment_id) {
            (Some(role_type), None) => Ok(RoleToRemove::Type(role_type.clone())),
            (None, Some(id)) => Ok(RoleToRemove::AssignmentId(id.clone())),
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "give roleType or assignmentId, not both",
            )),
            (None, None) => Err(Error::invalid_input(
                "give roleType (such as HELP_DESK_ADMIN) or assignmentId",
            )),
        }
    }
}

/// Which role assignment to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleToRemove {
    /// Every assignment of this role type (one, for the standard roles).
    Type(String),
    /// The assignment with this id.
    AssignmentId(String),
}

/// The output of `remove-user-from-admin-role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoveUserFromAdminRoleOutput {
    /// The user's id.
    pub user_id: String,
    /// True when an assignment was removed; false when the user did not hold the role type.
    pub removed: bool,
}
