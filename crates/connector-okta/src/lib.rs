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
//! use connector_core::{ConnectorDocs, ErrorKind, Connector, Env};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let session = connector_okta::connector().connect(&Env::from_process())?;
//! let roles = session.run("list-user-roles", serde_json::json!({"userId": "00u1abc"})).await?;
//! # Ok(())
//! # }
//! ```

pub mod actions;
mod client;
pub mod generated;
pub mod help_desk;
mod jwt;
mod limiter;
mod pages;
mod profile;
mod roles;
mod users;

use connector_core::{
    ConnectorDef, ConnectorDocs, CustomApiAction, CustomApiInput, CustomApiOutput, ErrorKind,
    Result, Setting, custom_api_call,
};

pub use actions::{
    AddUserToAdminRoleInput, AddUserToAdminRoleOutput, CreateUserInput, ListUserRolesInput,
    ListUserRolesOutput, ReadUserInput, RemoveUserFromAdminRoleInput,
    RemoveUserFromAdminRoleOutput, RoleToRemove, SearchUsersInput, SearchUsersOutput,
};
pub use client::{DEFAULT_CONCURRENCY, DEFAULT_SCOPES, Okta, OktaBuilder};
pub use jwt::PrivateKeyJwt;
pub use pages::{Pages, parse_link_header};
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
/// `list-user-roles`, `remove-user-from-admin-role`, the group actions generated from Okta's
/// OpenAPI document ([`generated`]), `custom-api-action`.
///
/// ```
/// use connector_core::Connector;
///
/// let okta = connector_okta::connector();
/// assert_eq!(okta.id(), "okta");
/// assert!(okta.actions().iter().any(|a| a.id == "add-user-to-admin-role"));
/// ```
pub fn connector() -> ConnectorDef<Okta> {
    let okta = ConnectorDef::new(
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
    .with_docs(docs())
    .action(actions::CreateUser)
    .action(actions::ReadUser)
    .action(actions::SearchUsers)
    .action(actions::AddUserToAdminRole)
    .action(actions::ListUserRoles)
    .action(actions::RemoveUserFromAdminRole);
    generated::register(okta).action(CustomApiAction::new(CUSTOM_API_DESCRIPTION, None))
}

/// The prose of the connector's generated reference page.
fn docs() -> ConnectorDocs {
    ConnectorDocs::new(
        "Automates identity chores in an Okta org: create users with custom profile attributes, \
         read and search them, and manage their standard admin roles. The help-desk template \
         (`connector_okta::help_desk`, and `connector serve` for Okta event hooks) gives \
         `HELP_DESK_ADMIN` to every user created with `role = Support`, through the Custom API \
         Action as the product's template does.",
        "Either an API token (`Authorization: SSWS <token>`; the token acts with its admin's \
         permissions), or OAuth 2.0 for a service app with `private_key_jwt`: the connector signs \
         a fresh client assertion (RS256 or ES256) for each token request to \
         `<org>/oauth2/v1/token`, caches the access token and refreshes it a minute before it \
         expires, one refresh shared by concurrent calls, and once more after a 401. The actions \
         need the scopes `okta.users.manage`, `okta.users.read`, `okta.roles.manage` and \
         `okta.roles.read`, granted to the app, and the app needs an admin role that allows them.",
    )
    .limitation(
        "Rate limits: every answer's `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (measured \
         against the answer's `Date`, not the local clock) feed a limiter with one key per \
         endpoint bucket (method and path family, per org: `GET|POST /api/v1/users`, \
         `GET /api/v1/users/{id}`, `/api/v1/users/{id}/roles`, ...), which spreads what is left \
         of a bucket evenly up to its reset so that 429s are rare. Until a bucket's first answer \
         tells its limit, calls to it go one at a time.",
    )
    .limitation(
        "Concurrency: at most 75 requests in flight per org by default (Okta's limit; 35 on free \
         orgs: lower it with `OktaBuilder::concurrency`).",
    )
    .limitation(
        "A 429 waits until `X-Rate-Limit-Reset` (plus one second, as Okta advises) when that \
         ends within the retry window; retries carry `X-Okta-Retry-For` (the first attempt's \
         `X-Okta-Request-Id`) and `X-Okta-Retry-Count`, as Okta's SDKs send.",
    )
    .limitation(
        "Pagination follows each `Link: rel=\"next\"` URL exactly as given and refuses one that \
         points to another origin; `search-users` stops at `max`. Search results are eventually \
         consistent: a user just created may not be found at once.",
    )
    .limitation(
        "`create-user` is not idempotent: if its answer is lost, a retry would create nothing but \
         fail with `E0000001` (login already exists), so a lost POST is reported, not replayed. \
         `add-user-to-admin-role` is idempotent: `E0000090` (already assigned) is a success with \
         `alreadyAssigned: true`.",
    )
    .error("E0000001 (400)", ErrorKind::InvalidInput, "the input was refused; the causes (such as `login: An object with this field already exists`) are in the message")
    .error("E0000004 / E0000011 (401)", ErrorKind::Authentication, "the token is invalid, expired or revoked")
    .error("E0000006 (403)", ErrorKind::PermissionDenied, "the token's admin or the app's scopes do not allow the call")
    .error("E0000007 (404)", ErrorKind::NotFound, "no user or role assignment has that id or login")
    .error("E0000090 (409)", ErrorKind::Conflict, "the role is already assigned (a success for `add-user-to-admin-role`)")
    .error("E0000047 (429)", ErrorKind::RateLimited, "the bucket stayed spent through the retries, or its reset is more than a minute away")
    .error("5xx", ErrorKind::Upstream, "Okta failed; 503 and 504 are retried first (`unavailable`)")
}
