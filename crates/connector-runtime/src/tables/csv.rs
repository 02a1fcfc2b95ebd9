//! Tables as CSV (`connector table import|export`): a header line of column names (line 1;
//! an export ends with `_id`, `_createdAt`, `_updatedAt`, which an import passes over),
//! `true`/`false`, numbers as written, `json` columns as JSON text, datetimes in RFC 3339;
//! an empty field is `null` and `""` an empty text.
//!
//! Records are read by the `csv` crate. It does not say whether an empty field was quoted,
//! which is the difference between `null` and an empty text, so each record's own bytes
//! are scanned for that (`quoted_empty`). Writing is done here for the same reason: the
//! crate quotes an empty field only when it stands alone, and an empty text must always be
//! written `""`.

use serde_json::{Map, Value};

use super::schema::{ColumnType, SYSTEM_FIELDS, TableDef};
use crate::store::ImportError;

/// A row of a CSV file with its line (1-based; the header is line 1).
pub type Line = (usize, Map<String, Value>);

/// The largest CSV file an import reads.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// The most rows one import adds.
pub const MAX_IMPORT_ROWS: usize = 1_000_000;

fn refused(line: usize, message: String) -> ImportError {
    ImportError { line, message }
}

/// For each field of one record's raw bytes: whether it is exactly `""`.
fn quoted_empty(raw: &[u8]) -> Vec<bool> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        if raw.get(i) == Some(&b'"') {
            // A quoted field: up to the quote that is not doubled.
            let start = i;
            i += 1;
            while i < raw.len() {
                if raw[i] == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            fields.push(i == start + 1);
            i += 1;
        } else {
            fields.push(false);
        }
        while i < raw.len() && !matches!(raw[i], b',' | b'\n' | b'\r') {
            i += 1;
        }
        if raw.get(i) != Some(&b',') {
            return fields;
        }
        i += 1;
    }
}

fn value_of(kind: ColumnType, field: &str, quoted: bool) -> Result<Value, String> {
    if field.is_empty() {
        return Ok(if quoted && kind == ColumnType::Text {
            Value::String(String::new())
        } else {
            Value::Null
        });
    }
    match kind {
        ColumnType::Text | ColumnType::Datetime => Ok(Value::String(field.to_owned())),
        ColumnType::Number => match serde_json::from_str::<Value>(field.trim()) {
            Ok(n @ Value::Number(_)) => Ok(n),
            _ => Err(format!("{:?} is not a number", field)),
        },
        ColumnType::Boolean => match field.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{:?} is not true or false", field)),
        },
        ColumnType::Json => serde_json::from_str(field).map_err(|e| format!("not JSON text: {e}")),
    }
}

/// The rows of a CSV text for `table`, each with its line; the first mistake names its
/// line and column.
pub fn rows_from_csv(def: &TableDef, text: &[u8]) -> Result<Vec<Line>, ImportError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(refused(
            0,
            format!("the file is over {MAX_IMPORT_BYTES} bytes"),
        ));
    }
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(text);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(refused(
                1,
                "the file is empty: line 1 names the columns".into(),
            ));
        }
        Some(Err(e)) => return Err(refused(1, e.to_string())),
        Some(Ok(header)) => header,
    };
    let mut columns: Vec<Option<(String, ColumnType)>> = Vec::new();
    for name in &header {
        let name = name.trim();
        if SYSTEM_FIELDS.contains(&name) {
            columns.push(None);
            continue;
        }
        let column = def.column(name).ok_or_else(|| {
            refused(
                1,
                format!(
                    "column {}: table {} has no such column (its columns are: {})",
                    connector_core::error::quote_input(name),
                    def.name,
                    def.column_names()
                ),
            )
        })?;
        if columns.iter().flatten().any(|(n, _)| n == name) {
            return Err(refused(1, format!("column {name} is named twice")));
        }
        columns.push(Some((column.name.clone(), column.kind)));
    }
    let mut rows = Vec::new();
    let mut pending: Option<(usize, usize, csv::StringRecord)> = None;
    let finish = |start: usize,
                  end: usize,
                  line: usize,
                  record: csv::StringRecord,
                  rows: &mut Vec<_>|
     -> Result<(), ImportError> {
        let quoted = quoted_empty(&text[start.min(text.len())..end.min(text.len())]);
        let mut row = Map::new();
        for (i, field) in record.iter().enumerate() {
            let Some(Some((name, kind))) = columns.get(i) else {
                continue;
            };
            let value = value_of(*kind, field, quoted.get(i).copied().unwrap_or(false))
                .map_err(|why| refused(line, format!("column {name}: {why}")))?;
            row.insert(name.clone(), value);
        }
        rows.push((line, row));
        Ok(())
    };
    for record in records {
        let record = record.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            refused(line, e.to_string())
        })?;
        let position = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        let start = usize::try_from(position.byte()).unwrap_or(0);
        let line = usize::try_from(position.line()).unwrap_or(0);
        if let Some((s, l, r)) = pending.take() {
            finish(s, start, l, r, &mut rows)?;
        }
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(refused(
                line,
                format!("an import adds at most {MAX_IMPORT_ROWS} rows"),
            ));
        }
        pending = Some((start, line, record));
    }
    if let Some((s, l, r)) = pending.take() {
        finish(s, text.len(), l, r, &mut rows)?;
    }
    Ok(rows)
}

fn quote(text: &str) -> String {
    if text.is_empty() || text.contains([',', '"', '\n', '\r']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The header line of an export: the columns, then `_id`, `_createdAt`, `_updatedAt`.
pub fn csv_header(def: &TableDef) -> String {
    let mut names: Vec<String> = def.columns.iter().map(|c| quote(&c.name)).collect();
    names.extend(SYSTEM_FIELDS.iter().map(|s| (*s).to_owned()));
    names.join(",") + "\r\n"
}

/// One row as a CSV line (with its line end).
pub fn csv_line(def: &TableDef, row: &Map<String, Value>) -> String {
    let mut fields = Vec::new();
    for column in &def.columns {
        let field = match (column.kind, row.get(&column.name)) {
            (_, None | Some(Value::Null)) => String::new(),
            (ColumnType::Json, Some(v)) => quote(&v.to_string()),
            (_, Some(Value::String(s))) => quote(s),
            (_, Some(v)) => v.to_string(),
        };
        fields.push(field);
    }
    for system in SYSTEM_FIELDS {
        fields.push(
            row.get(*system)
                .and_then(Value::as_str)
                .map(quote)
                .unwrap_or_default(),
        );
    }
    fields.join(",") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TableDef {
        TableDef::new(
            "t",
            &[
                ("name", ColumnType::Text),
                ("n", ColumnType::Number),
                ("ok", ColumnType::Boolean),
                ("extra", ColumnType::Json),
            ],
            None,
        )
    }

    #[test]
    fn an_empty_field_is_null_and_a_quoted_empty_one_empty_text() {
        let text =
            "name,n,ok,extra\n\"\",1.50,true,\"{\"\"a\"\":[1,2]}\"\n,,,\n\"a,b\",-3,false,null\n";
        let rows = rows_from_csv(&table(), text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1["name"], "");
        assert_eq!(rows[0].1["n"], serde_json::json!(1.5));
        assert_eq!(rows[0].1["extra"], serde_json::json!({"a": [1, 2]}));
        assert_eq!(rows[1].1["name"], Value::Null);
        assert_eq!(rows[2].1["name"], "a,b");
        let line = csv_line(&table(), &rows[0].1);
        assert!(
            line.starts_with("\"\",1.5,true,\"{\"\"a\"\":[1,2]}\""),
            "{line}"
        );
    }

    #[test]
    fn a_bad_value_names_its_line_and_column() {
        let text = "name,n\nann,1\nbob,two\n";
        let e = rows_from_csv(&table(), text.as_bytes()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("column n:"), "{e:?}");
        let e = rows_from_csv(&table(), b"name,nope\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("\"nope\""), "{e:?}");
    }
}
