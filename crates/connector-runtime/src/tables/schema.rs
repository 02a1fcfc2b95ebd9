//! What `tables.yaml` declares: tables, their typed columns and optional unique key (read by
//! `read`); and the check of a row against its table (unknown column, wrong type:
//! `invalid_input` naming the column and the type it takes).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The file of a flows folder that declares its tables.
pub const TABLES_FILE: &str = "tables.yaml";

/// The longest table or column name: the store's own names for them (index names
/// included) stay within Postgres' 63-byte identifiers.
pub const MAX_NAME_LEN: usize = 48;

/// The most tables one file declares.
pub const MAX_TABLES: usize = 200;

/// The most columns one table has.
pub const MAX_COLUMNS: usize = 100;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ColumnType {
    /// Text.
    Text,
    /// A JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An RFC 3339 date and time, kept in UTC to the millisecond.
    Datetime,
    /// Any JSON value (not filtered nor sorted on).
    Json,
}

/// The column types, as `tables.yaml` writes them.
pub const COLUMN_TYPES: &[&str] = &["text", "number", "boolean", "datetime", "json"];

impl ColumnType {
    /// The type's name, as `tables.yaml` writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
            ColumnType::Datetime => "datetime",
            ColumnType::Json => "json",
        }
    }

    /// The type named `name`.
    pub fn named(name: &str) -> Option<ColumnType> {
        Some(match name {
            "text" => ColumnType::Text,
            "number" => ColumnType::Number,
            "boolean" => ColumnType::Boolean,
            "datetime" => ColumnType::Datetime,
            "json" => ColumnType::Json,
            _ => return None,
        })
    }

    /// The value as the column keeps it (a datetime in UTC, to the millisecond), or
    /// `None` when it is not of this type. `null` is every column's.
    pub fn accept(self, value: &Value) -> Option<Value> {
        match (self, value) {
            (_, Value::Null) | (ColumnType::Json, _) => Some(value.clone()),
            (ColumnType::Text, Value::String(_))
            | (ColumnType::Number, Value::Number(_))
            | (ColumnType::Boolean, Value::Bool(_)) => Some(value.clone()),
            (ColumnType::Datetime, Value::String(text)) => {
                normalize_datetime(text).map(Value::String)
            }
            _ => None,
        }
    }

    /// What a value of this type is, for messages.
    pub const fn expected(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Number => "a number",
            ColumnType::Boolean => "true or false",
            ColumnType::Datetime => "an RFC 3339 datetime (2026-01-31T09:00:00Z)",
            ColumnType::Json => "any JSON value",
        }
    }

    /// A JSON Schema of the column's values (`null` included), for card validation.
    pub fn json_schema(self) -> Value {
        match self {
            ColumnType::Text => serde_json::json!({"type": ["string", "null"]}),
            ColumnType::Number => serde_json::json!({"type": ["number", "null"]}),
            ColumnType::Boolean => serde_json::json!({"type": ["boolean", "null"]}),
            ColumnType::Datetime => serde_json::json!({
                "type": ["string", "null"],
                "pattern": DATETIME_PATTERN,
            }),
            ColumnType::Json => serde_json::json!(true),
        }
    }
}

/// RFC 3339, as a JSON Schema pattern (validation checks literal datetimes with it; the
/// store parses them).
const DATETIME_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";

/// An RFC 3339 datetime in UTC to the millisecond (`2026-01-31T08:00:00.000Z`), the one
/// form the store keeps, so that text order is time order.
pub fn normalize_datetime(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|at| {
        at.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
}

/// One column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Column {
    /// `[a-z0-9_]+`, not starting with `_`.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

/// One table: its columns in the order the file declares them, and its unique key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TableDef {
    /// `[a-z0-9-]+`.
    pub name: String,
    /// The columns, in the file's order.
    pub columns: Vec<Column>,
    /// The unique key column, when there is one (it enables `upsert-row`).
    pub key: Option<String>,
}

/// The row fields every row has beside its columns.
pub const SYSTEM_FIELDS: &[&str] = &["_id", "_createdAt", "_updatedAt"];

impl TableDef {
    /// A table (tests, the bench).
    pub fn new(name: &str, columns: &[(&str, ColumnType)], key: Option<&str>) -> TableDef {
        TableDef {
            name: name.to_owned(),
            columns: columns
                .iter()
                .map(|(n, k)| Column {
                    name: (*n).to_owned(),
                    kind: *k,
                })
                .collect(),
            key: key.map(str::to_owned),
        }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The table as the pages and `connector table list` describe it: `{"name",
    /// "columns": {"name": "type"}, "key"}` (columns in the file's order).
    pub fn described(&self) -> Value {
        let columns: Map<String, Value> = self
            .columns
            .iter()
            .map(|c| (c.name.clone(), Value::String(c.kind.as_str().to_owned())))
            .collect();
        serde_json::json!({"name": self.name, "columns": columns, "key": self.key})
    }

    /// The column names, for messages.
    pub fn column_names(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `row`'s columns as the store keeps them: each known and of its type (`_id`,
    /// `_createdAt` and `_updatedAt` are passed over, so a row read can be written back).
    pub fn check_row(
        &self,
        row: &Map<String, Value>,
    ) -> Result<Map<String, Value>, connector_core::Error> {
        let mut kept = Map::new();
        for (name, value) in row {
            if SYSTEM_FIELDS.contains(&name.as_str()) {
                continue;
            }
            let column = self.column(name).ok_or_else(|| {
                connector_core::Error::invalid_input(format!(
                    "table {} has no column {}; its columns are: {}",
                    self.name,
                    connector_core::error::quote_input(name),
                    self.column_names()
                ))
                .with_attempts(0)
            })?;
            let value = column.kind.accept(value).ok_or_else(|| {
                connector_core::Error::invalid_input(format!(
                    "column {} of table {} is {}: it takes {}, not {}",
                    column.name,
                    self.name,
                    column.kind.as_str(),
                    column.kind.expected(),
                    kind_of(value)
                ))
                .with_attempts(0)
            })?;
            kept.insert(name.clone(), value);
        }
        Ok(kept)
    }
}

/// The tables of a flows folder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    pub(super) tables: Vec<TableDef>,
}

impl Tables {
    /// Tables from definitions (sorted by name).
    pub fn new(mut tables: Vec<TableDef>) -> Tables {
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Tables { tables }
    }

    /// Every table, by name.
    pub fn all(&self) -> &[TableDef] {
        &self.tables
    }

    /// A table by name.
    pub fn get(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// True when no table is declared.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// What a value is, in words, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn is_name(text: &str, extra: char) -> bool {
    !text.is_empty()
        && text.len() <= MAX_NAME_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == extra)
}

/// A table name: `[a-z0-9-]+`, at most [`MAX_NAME_LEN`] characters.
pub fn is_table_name(text: &str) -> bool {
    is_name(text, '-')
}

/// A column name: `[a-z0-9_]+` not starting with `_`, at most [`MAX_NAME_LEN`] characters.
pub fn is_column_name(text: &str) -> bool {
    is_name(text, '_') && !text.starts_with('_')
}
