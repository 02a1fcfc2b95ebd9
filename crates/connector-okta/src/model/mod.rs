//! What the service's answers and the actions' inputs and outputs are, one file per API
//! area. Plain data: serde and JSON Schema derives, constructors, no calls.

mod roles;
mod users;

pub use roles::{
    AddUserToAdminRoleInput, AddUserToAdminRoleOutput, HELP_DESK_ADMIN, ListUserRolesInput,
    ListUserRolesOutput, RemoveUserFromAdminRoleInput, RemoveUserFromAdminRoleOutput,
    RoleAssignment, RoleToRemove,
};
pub use users::{
    CreateUserInput, ReadUserInput, SearchUsersInput, SearchUsersOutput, User, UserProfile,
};
