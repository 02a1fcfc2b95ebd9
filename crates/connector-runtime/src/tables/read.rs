//! Reading `tables.yaml`: the file's tables and columns, each mistake at its
//! `file:line:col` (every mistake of the file, never the first one only).

use serde_json::Value;

use super::schema::*;
use crate::flows::{Diagnostic, Located, Pos, parse};

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
