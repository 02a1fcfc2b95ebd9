//! Boards: the board and its parts, and the inputs and outputs of the board actions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ids;
use super::users::UserRef;

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
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub owners: Option<Vec<UserRef>>,
    /// The board's subscribers (owners included).
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub subscribers: Option<Vec<UserRef>>,
    /// Who created the board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<UserRef>,
    /// The board's groups.
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub groups: Option<Vec<Group>>,
    /// The board's tags.
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<Tag>>,
    /// The board's workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<WorkspaceRef>,
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

/// Input of `add-user-to-board`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddUserToBoardInput {
    /// The board's id.
    #[serde(deserialize_with = "ids::one")]
    pub board_id: String,
    /// The ids of the users to add.
    #[serde(deserialize_with = "ids::list")]
    pub user_ids: Vec<String>,
    /// `owner` or `subscriber` (default `subscriber`). Guests and viewers cannot be owners.
    #[serde(default)]
    pub kind: SubscriberKind,
}

impl AddUserToBoardInput {
    /// Subscribers `user_ids` to `board_id`.
    pub fn new(
        board_id: impl Into<String>,
        user_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        AddUserToBoardInput {
            board_id: board_id.into(),
            user_ids: user_ids.into_iter().map(Into::into).collect(),
            kind: SubscriberKind::Subscriber,
        }
    }

    /// Adds them as `kind` instead.
    pub fn kind(mut self, kind: SubscriberKind) -> Self {
        self.kind = kind;
        self
    }
}

/// Input of `delete-user-from-board`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteUserFromBoardInput {
    /// The board's id.
    #[serde(deserialize_with = "ids::one")]
    pub board_id: String,
    /// The ids of the users to remove (as owners and as subscribers).
    #[serde(deserialize_with = "ids::list")]
    pub user_ids: Vec<String>,
}

impl DeleteUserFromBoardInput {
    /// Removes `user_ids` from `board_id`.
    pub fn new(
        board_id: impl Into<String>,
        user_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        DeleteUserFromBoardInput {
            board_id: board_id.into(),
            user_ids: user_ids.into_iter().map(Into::into).collect(),
        }
    }
}

/// Input of `archive-board`, `delete-board` and `read-board`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoardIdInput {
    /// The board's id.
    #[serde(deserialize_with = "ids::one")]
    pub board_id: String,
}

/// Input of `create-board`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBoardInput {
    /// The board's name.
    pub name: String,
    /// `public`, `private` or `share`.
    pub kind: BoardKind,
    /// The workspace to create the board in (default: the main workspace).
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub workspace_id: Option<String>,
    /// The folder to create the board in.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub folder_id: Option<String>,
    /// The template to create the board from.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub template_id: Option<String>,
    /// The board's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The ids of the board's owners (default: the token's user).
    #[serde(
        default,
        deserialize_with = "ids::optional_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_ids: Option<Vec<String>>,
    /// The ids of the board's subscribers.
    #[serde(
        default,
        deserialize_with = "ids::optional_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub subscriber_ids: Option<Vec<String>>,
}

impl CreateBoardInput {
    /// A board named `name` of `kind`, with nothing else set.
    pub fn new(name: impl Into<String>, kind: BoardKind) -> Self {
        CreateBoardInput {
            name: name.into(),
            kind,
            workspace_id: None,
            folder_id: None,
            template_id: None,
            description: None,
            owner_ids: None,
            subscriber_ids: None,
        }
    }
}

/// Input of `list-boards`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListBoardsInput {
    /// Only boards of this workspace.
    #[serde(
        default,
        deserialize_with = "ids::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub workspace_id: Option<String>,
    /// `active`, `archived`, `deleted` or `all` (default `active`).
    #[serde(default)]
    pub state: BoardState,
    /// Only boards of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<BoardKind>,
    /// `created_at` or `used_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<BoardsOrderBy>,
    /// Boards per page, 1 to 1,000 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Stop after this many boards (default: every page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}
