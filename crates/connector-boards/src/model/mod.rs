//! The service's objects as the actions return them (camelCase JSON), and the enums the
//! inputs take.
//!
//! The service names fields in snake_case; DESIGN.md fixes camelCase for outputs. Each
//! multi-word field is read under its snake_case alias and written in camelCase, so one type
//! serves both sides. Values the service may extend (a board's kind or state, a user's kind)
//! are kept as strings so that a new value never breaks an action. Ids are strings; numbers
//! are accepted and written as strings.

mod boards;
mod ids;
mod users;

use serde::Deserialize;

pub use boards::{
    AddUserToBoardInput, Board, BoardIdInput, BoardKind, BoardList, BoardState, BoardUsers,
    BoardsOrderBy, CreateBoardInput, DeleteUserFromBoardInput, Group, ListBoardsInput,
    SubscriberKind, Tag, WorkspaceRef,
};
pub use users::{
    PhotoUrls, ReadUserInput, SearchUsersInput, TeamRef, User, UserKind, UserList, UserRef,
};

/// Keeps only the non-null items of a list the service may pad with nulls (`[User]!`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Option<T>>> = Option::deserialize(deserializer)?;
    Ok(items.map(|items| items.into_iter().flatten().collect()))
}
