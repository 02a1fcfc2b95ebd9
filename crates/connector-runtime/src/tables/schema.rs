//! What `tables.yaml` declares: tables, their typed columns and optional unique key, read
//! with the place of every part so that each mistake names its `file:line:col`; and the
//! check of a row against its table (unknown column, wrong type: `invalid_input` naming
//! the column and the type it takes).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::flows::{Diagnostic, Located, Pos, parse};

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
    tables: Vec<TableDef>,
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

struct Reader<'a> {
    file: &'a str,
    doc: &'a Located,
    errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn at(&mut self, pos: Pos, message: String) {
        self.errors.push(Diagnostic {
            file: self.file.to_owned(),
            pos,
            message,
        });
    }

    fn at_value(&mut self, pointer: &str, message: String) {
        let pos = self.doc.value_pos(pointer);
        self.at(pos, message);
    }

    fn at_key(&mut self, pointer: &str, message: String) {
        let pos = self.doc.key_pos(pointer);
        self.at(pos, message);
    }

    fn table(&mut self, name: &str, body: &Value) -> Option<TableDef> {
        let at = format!("/tables/{name}");
        if !is_table_name(name) {
            self.at_key(
                &at,
                format!(
                    "table name {name:?} must be [a-z0-9-]+, at most {MAX_NAME_LEN} characters"
                ),
            );
        }
        let Some(body) = body.as_object() else {
            self.at_value(
                &at,
                format!("table {name} is `{{columns: {{name: type}}, key: column}}`"),
            );
            return None;
        };
        for key in body
            .keys()
            .filter(|k| !matches!(k.as_str(), "columns" | "key"))
        {
            self.at_key(
                &format!("{at}/{key}"),
                format!("unknown key {key:?} (a table has columns and key)"),
            );
        }
        let Some(columns) = body.get("columns").and_then(Value::as_object) else {
            self.at_value(&at, format!("table {name} needs `columns: {{name: type}}`"));
            return None;
        };
        if columns.len() > MAX_COLUMNS {
            self.at_value(
                &format!("{at}/columns"),
                format!("table {name} has over {MAX_COLUMNS} columns"),
            );
        }
        let mut found = Vec::new();
        for (column, kind) in columns {
            let place = format!("{at}/columns/{column}");
            if !is_column_name(column) {
                self.at_key(
                    &place,
                    format!("column name {column:?} must be [a-z0-9_]+, not starting with _, at most {MAX_NAME_LEN} characters"),
                );
            }
            match kind.as_str().and_then(ColumnType::named) {
                Some(kind) => found.push((
                    self.doc.key_pos(&place),
                    Column {
                        name: column.clone(),
                        kind,
                    },
                )),
                None => self.at_value(
                    &place,
                    format!(
                        "column {column} of table {name}: the type must be one of {}",
                        COLUMN_TYPES.join(", ")
                    ),
                ),
            }
        }
        // The file's order (the JSON map sorts its keys): where each key stands.
        found.sort_by_key(|(pos, _)| *pos);
        let columns: Vec<Column> = found.into_iter().map(|(_, c)| c).collect();
        let key = match body.get("key") {
            None | Some(Value::Null) => None,
            Some(Value::String(key)) => match columns.iter().find(|c| &c.name == key) {
                Some(c) if c.kind == ColumnType::Json => {
                    self.at_value(
                        &format!("{at}/key"),
                        format!("the key of table {name} cannot be the json column {key}"),
                    );
                    None
                }
                Some(_) => Some(key.clone()),
                None => {
                    self.at_value(
                        &format!("{at}/key"),
                        format!("the key of table {name} is not one of its columns ({key:?})"),
                    );
                    None
                }
            },
            Some(_) => {
                self.at_value(&format!("{at}/key"), "key is a column name".into());
                None
            }
        };
        Some(TableDef {
            name: name.to_owned(),
            columns,
            key,
        })
    }
}

/// Reads a `tables.yaml` text: the tables, or every mistake at its `file:line:col`.
pub fn parse_tables(file: &str, text: &str) -> Result<Tables, Vec<Diagnostic>> {
    let doc = parse(text).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Diagnostic {
                file: file.to_owned(),
                pos: e.pos,
                message: e.message,
            })
            .collect::<Vec<_>>()
    })?;
    let mut reader = Reader {
        file,
        doc: &doc,
        errors: Vec::new(),
    };
    let mut tables = Vec::new();
    match &doc.value {
        Value::Null => {}
        Value::Object(top) => {
            for key in top.keys().filter(|k| *k != "tables") {
                reader.at_key(
                    &format!("/{key}"),
                    format!("unknown key {key:?} (the file holds `tables:`)"),
                );
            }
            match top.get("tables") {
                None | Some(Value::Null) => {}
                Some(Value::Object(map)) => {
                    if map.len() > MAX_TABLES {
                        reader.at_value("/tables", format!("over {MAX_TABLES} tables"));
                    }
                    for (name, body) in map {
                        if let Some(table) = reader.table(name, body) {
                            tables.push(table);
                        }
                    }
                }
                Some(_) => reader.at_value(
                    "/tables",
                    "tables is a map of table names to `{columns, key}`".into(),
                ),
            }
        }
        _ => reader.at_value("", "the file holds `tables:`, a map of table names".into()),
    }
    if reader.errors.is_empty() {
        Ok(Tables::new(tables))
    } else {
        let mut errors = reader.errors;
        errors.sort();
        Err(errors)
    }
}

/// The tables of the folders `paths` (a file's folder for a file): each folder's
/// `tables.yaml`, read as flow files are (a regular file, bounded). A table declared
/// twice is an error naming both files.
pub fn load_tables(paths: &[std::path::PathBuf]) -> Result<Tables, Vec<Diagnostic>> {
    let mut folders: Vec<std::path::PathBuf> = Vec::new();
    for path in paths {
        let folder = if path.is_dir() {
            path.clone()
        } else {
            match path.parent() {
                Some(p) if p.as_os_str().is_empty() => std::path::PathBuf::from("."),
                Some(p) => p.to_owned(),
                None => continue,
            }
        };
        let canonical = folder.canonicalize().unwrap_or(folder);
        if !folders.contains(&canonical) {
            folders.push(canonical);
        }
    }
    let mut errors = Vec::new();
    let mut found: Vec<(TableDef, String)> = Vec::new();
    for folder in folders {
        let file = folder.join(TABLES_FILE);
        if !file.exists() {
            continue;
        }
        let name = file.display().to_string();
        let text = match crate::flows::read_flow_file(&file) {
            Ok(text) => text,
            Err(why) => {
                errors.push(Diagnostic {
                    file: name,
                    pos: Pos::default(),
                    message: why,
                });
                continue;
            }
        };
        match parse_tables(&name, &text) {
            Ok(tables) => {
                for table in tables.tables {
                    if let Some((_, first)) = found.iter().find(|(t, _)| t.name == table.name) {
                        errors.push(Diagnostic {
                            file: name.clone(),
                            pos: Pos { line: 1, col: 1 },
                            message: format!("table {} is already declared in {first}", table.name),
                        });
                    } else {
                        found.push((table, name.clone()));
                    }
                }
            }
            Err(mut more) => errors.append(&mut more),
        }
    }
    if errors.is_empty() {
        Ok(Tables::new(found.into_iter().map(|(t, _)| t).collect()))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_the_files_order_and_mistakes_name_their_place() {
        let text = "tables:\n  temporary-groups:\n    columns: { group_name: text, duration_minutes: number, active: boolean }\n    key: group_name\n";
        let tables = parse_tables("tables.yaml", text).unwrap();
        let t = tables.get("temporary-groups").unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["group_name", "duration_minutes", "active"]);
        assert_eq!(t.key.as_deref(), Some("group_name"));

        let bad = "tables:\n  Bad_Name:\n    columns:\n      ok: text\n      when: date\n      _hidden: text\n    key: nope\n";
        let errors = parse_tables("tables.yaml", bad).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{text:#?}");
        assert!(
            text[0].starts_with("tables.yaml:2:3: table name \"Bad_Name\""),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.starts_with("tables.yaml:5:13: column when")
                    && e.contains("text, number")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.starts_with("tables.yaml:6:7: column name \"_hidden\"")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.starts_with("tables.yaml:7:10: the key of table Bad_Name")),
            "{text:#?}"
        );
    }

    #[test]
    fn a_row_is_checked_column_by_column() {
        let t = TableDef::new(
            "t",
            &[
                ("n", ColumnType::Number),
                ("at", ColumnType::Datetime),
                ("x", ColumnType::Json),
            ],
            None,
        );
        let row = serde_json::json!({"n": 1, "at": "2026-01-31T10:00:00+01:00", "x": [1], "_id": "kept out"});
        let kept = t.check_row(row.as_object().unwrap()).unwrap();
        assert_eq!(kept["at"], "2026-01-31T09:00:00.000Z");
        assert!(!kept.contains_key("_id"));
        let wrong = t
            .check_row(serde_json::json!({"n": "one"}).as_object().unwrap())
            .unwrap_err();
        assert_eq!(wrong.kind(), connector_core::ErrorKind::InvalidInput);
        assert!(
            wrong.message().contains("column n of table t is number"),
            "{wrong}"
        );
        let unknown = t
            .check_row(serde_json::json!({"m": 1}).as_object().unwrap())
            .unwrap_err();
        assert!(unknown.message().contains("no column \"m\""), "{unknown}");
        let date = t
            .check_row(serde_json::json!({"at": "tomorrow"}).as_object().unwrap())
            .unwrap_err();
        assert!(date.message().contains("RFC 3339"), "{date}");
    }
}
