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

mod boards;
mod client;
mod envelope;
pub mod graphql;
mod input;
mod model;
mod profile;
mod users;

use connector_core::{
    ConnectorDef, ConnectorDocs, CustomApiAction, CustomApiInput, CustomApiOutput, ErrorKind,
    Result, Setting,
};

pub use boards::{
    AddUserToBoard, AddUserToBoardInput, ArchiveBoard, BoardIdInput, CreateBoard, CreateBoardInput,
    DeleteBoard, DeleteUserFromBoard, DeleteUserFromBoardInput, ListBoards, ListBoardsInput,
    ReadBoard,
};
pub use client::{
    Boards, BoardsBuilder, CREATE_BOARD_PER_MINUTE, DEFAULT_API_URL, DEFAULT_API_VERSION,
    DEFAULT_COMPLEXITY_BUDGET, DEFAULT_MAX_CONCURRENCY, DEFAULT_REQUESTS_PER_MINUTE,
    TRIAL_COMPLEXITY_BUDGET,
};
pub use model::{
    Board, BoardKind, BoardList, BoardState, BoardUsers, BoardsOrderBy, Group, PhotoUrls,
    SubscriberKind, Tag, TeamRef, User, UserKind, UserList, UserRef, WorkspaceRef,
};
pub use profile::{BoardsProfile, UNKNOWN_CALL_ESTIMATE};
pub use users::{ReadUser, ReadUserInput, SearchUsers, SearchUsersInput};

/// The path the Custom API Action posts to when the input gives none.
pub const CUSTOM_API_DEFAULT_PATH: &str = "/v2";

const CUSTOM_API_DESCRIPTION: &str = "Sends any GraphQL document to the boards service with the connection's token, \
     through the same retries and rate limits: POST to /v2 (the default relativeUrl) with body {\"query\", \"variables\"}. \
     An API-Version header in the input wins over the connection's version.";

/// The Custom API Action of the boards connector: POST to `/v2` by default.
pub const CUSTOM_API_ACTION: CustomApiAction =
    CustomApiAction::new(CUSTOM_API_DESCRIPTION, Some(CUSTOM_API_DEFAULT_PATH));

impl Boards {
    /// Sends a raw request on the connection's origin with its token (the Custom API
    /// Action): `POST /v2` unless the input says otherwise; an `API-Version` header in the
    /// input wins over the client's.
    ///
    /// ```no_run
    /// use connector_core::CustomApiInput;
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let output = boards
    ///     .custom_api_call(CustomApiInput {
    ///         headers: Some([("API-Version".to_owned(), "2026-07".to_owned())].into()),
    ///         body: Some(serde_json::json!({ "query": "query { me { id name } }" })),
    ///         ..CustomApiInput::default()
    ///     })
    ///     .await?;
    /// println!("{} {}", output.status_code, output.body);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn custom_api_call(&self, input: CustomApiInput) -> Result<CustomApiOutput> {
        connector_core::custom_api_call(
            connector_core::HasConnection::connection(self),
            &input,
            Some(CUSTOM_API_DEFAULT_PATH),
        )
        .await
    }
}

fn docs() -> ConnectorDocs {
    ConnectorDocs::new(
        "Manages boards and their people on the boards service (monday.com's GraphQL API, \
         `https://api.monday.com/v2`): create, list, read, archive and delete boards, add and \
         remove owners and subscribers, read and search users. Every call sends a GraphQL \
         document kept in the connector (user values travel only as variables) and pins the \
         API version with `API-Version`.",
        "A personal API token (Profile → Developers → API token) or an app token, sent as is \
         in `Authorization` (no `Bearer`). The token's user needs access to the boards the \
         actions touch; board owners manage a board's people.",
    )
    .limitation(
        "Complexity budget: 10,000,000 points per minute for a personal token on a paid account, \
         1,000,000 on trial, free and NGO accounts (set the client's `complexity_budget`). The \
         connector spends it ahead of the service: each call is charged an estimate, corrected by \
         the `complexity { query after reset_in_x_seconds }` every document asks for, and calls \
         wait for the reset when the budget runs low. Avoid many concurrent calls.",
    )
    .limitation(
        "Other limits kept ahead of the service: 1,000 calls per minute, 40 calls in flight and \
         40 `create_board` calls per minute (configurable for Pro and Enterprise plans).",
    )
    .limitation(
        "Limits the service answers with 429 (`COMPLEXITY_BUDGET_EXHAUSTED`, `Rate Limit Exceeded`, \
         `maxConcurrencyExceeded`, `IP_RATE_LIMIT_EXCEEDED`, `FIELD_LIMIT_EXCEEDED`) are retried \
         after the `retry_in_seconds` it asks for (else `Retry-After`); `DAILY_LIMIT_EXCEEDED` \
         fails at once.",
    )
    .limitation(
        "An HTTP 200 carrying `errors[]` is a failure and is not retried. GraphQL reads (queries) \
         are repeated after a lost answer although they are sent as POST; mutations are not.",
    )
    .limitation(
        "API versions: the connector pins `2026-10` (current as of 2026-11). The service serves a \
         deprecated version as the maintenance one and a version that does not exist as the \
         current one, without saying so; the Custom API Action may send any `API-Version` header.",
    )
    .limitation(
        "`read-user` finds active and pending users only; `search-users` matches the name exactly \
         (not fuzzily) when a kind is given too.",
    )
    .error("InvalidBoardIdException", ErrorKind::NotFound, "no board has the id (also an empty answer to read-board)")
    .error("InvalidUserIdException", ErrorKind::NotFound, "no user has the id (also an empty answer to read-user)")
    .error("ResourceNotFoundException", ErrorKind::NotFound, "the resource does not exist")
    .error("UserUnauthorizedException", ErrorKind::PermissionDenied, "the token's user may not do this")
    .error("USER_ACCESS_DENIED", ErrorKind::PermissionDenied, "the token's user has no access")
    .error("missingRequiredPermissions", ErrorKind::PermissionDenied, "the token lacks a scope")
    .error("InvalidArgumentException", ErrorKind::InvalidInput, "an argument was refused")
    .error("RecordInvalidException", ErrorKind::InvalidInput, "the service refused the values (422)")
    .error("Parse error on ...", ErrorKind::InvalidInput, "a Custom API document does not parse")
    .error("DeleteLastGroupException", ErrorKind::Conflict, "a board must keep one group")
    .error("COMPLEXITY_BUDGET_EXHAUSTED", ErrorKind::RateLimited, "the budget stayed spent through 3 retries, or its reset is past the minute")
    .error("DAILY_LIMIT_EXCEEDED", ErrorKind::RateLimited, "the account's daily call limit is spent; not retried")
    .error("401", ErrorKind::Authentication, "the token was refused; check BOARDS_API_TOKEN")
    .error("500", ErrorKind::Upstream, "the service failed (also for some ids that do not exist); not retried")
}

/// The boards connector: its settings and actions, connecting from the environment.
///
/// ```
/// use connector_core::Connector;
///
/// let connector = connector_boards::connector();
/// assert_eq!(connector.id(), "boards");
/// assert!(connector.actions().iter().any(|a| a.id == "read-board"));
/// ```
pub fn connector() -> ConnectorDef<Boards> {
    ConnectorDef::new(
        "boards",
        "Boards (monday.com)",
        "Boards, their people and users of the boards service (monday.com's GraphQL API), within its complexity budget.",
        Boards::from_env,
    )
    .setting(Setting {
        name: "BOARDS_API_TOKEN",
        aliases: &[],
        secret: true,
        description: "Required. A personal or app API token; sent as is in Authorization.",
    })
    .setting(Setting {
        name: "BOARDS_API_URL",
        aliases: &[],
        secret: false,
        description: "The API endpoint (default https://api.monday.com/v2); https, or http on loopback.",
    })
    .setting(Setting {
        name: "BOARDS_API_VERSION",
        aliases: &[],
        secret: false,
        description: "The API version sent as API-Version (default 2026-10, the current one).",
    })
    .with_docs(docs())
    .action(AddUserToBoard)
    .action(DeleteUserFromBoard)
    .action(ArchiveBoard)
    .action(DeleteBoard)
    .action(CreateBoard)
    .action(ListBoards)
    .action(ReadBoard)
    .action(ReadUser)
    .action(SearchUsers)
    .action(CUSTOM_API_ACTION)
}
