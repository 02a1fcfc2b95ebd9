//! The hand-written lifecycle card: `delete-user`, which makes up to three calls.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The input of `delete-user`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DeleteUserInput {
    /// The user's id (`00u...`) or login (`jane@acme.com`).
    pub id: String,
    /// Whether Okta emails the org's admins about the deactivation and the deletion
    /// (default false).
    #[serde(default)]
    pub send_email: bool,
}

impl DeleteUserInput {
    /// The user with this id or login, without email.
    pub fn new(id: impl Into<String>) -> DeleteUserInput {
        DeleteUserInput {
            id: id.into(),
            send_email: false,
        }
    }
}

/// The output of `delete-user`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeleteUserOutput {
    /// The deleted user's id.
    pub id: String,
    /// True when the user was deactivated first (it was not yet `DEPROVISIONED`).
    pub deactivated: bool,
    /// True: the user is gone.
    pub deleted: bool,
}
