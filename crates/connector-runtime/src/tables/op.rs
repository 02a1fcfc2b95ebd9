//! The seven table actions as data: their inputs (with the JSON Schemas the `table`
//! connector describes and validation checks), parsed into one [`TableOp`] that the store
//! applies.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The most rows `search-rows` answers at once.
pub const MAX_LIMIT: u32 = 10_000;

/// The rows `search-rows` answers when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;

/// The most values an `in` condition lists.
pub const MAX_IN_VALUES: usize = 1_000;

/// The input of `create-row`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRowInput {
    /// The table's name.
    pub table: String,
    /// The row: its columns (a missing one is `null`).
    pub row: Map<String, Value>,
}

/// The input of `upsert-row`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertRowInput {
    /// The table's name (it must have a `key`).
    pub table: String,
    /// The row, its key column set: created, or the row with that key updated (the
    /// columns given replace theirs; the others stay).
    pub row: Map<String, Value>,
}

/// The input of `read-row`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadRowInput {
    /// The table's name.
    pub table: String,
    /// The row's `_id`.
    pub id: String,
}

/// The input of `search-rows`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchRowsInput {
    /// The table's name.
    pub table: String,
    /// Conditions that must all hold: `{column: value}` or `{column: {eq, ne, lt, le,
    /// gt, ge, contains, in, not_in}}`; `_id`, `_createdAt` and `_updatedAt` may be filtered too.
    #[serde(default, rename = "where")]
    pub filter: Option<Map<String, Value>>,
    /// `column` (ascending) or `-column` (descending); default: the order rows were created.
    #[serde(default)]
    pub order_by: Option<String>,
    /// The most rows to answer (default 100, at most 10,000).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Where the previous page ended (its `nextCursor`).
    #[serde(default)]
    pub cursor: Option<String>,
}

/// The input of `update-row`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRowInput {
    /// The table's name.
    pub table: String,
    /// The row's `_id`.
    pub id: String,
    /// The columns to change (the others stay).
    pub set: Map<String, Value>,
}

/// The input of `delete-rows`: `id` or `where`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteRowsInput {
    /// The table's name.
    pub table: String,
    /// One row's `_id`.
    #[serde(default)]
    pub id: Option<String>,
    /// Or every row these conditions hold for (as `search-rows` takes them).
    #[serde(default, rename = "where")]
    pub filter: Option<Map<String, Value>>,
}

/// The input of `clear-table`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClearTableInput {
    /// The table's name.
    pub table: String,
}

/// The output of `upsert-row`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Upserted {
    /// The row as it now is.
    pub row: Map<String, Value>,
    /// True when the row was created, false when one with its key was updated.
    pub created: bool,
}

/// The output of `search-rows`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// The page of rows.
    pub rows: Vec<Map<String, Value>>,
    /// How many rows match in all.
    pub count: u64,
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// The output of `delete-rows` and `clear-table`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Deleted {
    /// How many rows were deleted.
    pub deleted: u64,
}

/// One table action, parsed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TableOp {
    /// `create-row`.
    Create(CreateRowInput),
    /// `upsert-row`.
    Upsert(UpsertRowInput),
    /// `read-row`.
    Read(ReadRowInput),
    /// `search-rows`.
    Search(SearchRowsInput),
    /// `update-row`.
    Update(UpdateRowInput),
    /// `delete-rows`.
    Delete(DeleteRowsInput),
    /// `clear-table`.
    Clear(ClearTableInput),
}

/// The actions' ids, in the order `connector list` shows them.
pub const ACTIONS: &[&str] = &[
    "create-row",
    "upsert-row",
    "read-row",
    "search-rows",
    "update-row",
    "delete-rows",
    "clear-table",
];

impl TableOp {
    /// Parses `input` for `action`: `invalid_input` naming the field that does not fit.
    pub fn parse(action: &str, input: Value) -> Result<TableOp, connector_core::Error> {
        use connector_core::action::parse_input;
        let op = match action {
            "create-row" => TableOp::Create(parse_input(input)?),
            "upsert-row" => TableOp::Upsert(parse_input(input)?),
            "read-row" => TableOp::Read(parse_input(input)?),
            "search-rows" => TableOp::Search(parse_input(input)?),
            "update-row" => TableOp::Update(parse_input(input)?),
            "delete-rows" => TableOp::Delete(parse_input(input)?),
            "clear-table" => TableOp::Clear(parse_input(input)?),
            other => {
                return Err(connector_core::Error::invalid_input(format!(
                    "connector table has no action {}; its actions are: {}",
                    connector_core::error::quote_input(other),
                    ACTIONS.join(", ")
                )));
            }
        };
        Ok(op)
    }

    /// The table it acts on.
    pub fn table(&self) -> &str {
        match self {
            TableOp::Create(i) => &i.table,
            TableOp::Upsert(i) => &i.table,
            TableOp::Read(i) => &i.table,
            TableOp::Search(i) => &i.table,
            TableOp::Update(i) => &i.table,
            TableOp::Delete(i) => &i.table,
            TableOp::Clear(i) => &i.table,
        }
    }

    /// True for the actions that change rows.
    pub fn writes(&self) -> bool {
        !matches!(self, TableOp::Read(_) | TableOp::Search(_))
    }
}
