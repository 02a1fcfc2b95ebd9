//! The Okta management API connector of **connectors**: users and admin roles, the generic
//! Custom API Action, and the "Add User to Admin Role" template ([`help_desk`]).
//!
//! - [`Okta`]: a client of one org, with an API token (`SSWS`) or an OAuth 2.0 service app
//!   (`private_key_jwt`, RS256 or ES256), on core's pipeline: Okta's per-endpoint rate-limit
//!   buckets paced from the `X-Rate-Limit-*` headers, a cap of 75 requests in flight,
//!   retries on 429/503/504 as Okta asks, errors with Okta's code and request id.
//! - Typed methods ([`Okta::create_user`], [`Okta::read_user`], [`Okta::search_users`],
//!   [`Okta::add_user_to_admin_role`], [`Okta::list_user_roles`],
//!   [`Okta::remove_user_from_admin_role`], [`Okta::custom_api_call`]) and the same
//!   operations as actions for the CLI and workflow engines ([`connector`]).
//!
//! # Example
//!
//! ```no_run
//! use connector_okta::{CreateUserInput, Okta, UserProfile, help_desk};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let okta = Okta::builder("https://acme.okta.com").api_token("00abc...").build()?;
//! let user = okta
//!     .create_user(CreateUserInput::new(
//!         UserProfile::new("jane@acme.com").with_name("Jane", "Doe").with_attribute("role", "Support"),
//!     ))
//!     .await?;
//! // What the template does when Okta reports the new user:
//! let outcome = help_desk::on_user_created(&okta, &user.id).await?;
//! println!("{outcome:?}"); // Assigned { assignment_id: "ra1..." }
//! # Ok(())
//! # }
//! ```
//!
//! The same through the action registry, JSON in and JSON out:
//!
//! ```no_run
//! use connector_core::{Connector, Env};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let session = connector_okta::connector().connect(&Env::from_process())?;
//! let roles = session.run("list-user-roles", serde_json::json!({"userId": "00u1abc"})).await?;
//! # Ok(())
//! # }
//! ```

pub mod actions;
mod client;
pub mod help_desk;
mod jwt;
mod limiter;
mod pages;
mod profile;
mod roles;
mod users;

use connector_core::{
    ConnectorDef, CustomApiAction, CustomApiInput, CustomApiOutput, Result, Setting,
    custom_api_call,
};

pub use actions::{
    AddUserToAdminRoleInput, AddUserToAdminRoleOutput, CreateUserInput, ListUserRolesInput,
    ListUserRolesOutput, ReadUserInput, RemoveUserFromAdminRoleInput,
    RemoveUserFromAdminRoleOutput, RoleToRemove, SearchUsersInput, SearchUsersOutput,
};
pub use client::{DEFAULT_CONCURRENCY, DEFAULT_SCOPES, Okta, OktaBuilder};
pub use jwt::PrivateKeyJwt;
pub use pages::Pages;
pub use profile::{OktaProfile, ROLE_ALREADY_ASSIGNED};
pub use roles::{HELP_DESK_ADMIN, RoleAssignment};
pub use users::{MAX_PAGE_SIZE, User, UserProfile};

/// What the Custom API Action says about itself on an Okta connection.
const CUSTOM_API_DESCRIPTION: &str = "Sends any Okta management API request (method, relativeUrl such as \
    /api/v1/users/00u1/roles, query, headers, body) with the connection's credentials, through the same \
    retries and rate limits. The URL must stay on the org; Authorization and Host cannot be set.";

impl Okta {
    /// Sends any request to the org through the connection's credentials, retries and rate
    /// limits: the Custom API Action. `relativeUrl` must stay on the org (absolute URLs,
    /// `//host`, encoded slashes and dot segments are refused before sending) and
    /// `Authorization`/`Host` cannot be set. A non-2xx answer after retries is an error
    /// that keeps status, headers and body.
    ///
    /// ```no_run
    /// use connector_core::CustomApiInput;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let input: CustomApiInput = serde_json::from_value(serde_json::json!({
    ///     "method": "POST",
    ///     "relativeUrl": "/api/v1/users/00u1abc/roles",
    ///     "body": {"type": "HELP_DESK_ADMIN"}
    /// }))
    /// .expect("a valid input");
    /// let output = okta.custom_api_call(&input).await?;
    /// assert_eq!(output.status_code, 201);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn custom_api_call(&self, input: &CustomApiInput) -> Result<CustomApiOutput> {
        custom_api_call(self.connection(), input, None).await
    }
}

/// The Okta connector: its settings, its actions and a constructor from the environment
/// ([`Okta::from_env`]), for registries such as the `connector` command line.
///
/// Actions: `create-user`, `read-user`, `search-users`, `add-user-to-admin-role`,
/// `list-user-roles`, `remove-user-from-admin-role`, `custom-api-action`.
///
/// ```
/// use connector_core::Connector;
///
/// let okta = connector_okta::connector();
/// assert_eq!(okta.id(), "okta");
/// assert!(okta.actions().iter().any(|a| a.id == "add-user-to-admin-role"));
/// ```
pub fn connector() -> ConnectorDef<Okta> {
    ConnectorDef::new(
        "okta",
        "Okta",
        "Okta management API: create, read and search users; assign, list and remove admin roles; \
         any other call through the Custom API Action.",
        Okta::from_env,
    )
    .setting(Setting {
        name: "OKTA_ORG_URL",
        aliases: &["OKTA_CLIENT_ORGURL"],
        secret: false,
        description: "The org's URL, such as https://acme.okta.com (https required except for loopback hosts).",
    })
    .setting(Setting {
        name: "OKTA_API_TOKEN",
        aliases: &["OKTA_CLIENT_TOKEN"],
        secret: true,
        description: "An API token, sent as SSWS. Either this or OKTA_CLIENT_ID + OKTA_PRIVATE_KEY.",
    })
    .setting(Setting {
        name: "OKTA_CLIENT_ID",
        aliases: &[],
        secret: false,
        description: "The client id of an OAuth 2.0 service app using private_key_jwt (with OKTA_PRIVATE_KEY).",
    })
    .setting(Setting {
        name: "OKTA_PRIVATE_KEY",
        aliases: &[],
        secret: true,
        description: "The service app's private key: PEM text (RSA, or P-256 EC in PKCS#8) or @path to a PEM file.",
    })
    .setting(Setting {
        name: "OKTA_SCOPES",
        aliases: &[],
        secret: false,
        description: "The OAuth scopes to ask for, space-separated (default: okta.users.manage okta.users.read \
                      okta.roles.manage okta.roles.read).",
    })
    .setting(Setting {
        name: "OKTA_KEY_ID",
        aliases: &[],
        secret: false,
        description: "Optional: the kid of the private key, when the service app has several keys.",
    })
    .action(actions::CreateUser)
    .action(actions::ReadUser)
    .action(actions::SearchUsers)
    .action(actions::AddUserToAdminRole)
    .action(actions::ListUserRoles)
    .action(actions::RemoveUserFromAdminRole)
    .action(CustomApiAction::new(CUSTOM_API_DESCRIPTION, None))
}
