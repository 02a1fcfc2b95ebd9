//! The GraphQL documents the connector sends, one `.graphql` file each, with the
//! selections they share as fragments in `fragments/` (a user's details, a board's summary,
//! a person on a board), appended to each document that spreads them.
//!
//! Every document is a constant: user values travel only in `variables`, never spliced into
//! the text. Every document also selects the root field
//! `complexity { query after reset_in_x_seconds }`, so that each answer says what the call
//! really cost and what is left of the budget; the limiter is corrected from it.
//!
//! The list is public so that emulators and tests can check the documents against a schema
//! (`tests/documents.rs` validates each against both published SDL versions).

/// Whether a document reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationKind {
    /// A `query`: safe to repeat after a lost answer.
    Query,
    /// A `mutation`: repeated only when the service surely did not see it.
    Mutation,
}

/// One document the connector sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Document {
    /// The file name under `src/graphql/` (`read_board.graphql`).
    pub file: &'static str,
    /// The root field the document is about (`boards`, `create_board`): it names the
    /// operation for per-operation limits and logs.
    pub root_field: &'static str,
    /// Query or mutation.
    pub kind: OperationKind,
    /// The document's text, exactly as sent.
    pub text: &'static str,
    /// The first estimate of the call's complexity: a fixed part plus a part per item asked
    /// for (page size, user ids). The client replaces it with what the service reported for
    /// the same call shape once it has seen one.
    pub(crate) base_cost: u64,
    pub(crate) cost_per_item: u64,
}

impl Document {
    /// The estimated complexity of a call asking for `items` items, before the service has
    /// reported the real cost of such a call.
    pub fn estimate(&self, items: u64) -> u64 {
        self.base_cost
            .saturating_add(self.cost_per_item.saturating_mul(items))
            .max(1)
    }
}

/// A document: its file, then each fragment it spreads (from `fragments/`), one text.
macro_rules! document {
    ($name:ident, $file:literal, $root:literal, $kind:ident, $base:expr, $per_item:expr, [$($fragment:literal),*], $doc:literal) => {
        #[doc = $doc]
        pub const $name: Document = Document {
            file: $file,
            root_field: $root,
            kind: OperationKind::$kind,
            text: concat!(
                include_str!($file)
                $(, "\n", include_str!(concat!("fragments/", $fragment, ".graphql")))*
            ),
            base_cost: $base,
            cost_per_item: $per_item,
        };
    };
}

// The first estimates are deliberately generous: an estimate above the real cost only holds
// back a little budget until the answer corrects it, while one below it could let the
// connector spend more than the service allows and draw a 429.
document!(
    ADD_USERS_TO_BOARD,
    "add_users_to_board.graphql",
    "add_users_to_board",
    Mutation,
    1_000,
    100,
    ["person"],
    "`add_users_to_board`: subscribes users to a board (add-user-to-board)."
);
document!(
    DELETE_SUBSCRIBERS_FROM_BOARD,
    "delete_subscribers_from_board.graphql",
    "delete_subscribers_from_board",
    Mutation,
    1_000,
    100,
    ["person"],
    "`delete_subscribers_from_board`: removes users from a board (delete-user-from-board)."
);
document!(
    ARCHIVE_BOARD,
    "archive_board.graphql",
    "archive_board",
    Mutation,
    1_000,
    0,
    ["board_summary"],
    "`archive_board` (archive-board)."
);
document!(
    DELETE_BOARD,
    "delete_board.graphql",
    "delete_board",
    Mutation,
    1_000,
    0,
    ["board_summary"],
    "`delete_board` (delete-board)."
);
document!(
    CREATE_BOARD,
    "create_board.graphql",
    "create_board",
    Mutation,
    2_000,
    0,
    ["board_summary", "person"],
    "`create_board` (create-board)."
);
document!(
    LIST_BOARDS,
    "list_boards.graphql",
    "boards",
    Query,
    100,
    100,
    ["board_summary"],
    "`boards` filtered and paged (list-boards); items are the page size."
);
document!(
    READ_BOARD,
    "read_board.graphql",
    "boards",
    Query,
    2_000,
    0,
    ["board_summary", "person"],
    "`boards(ids: [$boardId], state: all)` with people, groups and workspace (read-board)."
);
document!(
    READ_USER_BY_ID,
    "read_user_by_id.graphql",
    "users",
    Query,
    1_000,
    0,
    ["user_details"],
    "`users(ids: [$id])` (read-user by id)."
);
document!(
    READ_USER_BY_EMAIL,
    "read_user_by_email.graphql",
    "users",
    Query,
    1_000,
    0,
    ["user_details"],
    "`users(emails: [$email])` (read-user by email)."
);
document!(
    SEARCH_USERS,
    "search_users.graphql",
    "users",
    Query,
    100,
    100,
    ["user_details"],
    "`users(name:, kind:)` paged (search-users); items are the page size."
);

/// Every document the connector ships.
pub const DOCUMENTS: &[Document] = &[
    ADD_USERS_TO_BOARD,
    DELETE_SUBSCRIBERS_FROM_BOARD,
    ARCHIVE_BOARD,
    DELETE_BOARD,
    CREATE_BOARD,
    LIST_BOARDS,
    READ_BOARD,
    READ_USER_BY_ID,
    READ_USER_BY_EMAIL,
    SEARCH_USERS,
];

/// True when `root_field` names one of the connector's mutations.
pub(crate) fn is_mutation(root_field: &str) -> bool {
    DOCUMENTS
        .iter()
        .any(|d| d.root_field == root_field && d.kind == OperationKind::Mutation)
}
