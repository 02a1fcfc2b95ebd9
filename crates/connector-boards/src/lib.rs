//! The boards service connector: monday.com's GraphQL API as typed actions on
//! [`connector_core`]'s pipeline.
//!
//! - [`Boards`]: the client. The token travels raw in `Authorization`; every call pins an
//!   `API-Version` (default `2026-10`, overridable per client and per call with
//!   [`Boards::with_api_version`]); user values travel only as GraphQL variables.
//! - [`BoardsProfile`]: what the service does differently. An HTTP 200 carrying `errors[]`
//!   is a failure; errors are read in all three shapes the service has used; limits answered
//!   with 429 are retried after the `retry_in_seconds` the service asks for, and
//!   `DAILY_LIMIT_EXCEEDED` fails at once as `rate_limited`.
//! - The complexity budget is spent ahead of the service: each call is charged an estimate,
//!   corrected by the `complexity { query after reset_in_x_seconds }` every document asks
//!   for, so that calls wait for the reset instead of drawing 429s. Calls per minute, calls
//!   in flight and `create_board`'s 40 per minute are limited too.
//! - [`connector()`]: the actions by id, for the CLI and workflow engines.
//!
//! # Example
//!
//! ```no_run
//! use connector_boards::{AddUserToBoardInput, Boards, ReadUserInput, SubscriberKind};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let boards = Boards::builder(std::env::var("BOARDS_API_TOKEN").unwrap_or_default()).build()?;
//! let user = boards.read_user(ReadUserInput::by_email("ada@example.com")).await?;
//! let added = boards
//!     .add_users_to_board(AddUserToBoardInput::new("1234567890", [user.id]).kind(SubscriberKind::Owner))
//!     .await?;
//! println!("added {:?}", added.users);
//! # Ok(())
//! # }
//! ```

mod actions;
mod api;
mod client;
mod cost;
mod envelope;
mod errors;
pub mod graphql;
mod idempotency;
mod model;
mod profile;

pub use actions::{CUSTOM_API_ACTION, connector};
pub use api::CUSTOM_API_DEFAULT_PATH;
pub use client::{
    Boards, BoardsBuilder, CREATE_BOARD_PER_MINUTE, DEFAULT_API_URL, DEFAULT_API_VERSION,
    DEFAULT_COMPLEXITY_BUDGET, DEFAULT_MAX_CONCURRENCY, DEFAULT_REQUESTS_PER_MINUTE,
    TRIAL_COMPLEXITY_BUDGET,
};
pub use model::{
    AddUserToBoardInput, Board, BoardIdInput, BoardKind, BoardList, BoardState, BoardUsers,
    BoardsOrderBy, CreateBoardInput, DeleteUserFromBoardInput, Group, ListBoardsInput, PhotoUrls,
    ReadUserInput, SearchUsersInput, SubscriberKind, Tag, TeamRef, User, UserKind, UserList,
    UserRef, WorkspaceRef,
};
pub use profile::{BoardsProfile, UNKNOWN_CALL_ESTIMATE};
