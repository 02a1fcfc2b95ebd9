//! The connector's one table: its settings, its actions (each an [`ActionDef`] over the
//! typed method of the same name, so Rust code and the JSON form take the same path) and
//! the prose of its reference page.

use connector_core::action::{ConnectorDocs, Setting};
use connector_core::{ActionDef, ConnectorDef, CustomApiAction, ErrorKind};

use crate::api::CUSTOM_API_DEFAULT_PATH;
use crate::client::Boards;
use crate::model::{
    AddUserToBoardInput, BoardIdInput, CreateBoardInput, DeleteUserFromBoardInput, ListBoardsInput,
    ReadUserInput, SearchUsersInput,
};

const CUSTOM_API_DESCRIPTION: &str = "Sends any GraphQL document to the boards service with the connection's token, \
     through the same retries and rate limits: POST to /v2 (the default relativeUrl) with body {\"query\", \"variables\"}. \
     It sends the client's API-Version unless the input has one, and an Idempotency-Key with a mutation unless the input has one.";

/// The Custom API Action of the boards connector: POST to `/v2` by default.
pub const CUSTOM_API_ACTION: CustomApiAction =
    CustomApiAction::new(CUSTOM_API_DESCRIPTION, Some(CUSTOM_API_DEFAULT_PATH));

/// The prose of the connector's generated reference page.
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
         are repeated after a lost answer although they are sent as POST. Every mutation carries an \
         `Idempotency-Key` (one per call, the same on its retries; the Custom API Action adds one to \
         a mutation unless the input has one), so it is repeated after a dropped connection or a \
         timeout and the service answers the repeat from its cache (`Idempotency-Replayed: true`) \
         without acting twice; a 409 `IDEMPOTENCY_CONFLICT` (the first attempt still running) is \
         retried after its `Retry-After`. A mutation whose every attempt lost its answer fails with \
         `outcomeUnknown`: check (read-board, list-boards) before running it again.",
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
    .error("IDEMPOTENCY_CONFLICT", ErrorKind::Conflict, "a request with the same Idempotency-Key was still running through every retry")
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
    .action(ActionDef::new(
        "add-user-to-board",
        "Add User to Board",
        "Adds users to a board as subscribers (default) or owners; returns the users added. Guests and viewers cannot be owners.",
        |boards: Boards, input: AddUserToBoardInput| async move {
            boards.add_users_to_board(input).await
        },
    ))
    .action(ActionDef::new(
        "delete-user-from-board",
        "Delete User from Board",
        "Removes users from a board's owners and subscribers; returns the users removed.",
        |boards: Boards, input: DeleteUserFromBoardInput| async move {
            boards.delete_users_from_board(input).await
        },
    ))
    .action(ActionDef::new(
        "archive-board",
        "Archive Board",
        "Archives a board; returns the board. An archived board can be restored in the service.",
        |boards: Boards, input: BoardIdInput| async move {
            boards.archive_board(&input.board_id).await
        },
    ))
    .action(ActionDef::new(
        "delete-board",
        "Delete Board",
        "Deletes a board; returns the board.",
        |boards: Boards, input: BoardIdInput| async move {
            boards.delete_board(&input.board_id).await
        },
    ))
    .action(ActionDef::new(
        "create-board",
        "Create Board",
        "Creates a board, optionally in a workspace and folder, from a template, with owners and subscribers; returns the board. The service allows 40 board creations per minute.",
        |boards: Boards, input: CreateBoardInput| async move { boards.create_board(input).await },
    ))
    .action(ActionDef::new(
        "list-boards",
        "List Boards",
        "Lists boards by workspace, state, kind and order, reading page after page until a short page or max boards.",
        |boards: Boards, input: ListBoardsInput| async move { boards.list_boards(input).await },
    ))
    .action(ActionDef::new(
        "read-board",
        "Read Board",
        "Reads a board in any state with its owners, subscribers, creator, groups, tags and workspace; not_found when no board has the id.",
        |boards: Boards, input: BoardIdInput| async move {
            boards.read_board(&input.board_id).await
        },
    ))
    .action(ActionDef::new(
        "read-user",
        "Read User",
        "Reads a user by id or by email; not_found when no active or pending user matches.",
        |boards: Boards, input: ReadUserInput| async move { boards.read_user(input).await },
    ))
    .action(ActionDef::new(
        "search-users",
        "Search Users",
        "Searches users by name (fuzzy; exact when a kind is given too) and kind, reading page after page until a short page or max users.",
        |boards: Boards, input: SearchUsersInput| async move { boards.search_users(input).await },
    ))
    .action(CUSTOM_API_ACTION)
}
