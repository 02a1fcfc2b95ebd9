//! The connector's one table: its settings, its actions (each an [`ActionDef`] over the
//! typed method of the same name, so Rust code and the JSON form take the same path) and
//! the prose of its reference page. The group actions are generated from Okta's OpenAPI
//! document; their definitions come from [`generated::actions`] and are listed here.

use connector_core::action::{ConnectorDocs, Setting};
use connector_core::{ActionDef, ConnectorDef, CustomApiAction, ErrorKind};

use crate::client::Okta;
use crate::generated;
use crate::model::{
    AddUserToAdminRoleInput, CreateUserInput, DeleteUserInput, ListUserRolesInput,
    ListUserRolesOutput, ReadUserInput, RemoveUserFromAdminRoleInput, SearchUsersInput,
    SearchUsersOutput,
};

/// What `OKTA_SCOPES` says about itself; its default is [`DEFAULT_SCOPES`](crate::DEFAULT_SCOPES) (a test keeps
/// the two in step).
const SCOPES_DESCRIPTION: &str = "The OAuth scopes to ask for, space- or comma-separated (default: \
    okta.users.manage okta.users.read okta.roles.manage okta.roles.read okta.groups.manage \
    okta.groups.read).";

/// What the Custom API Action says about itself on an Okta connection.
const CUSTOM_API_DESCRIPTION: &str = "Sends any Okta management API request (method, relativeUrl such as \
    /api/v1/users/00u1/roles, query, headers, body) with the connection's credentials, through the same \
    retries and rate limits. The URL must stay on the org; Authorization and Host cannot be set.";

/// The Okta connector: its settings, its actions and a constructor from the environment
/// ([`Okta::from_env`]), for registries such as the `connector` command line.
///
/// Actions: `create-user`, `read-user`, `search-users`, `add-user-to-admin-role`,
/// `list-user-roles`, `remove-user-from-admin-role`, the group actions generated from Okta's
/// OpenAPI document (`list-groups`, `create-group`, `read-group`, `add-user-to-group`,
/// `remove-user-from-group`, `list-group-members`), the cards of Okta's own templates
/// generated from it too (`list-users`, `update-user`, the lifecycle, `clear-user-sessions`,
/// `list-user-groups`, `update-group`, `delete-group`, the application cards,
/// `search-system-log`), the hand-written `delete-user` (several calls), `custom-api-action`.
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
        "Okta management API: users (create, read, search, list, update, the whole lifecycle from \
         activation to deletion, sessions, groups); admin roles; groups and their members; \
         applications and their user and group assignments; the System Log; any other call \
         through the Custom API Action.",
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
        description: SCOPES_DESCRIPTION,
    })
    .setting(Setting {
        name: "OKTA_KEY_ID",
        aliases: &[],
        secret: false,
        description: "Optional: the kid of the private key, when the service app has several keys.",
    })
    .with_docs(docs())
    .action(ActionDef::new(
        "create-user",
        "Create User",
        "Creates a user with a profile (login, email, names and any custom attribute such as role), \
         activated unless activate is false, with an optional initial password (the Okta Workflows \
         card Create User). Returns the Okta user. \
         When the answer is lost (dropped connection, timeout), the user is read back by login: it is \
         returned when its profile holds what was sent, and a different profile under the login is a \
         conflict.",
        |okta: Okta, input: CreateUserInput| async move { okta.create_user(input).await },
    ))
    .action(ActionDef::new(
        "read-user",
        "Read User",
        "Reads a user by id or login. Returns the Okta user with its profile, custom attributes \
         included. Replaces the Okta Workflows card Read User.",
        |okta: Okta, input: ReadUserInput| async move { okta.read_user(&input.id).await },
    ))
    .action(ActionDef::new(
        "search-users",
        "Search Users",
        "Searches users with an Okta search expression (profile.role eq \"Support\"), following the \
         next links of every page until the list ends or max users are found (the Okta Workflows \
         card Search Users).",
        |okta: Okta, input: SearchUsersInput| async move {
            let users = okta.search_users(&input).await?;
            Ok(SearchUsersOutput { users })
        },
    ))
    .action(ActionDef::new(
        "add-user-to-admin-role",
        "Add User to Admin Role",
        "Assigns a standard admin role (default HELP_DESK_ADMIN) to a user. A role the user already \
         has is not an error: the output says alreadyAssigned and gives the existing assignment's id.",
        |okta: Okta, input: AddUserToAdminRoleInput| async move {
            okta.add_user_to_admin_role(&input.user_id, &input.role_type).await
        },
    ))
    .action(ActionDef::new(
        "list-user-roles",
        "List User Roles",
        "Lists the admin roles assigned to a user, with each assignment's id, type and status.",
        |okta: Okta, input: ListUserRolesInput| async move {
            let roles = okta.list_user_roles(&input.user_id).await?;
            Ok(ListUserRolesOutput { roles })
        },
    ))
    .action(ActionDef::new(
        "remove-user-from-admin-role",
        "Remove User from Admin Role",
        "Unassigns an admin role from a user, by role type (the assignment is looked up) or by \
         assignment id. A role type the user does not hold gives removed: false.",
        |okta: Okta, input: RemoveUserFromAdminRoleInput| async move {
            let role = input.role()?;
            okta.remove_user_from_admin_role(&input.user_id, role).await
        },
    ))
    .action(generated::actions::list_groups())
    .action(generated::actions::create_group())
    .action(generated::actions::read_group())
    .action(generated::actions::add_user_to_group())
    .action(generated::actions::remove_user_from_group())
    .action(generated::actions::list_group_members())
    .action(generated::actions::list_users())
    .action(generated::actions::update_user())
    .action(generated::actions::activate_user())
    .action(generated::actions::deactivate_user())
    .action(generated::actions::suspend_user())
    .action(generated::actions::unsuspend_user())
    .action(generated::actions::reactivate_user())
    .action(ActionDef::new(
        "delete-user",
        "Delete User",
        "Deletes a user (id or login) as the Okta Workflows card Delete User does: reads the user, \
         deactivates it when it is not yet DEPROVISIONED, then deletes it (three calls at most). \
         sendEmail (default false) notifies the org's admins.",
        |okta: Okta, input: DeleteUserInput| async move { okta.delete_user(&input).await },
    ))
    .action(generated::actions::unlock_user())
    .action(generated::actions::expire_password())
    .action(generated::actions::reset_password())
    .action(generated::actions::reset_factors())
    .action(generated::actions::clear_user_sessions())
    .action(generated::actions::list_user_groups())
    .action(generated::actions::update_group())
    .action(generated::actions::delete_group())
    .action(generated::actions::list_applications())
    .action(generated::actions::read_application())
    .action(generated::actions::list_application_users())
    .action(generated::actions::list_application_groups())
    .action(generated::actions::assign_user_to_application())
    .action(generated::actions::assign_group_to_application())
    .action(generated::actions::remove_user_from_application())
    .action(generated::actions::search_system_log())
    .action(CustomApiAction::new(CUSTOM_API_DESCRIPTION, None))
}

/// The prose of the connector's generated reference page.
fn docs() -> ConnectorDocs {
    ConnectorDocs::new(
        "Automates identity chores in an Okta org: create users with custom profile attributes, \
         read and search them, manage their standard admin roles, and manage groups and their \
         members (actions generated from Okta's OpenAPI document). The help-desk template, a \
         flow that `connector serve` runs on Okta event hooks, gives `HELP_DESK_ADMIN` to every \
         user created with `role = Support` (or `support`), through the Custom API Action as \
         the product's template does.",
        "Either an API token (`Authorization: SSWS <token>`; the token acts with its admin's \
         permissions), or OAuth 2.0 for a service app with `private_key_jwt`: the connector signs \
         a fresh client assertion (RS256 or ES256) for each token request to \
         `<org>/oauth2/v1/token`, caches the access token and refreshes it a minute before it \
         expires, one refresh shared by concurrent calls, and once more after a 401. The actions \
         need the scopes `okta.users.manage`, `okta.users.read`, `okta.roles.manage`, \
         `okta.roles.read`, `okta.groups.manage` and `okta.groups.read` (the default of \
         `OKTA_SCOPES`), granted to the app, and the app needs an admin role that allows them.",
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
