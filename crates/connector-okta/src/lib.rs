//! The Okta management API connector of **connectors**: users and admin roles, groups, the
//! generic Custom API Action, and Okta's own configuration files ([`okta_yaml`]).
//!
//! The "Add User to Admin Role" template is a flow, not Rust: the command line ships it as
//! `crates/connector-cli/flows/add-user-to-admin-role.yaml` and the runtime's engine runs
//! it on this connector's cards.
//!
//! - [`Okta`]: a client of one org, with an API token (`SSWS`) or an OAuth 2.0 service app
//!   (`private_key_jwt`, RS256 or ES256), on core's pipeline: Okta's per-endpoint rate-limit
//!   buckets paced from the `X-Rate-Limit-*` headers, a cap of 75 requests in flight,
//!   retries on 429/503/504 as Okta asks, errors with Okta's code and request id.
//! - Typed methods ([`Okta::create_user`], [`Okta::read_user`], [`Okta::search_users`],
//!   [`Okta::add_user_to_admin_role`], [`Okta::list_user_roles`],
//!   [`Okta::remove_user_from_admin_role`], [`Okta::custom_api_call`]) and the same
//!   operations as actions for the CLI and workflow engines ([`connector()`]).
//!
//! # Example
//!
//! ```no_run
//! use connector_okta::{CreateUserInput, HELP_DESK_ADMIN, Okta, UserProfile};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let okta = Okta::builder("https://acme.okta.com").api_token("00abc...").build()?;
//! let user = okta
//!     .create_user(CreateUserInput::new(
//!         UserProfile::new("jane@acme.com").with_name("Jane", "Doe").with_attribute("role", "Support"),
//!     ))
//!     .await?;
//! let assigned = okta
//!     .add_user_to_admin_role(&user.id, HELP_DESK_ADMIN)
//!     .await?;
//! println!("{} is {}", assigned.user_id, assigned.role_type);
//! # Ok(())
//! # }
//! ```
//!
//! The same through the action registry, JSON in and JSON out:
//!
//! ```no_run
//! use connector_core::action::ConnectorDocs;
//! use connector_core::{ErrorKind, Connector, Env};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let session = connector_okta::connector().connect(&Env::from_process())?;
//! let roles = session.run("list-user-roles", serde_json::json!({"userId": "00u1abc"})).await?;
//! # Ok(())
//! # }
//! ```

mod actions;
mod api;
mod client;
pub mod generated;
mod jwt;
mod limiter;
mod model;
pub mod okta_yaml;
mod profile;

pub use actions::connector;
pub use api::{DEFAULT_MAX_ITEMS, MAX_ITEMS, MAX_PAGE_SIZE, Pages, parse_link_header};
pub use client::{DEFAULT_CONCURRENCY, DEFAULT_SCOPES, Okta, OktaBuilder};
pub use jwt::PrivateKeyJwt;
pub use model::{
    AddUserToAdminRoleInput, AddUserToAdminRoleOutput, CreateUserInput, DeleteUserInput,
    DeleteUserOutput, HELP_DESK_ADMIN, ListUserRolesInput, ListUserRolesOutput, ReadUserInput,
    RemoveUserFromAdminRoleInput, RemoveUserFromAdminRoleOutput, RoleAssignment, RoleToRemove,
    SearchUsersInput, SearchUsersOutput, User, UserProfile,
};
pub use profile::{OktaProfile, ROLE_ALREADY_ASSIGNED};
