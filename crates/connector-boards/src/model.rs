//! The service's objects as the actions return them (camelCase JSON), and the enums the
//! inputs take.
//!
//! The service names fields in snake_case; DESIGN.md fixes camelCase for outputs. Each
//! multi-word field is read under its snake_case alias and written in camelCase, so one type
//! serves both sides. Values the service may extend (a board's kind or state, a user's kind)
//! are kept as strings so that a new value never breaks an action. Ids are strings; numbers
//! are accepted and written as strings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Board {
    /// The board's id.
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The board's name.
    #[serde(default, deserialize_with = "ids::text")]
    pub name: String,
    /// The board's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `public`, `private` or `share`.
    #[serde(default, alias = "board_kind", skip_serializing_if = "Option::is_none")]
    pub board_kind: Option<String>,
    /// `active`, `archived` or `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Who may edit: `everyone`, `collaborators`, `assignee` or `owners`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    /// The workspace's id (none for the main workspace on older accounts).
    #[serde(
        default,
        alias = "workspace_id",
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub workspace_id: Option<String>,
    /// The folder's id, when the board is in a folder.
    #[serde(
        default,
        alias = "board_folder_id",
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub board_folder_id: Option<String>,
    /// The board's web address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the board was created (ISO 8601).
    #[serde(default, alias = "created_at", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the board was last changed (ISO 8601).
    #[serde(default, alias = "updated_at", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The board's owners.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub owners: Option<Vec<UserRef>>,
    /// The board's subscribers (owners included).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub subscribers: Option<Vec<UserRef>>,
    /// Who created the board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<UserRef>,
    /// The board's groups.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub groups: Option<Vec<Group>>,
    /// The board's tags.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<Tag>>,
    /// The board's workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<WorkspaceRef>,
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
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub teams: Option<Vec<TeamRef>>,
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

/// A group of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// The group's id (`topics`, `new_group`).
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The group's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tag {
    /// The tag's id.
    #[serde(deserialize_with = "ids::one")]
    pub id: String,
    /// The tag's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A workspace: id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkspaceRef {
    /// The workspace's id.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The workspace's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Boards across pages (list-boards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BoardList {
    /// The boards, in the service's order.
    pub boards: Vec<Board>,
}

/// Users across pages (search-users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserList {
    /// The users, in the service's order.
    pub users: Vec<User>,
}

/// The users a board change concerned (add-user-to-board, delete-user-from-board).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BoardUsers {
    /// The users added or removed, as the service answered.
    pub users: Vec<UserRef>,
}

/// A board's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoardKind {
    /// Visible to every member of the account.
    Public,
    /// Visible to its subscribers only.
    Private,
    /// Shareable with guests outside the account.
    Share,
}

/// How a user is added to a board.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberKind {
    /// An owner (guests and viewers cannot be owners).
    Owner,
    /// A subscriber.
    #[default]
    Subscriber,
}

/// Which boards to list by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoardState {
    /// Active boards.
    #[default]
    Active,
    /// Archived boards.
    Archived,
    /// Deleted boards.
    Deleted,
    /// Every board.
    All,
}

/// How to order boards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoardsOrderBy {
    /// Newest first.
    CreatedAt,
    /// Most recently used first.
    UsedAt,
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

/// Keeps only the non-null items of a list the service may pad with nulls (`[User]!`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Option<T>>> = Option::deserialize(deserializer)?;
    Ok(items.map(|items| items.into_iter().flatten().collect()))
}

/// Ids as strings, accepting numbers (the service's `ID` is a string, but callers and older
/// versions sometimes write numbers).
pub(crate) mod ids {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{self, SeqAccess, Visitor};

    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id (a string or a whole number)")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    /// One id.
    pub(crate) fn one<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(IdVisitor)
    }

    /// Text that may be null (read as empty).
    pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_unit<E: de::Error>(self) -> Result<String, E> {
                Ok(String::new())
            }
            fn visit_none<E: de::Error>(self) -> Result<String, E> {
                Ok(String::new())
            }
        }
        d.deserialize_any(TextVisitor)
    }

    /// An id that may be null.
    pub(crate) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct OptionalVisitor;
        impl<'de> Visitor<'de> for OptionalVisitor {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                one(d).map(Some)
            }
        }
        d.deserialize_option(OptionalVisitor)
    }

    /// A list of ids.
    pub(crate) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of ids")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1_000));
                while let Some(id) = seq.next_element::<Id>()? {
                    out.push(id.0);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(ListVisitor)
    }

    /// An optional list of ids.
    pub(crate) fn optional_list<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        struct OptionalListVisitor;
        impl<'de> Visitor<'de> for OptionalListVisitor {
            type Value = Option<Vec<String>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of ids or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                list(d).map(Some)
            }
        }
        d.deserialize_option(OptionalListVisitor)
    }

    struct Id(String);

    impl<'de> serde::Deserialize<'de> for Id {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            one(d).map(Id)
        }
    }
}
