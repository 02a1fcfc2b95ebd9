//! The connector's actions (cards): their inputs, outputs and [`Action`] implementations.
//!
//! Each action calls the typed method of the same name on [`Okta`], so Rust code and the
//! JSON form (CLI, workflow engines) take exactly the same path.

use async_trait::async_trait;
use connector_core::secrecy::SecretString;
use connector_core::{Action, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::client::Okta;
use crate::roles::{HELP_DESK_ADMIN, RoleAssignment};
use crate::users::{User, UserProfile};

fn yes() -> bool {
    true
}

fn help_desk_admin() -> String {
    HELP_DESK_ADMIN.to_owned()
}

/// The input of `create-user`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateUserInput {
    /// The profile: `login` (required), `email`, `firstName`, `lastName`, and any other
    /// attribute of the org's profile schema, such as a custom `role`.
    pub profile: UserProfile,
    /// Activate the user at once (default true); false leaves the user `STAGED`.
    #[serde(default = "yes")]
    pub activate: bool,
    /// An initial password (optional; it must meet the org's password policy).
    #[serde(default)]
    #[schemars(with = "Option<String>", extend("writeOnly" = true))]
    pub password: Option<SecretString>,
}

impl CreateUserInput {
    /// A user with this profile, to be activated, with no password.
    pub fn new(profile: UserProfile) -> CreateUserInput {
        CreateUserInput {
            profile,
            activate: true,
            password: None,
        }
    }

    /// Activates the user at once, or not (`STAGED`).
    pub fn with_activate(mut self, activate: bool) -> CreateUserInput {
        self.activate = activate;
        self
    }

    /// Sets an initial password.
    pub fn with_password(mut self, password: impl Into<String>) -> CreateUserInput {
        self.password = Some(SecretString::from(password.into()));
        self
    }
}

/// The input of `read-user`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ReadUserInput {
    /// The user's id (`00u...`) or login (`jane@acme.com`).
    pub id: String,
}

impl ReadUserInput {
    /// The user with this id or login.
    pub fn new(id: impl Into<String>) -> ReadUserInput {
        ReadUserInput { id: id.into() }
    }
}

/// The input of `search-users`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SearchUsersInput {
    /// An Okta search expression, such as `profile.role eq "Support"` (operators `eq`,
    /// `sw`, `co`, `gt`, `ge`, `lt`, `le`, with `and`/`or`; property names are
    /// case-sensitive). Without one, every user is listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// The page size, 1 to 200 (Okta's default when omitted, or `max` when smaller).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// Stop after this many users (default: every page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max: Option<u64>,
}

impl SearchUsersInput {
    /// Every user of the org.
    pub fn all() -> SearchUsersInput {
        SearchUsersInput::default()
    }

    /// The users matching an Okta search expression (`profile.role eq "Support"`).
    pub fn matching(search: impl Into<String>) -> SearchUsersInput {
        SearchUsersInput {
            search: Some(search.into()),
            ..SearchUsersInput::default()
        }
    }

    /// Sets the page size (1 to 200).
    pub fn with_limit(mut self, limit: u32) -> SearchUsersInput {
        self.limit = Some(limit);
        self
    }

    /// Stops after this many users.
    pub fn with_max(mut self, max: u64) -> SearchUsersInput {
        self.max = Some(max);
        self
    }
}

/// The output of `search-users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchUsersOutput {
    /// The users found, across every page (at most `max`).
    pub users: Vec<User>,
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

/// `create-user`: creates (and by default activates) a user.
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateUser;

#[async_trait]
impl Action<Okta> for CreateUser {
    type Input = CreateUserInput;
    type Output = User;

    fn id(&self) -> &'static str {
        "create-user"
    }

    fn name(&self) -> &'static str {
        "Create User"
    }

    fn description(&self) -> &'static str {
        "Creates a user with a profile (login, email, names and any custom attribute such as role), \
         activated unless activate is false, with an optional initial password. Returns the Okta user."
    }

    async fn run(&self, okta: &Okta, input: CreateUserInput) -> Result<User> {
        okta.create_user(input).await
    }
}

/// `read-user`: reads a user by id or login.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadUser;

#[async_trait]
impl Action<Okta> for ReadUser {
    type Input = ReadUserInput;
    type Output = User;

    fn id(&self) -> &'static str {
        "read-user"
    }

    fn name(&self) -> &'static str {
        "Read User"
    }

    fn description(&self) -> &'static str {
        "Reads a user by id or login. Returns the Okta user with its profile, custom attributes included."
    }

    async fn run(&self, okta: &Okta, input: ReadUserInput) -> Result<User> {
        okta.read_user(&input.id).await
    }
}

/// `search-users`: searches users with an Okta expression, across pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchUsers;

#[async_trait]
impl Action<Okta> for SearchUsers {
    type Input = SearchUsersInput;
    type Output = SearchUsersOutput;

    fn id(&self) -> &'static str {
        "search-users"
    }

    fn name(&self) -> &'static str {
        "Search Users"
    }

    fn description(&self) -> &'static str {
        "Searches users with an Okta search expression (profile.role eq \"Support\"), following the \
         next links of every page until the list ends or max users are found."
    }

    async fn run(&self, okta: &Okta, input: SearchUsersInput) -> Result<SearchUsersOutput> {
        Ok(SearchUsersOutput {
            users: okta.search_users(&input).await?,
        })
    }
}

/// `add-user-to-admin-role`: assigns a standard admin role, idempotently.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddUserToAdminRole;

#[async_trait]
impl Action<Okta> for AddUserToAdminRole {
    type Input = AddUserToAdminRoleInput;
    type Output = AddUserToAdminRoleOutput;

    fn id(&self) -> &'static str {
        "add-user-to-admin-role"
    }

    fn name(&self) -> &'static str {
        "Add User to Admin Role"
    }

    fn description(&self) -> &'static str {
        "Assigns a standard admin role (default HELP_DESK_ADMIN) to a user. A role the user already \
         has is not an error: the output says alreadyAssigned and gives the existing assignment's id."
    }

    async fn run(
        &self,
        okta: &Okta,
        input: AddUserToAdminRoleInput,
    ) -> Result<AddUserToAdminRoleOutput> {
        okta.add_user_to_admin_role(&input.user_id, &input.role_type)
            .await
    }
}

/// `list-user-roles`: lists a user's admin role assignments.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListUserRoles;

#[async_trait]
impl Action<Okta> for ListUserRoles {
    type Input = ListUserRolesInput;
    type Output = ListUserRolesOutput;

    fn id(&self) -> &'static str {
        "list-user-roles"
    }

    fn name(&self) -> &'static str {
        "List User Roles"
    }

    fn description(&self) -> &'static str {
        "Lists the admin roles assigned to a user, with each assignment's id, type and status."
    }

    async fn run(&self, okta: &Okta, input: ListUserRolesInput) -> Result<ListUserRolesOutput> {
        Ok(ListUserRolesOutput {
            roles: okta.list_user_roles(&input.user_id).await?,
        })
    }
}

/// `remove-user-from-admin-role`: unassigns an admin role by type or assignment id.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveUserFromAdminRole;

#[async_trait]
impl Action<Okta> for RemoveUserFromAdminRole {
    type Input = RemoveUserFromAdminRoleInput;
    type Output = RemoveUserFromAdminRoleOutput;

    fn id(&self) -> &'static str {
        "remove-user-from-admin-role"
    }

    fn name(&self) -> &'static str {
        "Remove User from Admin Role"
    }

    fn description(&self) -> &'static str {
        "Unassigns an admin role from a user, by role type (the assignment is looked up) or by \
         assignment id. A role type the user does not hold gives removed: false."
    }

    async fn run(
        &self,
        okta: &Okta,
        input: RemoveUserFromAdminRoleInput,
    ) -> Result<RemoveUserFromAdminRoleOutput> {
        let role = input.role()?;
        okta.remove_user_from_admin_role(&input.user_id, role).await
    }
}
