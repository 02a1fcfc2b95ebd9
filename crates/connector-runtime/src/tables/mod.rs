//! Tables: durable state for flows, in the runtime's store, written exactly once with the
//! step that writes it.
//!
//! | module | what |
//! |---|---|
//! | `schema` | `tables.yaml` ([`parse_tables`], [`load_tables`]), column types, a row's check |
//! | `op` | the seven actions' inputs and outputs, parsed into one [`TableOp`] |
//! | `connector` | the built-in `table` connector ([`connector()`]) for `connector run table ...` |
//! | [`csv`] | rows to and from CSV (`connector table import\|export`) |
//! | `cards` | the actions' input schemas narrowed to the declared tables, for validation |
//!
//! The store applies them (`Store::apply_tables`, `Store::table_action`); a flow's table
//! card is applied by the engine through its journal, so that the change and the step's
//! record are one transaction.
//!
//! ```
//! use connector_runtime::tables::{ColumnType, parse_tables};
//!
//! let text = "tables:\n  temporary-groups:\n    columns: { group_name: text, duration_minutes: number }\n    key: group_name\n";
//! let tables = parse_tables("tables.yaml", text).unwrap();
//! let table = tables.get("temporary-groups").unwrap();
//! assert_eq!(table.key.as_deref(), Some("group_name"));
//! assert_eq!(table.columns[1].kind, ColumnType::Number);
//! let bad = table.check_row(serde_json::json!({"duration_minutes": "ten"}).as_object().unwrap());
//! assert!(bad.unwrap_err().message().contains("column duration_minutes of table temporary-groups is number"));
//! ```

pub(crate) mod cards;
mod connector;
pub mod csv;
pub mod op;
mod read;
pub(crate) mod schema;

pub use cards::narrow_schema;
pub use connector::{CONNECTOR_ID, TableClient, connector, is_table_card};
pub use op::TableOp;
pub use read::{load_tables, parse_tables};
pub use schema::{
    COLUMN_TYPES, Column, ColumnType, MAX_COLUMNS, MAX_NAME_LEN, MAX_TABLES, SYSTEM_FIELDS,
    TABLES_FILE, TableDef, Tables, is_column_name, is_table_name, normalize_datetime,
};
