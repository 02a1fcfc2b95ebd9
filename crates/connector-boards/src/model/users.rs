//! Users: the user as the service answers it, and the inputs and outputs of the user
//! actions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ids;

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The user's name.
    #[serde(default, deserialize_with = "ids::text")]
    pub name: String,
    /// The user's email.
    #[serde(default, deserialize_with = "ids::text")]
    pub email: String,
    /// The user's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The user's profile address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `admin`, `member`, `guest` or `viewer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `ACTIVE`, `INACTIVE` or `PENDING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the user was created (ISO 8601).
    #[serde(default, alias = "created_at", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the user became active (ISO 8601).
    #[serde(
        default,
        alias = "became_active_at",
        skip_serializing_if = "Option::is_none"
    )]
    pub became_active_at: Option<String>,
    /// Whether the user confirmed their email.
    #[serde(
        default,
        alias = "is_email_confirmed",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_email_confirmed: Option<bool>,
    /// The user's time zone (`Europe/London`).
    #[serde(
        default,
        alias = "time_zone_identifier",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_zone_identifier: Option<String>,
    /// The user's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The user's mobile phone.
    #[serde(
        default,
        alias = "mobile_phone",
        skip_serializing_if = "Option::is_none"
    )]
    pub mobile_phone: Option<String>,
    /// The user's photo in several sizes.
    #[serde(default, alias = "photo_url", skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<PhotoUrls>,
    /// The teams the user belongs to.
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub teams: Option<Vec<TeamRef>>,
}

/// A user as a board lists it: id, name and email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRef {
    /// The user's id.
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A user's photo addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PhotoUrls {
    /// The original photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The small photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small: Option<String>,
    /// The thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb: Option<String>,
}

/// A team: id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamRef {
    /// The team's id.
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Users across pages (search-users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserList {
    /// The users, in the service's order.
    pub users: Vec<User>,
}

/// Which users to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// Everyone.
    All,
    /// Members and admins, no guests.
    NonGuests,
    /// Guests only.
    Guests,
    /// Everyone but pending invitations.
    NonPending,
}

/// Input of `read-user`: exactly one of `id` and `email`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(example = serde_json::json!({"email": "ada.lovelace@example.com"}))]
pub struct ReadUserInput {
    /// The user's id.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The user's email (exact match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl ReadUserInput {
    /// The user with this id.
    pub fn by_id(id: impl Into<String>) -> Self {
        ReadUserInput {
            id: Some(id.into()),
            email: None,
        }
    }

    /// The user with this email.
    pub fn by_email(email: impl Into<String>) -> Self {
        ReadUserInput {
            id: None,
            email: Some(email.into()),
        }
    }
}

/// Input of `search-users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchUsersInput {
    /// A name to search for: fuzzy on its own, exact when `kind` is given too (the
    /// service's rule since 2026-07).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `all`, `non_guests`, `guests` or `non_pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UserKind>,
    /// Users per page, 1 to 1,000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Stop after this many users (default: every page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}
