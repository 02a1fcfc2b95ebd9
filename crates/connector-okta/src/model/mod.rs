//! What the service's answers and the actions' inputs and outputs are, one file per API
//! area. Plain data: serde and JSON Schema derives, constructors, no calls.

mod lifecycle;
mod roles;
mod users;

pub use lifecycle::{DeleteUserInput, DeleteUserOutput};

pub use roles::{
    AddUserToAdminRoleInput, AddUserToAdminRoleOutput, HELP_DESK_ADMIN, ListUserRolesInput,
    ListUserRolesOutput, RemoveUserFromAdminRoleInput, RemoveUserFromAdminRoleOutput,
    RoleAssignment, RoleToRemove,
};
pub use users::{
    CreateUserInput, ReadUserInput, SearchUsersInput, SearchUsersOutput, User, UserProfile,
};
