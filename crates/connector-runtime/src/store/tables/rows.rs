//! The seven table actions inside one transaction: the table's definition read in the same
//! transaction, the row checked against it, the row's JSON and its typed columns written
//! together. A duplicate key is `conflict`, a row or table that is not there `not_found`,
//! a row that does not fit `invalid_input` naming the column and the type.

use connector_core::{Error, ErrorKind};
use serde_json::{Map, Value};

use super::ddl::{column_ident, table_ident};
use super::filter;
use super::tx::{Arg, StoredRow, Tx};
use crate::tables::op::{DEFAULT_LIMIT, Deleted, Found, MAX_LIMIT, TableOp, Upserted};
use crate::tables::{ColumnType, TableDef};
use crate::time::rfc3339;

/// A store failure in the middle of an action: `unavailable` (tried again), but a
/// duplicate key, which is `conflict`.
pub(crate) fn store_error(e: sqlx::Error, def: Option<&TableDef>) -> Error {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let key = def.and_then(|d| d.key.as_deref()).unwrap_or("key");
        return Error::new(
            ErrorKind::Conflict,
            format!(
                "table {} already has a row with this {key}",
                def.map_or("", |d| d.name.as_str())
            ),
        )
        .with_attempts(1);
    }
    Error::new(ErrorKind::Unavailable, format!("store: {e}"))
}

/// The table's definition as the store holds it (`not_found` naming the tables there).
pub(crate) async fn definition(tx: &mut Tx, name: &str) -> Result<TableDef, Error> {
    let found = tx
        .pairs(
            "SELECT name, definition FROM table_defs WHERE name = $1",
            &[Arg::Text(Some(name.to_owned()))],
        )
        .await
        .map_err(|e| store_error(e, None))?;
    if let Some((_, text)) = found.first() {
        return serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::InvalidResponse, format!("table {name}: {e}")));
    }
    let names = tx
        .pairs("SELECT name, name FROM table_defs ORDER BY name", &[])
        .await
        .map_err(|e| store_error(e, None))?;
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "no table {} in the store ({}); tables come from tables.yaml, applied by `connector serve` or `connector flow run`",
            connector_core::error::quote_input(name),
            if names.is_empty() {
                "it has none".to_owned()
            } else {
                format!("it has {}", names.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "))
            }
        ),
    )
    .with_attempts(0))
}

/// The row as cards answer it: every column (a missing one `null`), `_id`, `_createdAt`,
/// `_updatedAt`.
pub(crate) fn shown(def: &TableDef, row: &StoredRow) -> Map<String, Value> {
    let (id, data, created, updated) = row;
    let stored: Map<String, Value> = serde_json::from_str(data).unwrap_or_default();
    let mut out = Map::new();
    for column in &def.columns {
        out.insert(
            column.name.clone(),
            stored.get(&column.name).cloned().unwrap_or(Value::Null),
        );
    }
    out.insert("_id".into(), Value::String(id.clone()));
    out.insert("_createdAt".into(), Value::String(rfc3339(*created)));
    out.insert("_updatedAt".into(), Value::String(rfc3339(*updated)));
    out
}

fn typed(kind: ColumnType, value: Option<&Value>) -> Option<Arg> {
    let value = value.filter(|v| !v.is_null());
    Some(match kind {
        ColumnType::Json => return None,
        ColumnType::Text | ColumnType::Datetime => {
            Arg::Text(value.and_then(Value::as_str).map(str::to_owned))
        }
        ColumnType::Number => Arg::Real(value.and_then(Value::as_f64)),
        ColumnType::Boolean => Arg::Int(value.and_then(Value::as_bool).map(i64::from)),
    })
}

fn typed_columns(def: &TableDef, row: &Map<String, Value>) -> (Vec<String>, Vec<Arg>) {
    let mut names = Vec::new();
    let mut args = Vec::new();
    for column in &def.columns {
        if let Some(arg) = typed(column.kind, row.get(&column.name)) {
            names.push(column_ident(&column.name));
            args.push(arg);
        }
    }
    (names, args)
}

const SELECT: &str = "SELECT row_id, data, created_ms, updated_ms FROM ";

async fn insert(
    tx: &mut Tx,
    def: &TableDef,
    row: Map<String, Value>,
    now: i64,
    on_conflict: &str,
) -> Result<Option<StoredRow>, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let data = Value::Object(row.clone()).to_string();
    let (names, typed) = typed_columns(def, &row);
    let mut args = vec![
        Arg::Text(Some(id.clone())),
        Arg::Text(Some(data.clone())),
        Arg::Int(Some(now)),
        Arg::Int(Some(now)),
    ];
    args.extend(typed);
    let places: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
    let mut columns = vec![
        "row_id".to_owned(),
        "data".into(),
        "created_ms".into(),
        "updated_ms".into(),
    ];
    columns.extend(names);
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}){on_conflict}",
        table_ident(&def.name),
        columns.join(", "),
        places.join(", ")
    );
    let n = tx
        .execute(&sql, &args)
        .await
        .map_err(|e| store_error(e, Some(def)))?;
    Ok((n == 1).then_some((id, data, now, now)))
}

async fn update(
    tx: &mut Tx,
    def: &TableDef,
    id: &str,
    row: &Map<String, Value>,
    now: i64,
) -> Result<(), Error> {
    let data = Value::Object(row.clone()).to_string();
    let (names, typed) = typed_columns(def, row);
    let mut args = vec![Arg::Text(Some(data)), Arg::Int(Some(now))];
    let mut sets = vec!["data = $1".to_owned(), "updated_ms = $2".to_owned()];
    for (name, arg) in names.into_iter().zip(typed) {
        args.push(arg);
        sets.push(format!("{name} = ${}", args.len()));
    }
    args.push(Arg::Text(Some(id.to_owned())));
    let sql = format!(
        "UPDATE {} SET {} WHERE row_id = ${}",
        table_ident(&def.name),
        sets.join(", "),
        args.len()
    );
    tx.execute(&sql, &args)
        .await
        .map_err(|e| store_error(e, Some(def)))?;
    Ok(())
}

async fn by(
    tx: &mut Tx,
    def: &TableDef,
    column: &str,
    arg: Arg,
) -> Result<Option<StoredRow>, Error> {
    let lock = if tx.postgres() { " FOR UPDATE" } else { "" };
    let sql = format!(
        "{SELECT}{} WHERE {column} = $1{lock}",
        table_ident(&def.name)
    );
    let rows = tx
        .rows(&sql, &[arg])
        .await
        .map_err(|e| store_error(e, Some(def)))?;
    Ok(rows.into_iter().next())
}

fn no_row(def: &TableDef, id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "table {} has no row {}",
            def.name,
            connector_core::error::quote_input(id)
        ),
    )
    .with_attempts(1)
}

fn merged(def: &TableDef, row: &StoredRow, changes: Map<String, Value>) -> Map<String, Value> {
    let mut data: Map<String, Value> = serde_json::from_str(&row.1).unwrap_or_default();
    // Columns no longer declared are not kept.
    data.retain(|k, _| def.column(k).is_some());
    data.extend(changes);
    data
}

fn to_value<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Applies `op` in `tx`: its output, or why it was refused (the caller rolls back).
pub(crate) async fn apply(tx: &mut Tx, op: &TableOp, now: i64) -> Result<Value, Error> {
    let def = definition(tx, op.table()).await?;
    let table = table_ident(&def.name);
    match op {
        TableOp::Create(input) => {
            let row = def.check_row(&input.row)?;
            let stored = insert(tx, &def, row, now, "")
                .await?
                .ok_or_else(|| Error::new(ErrorKind::Unavailable, "the row was not written"))?;
            Ok(Value::Object(shown(&def, &stored)))
        }
        TableOp::Upsert(input) => {
            let Some(key) = def.key.clone() else {
                return Err(Error::invalid_input(format!(
                    "table {} has no key: upsert-row needs one (`key:` in tables.yaml); use create-row",
                    def.name
                ))
                .with_attempts(0));
            };
            let row = def.check_row(&input.row)?;
            let Some(value) = row.get(&key).filter(|v| !v.is_null()).cloned() else {
                return Err(Error::invalid_input(format!(
                    "upsert-row on table {} needs the key column {key} in the row",
                    def.name
                ))
                .with_attempts(0));
            };
            let kind = def.column(&key).map_or(ColumnType::Text, |c| c.kind);
            let key_arg = typed(kind, Some(&value)).unwrap_or(Arg::Text(None));
            let key_sql = column_ident(&key);
            let existing = by(tx, &def, &key_sql, key_arg.clone()).await?;
            let existing = match existing {
                Some(found) => Some(found),
                None => {
                    // Another writer may insert the same key meanwhile: then update theirs.
                    let conflict = format!(" ON CONFLICT ({key_sql}) DO NOTHING");
                    match insert(tx, &def, row.clone(), now, &conflict).await? {
                        Some(stored) => {
                            return Ok(to_value(Upserted {
                                row: shown(&def, &stored),
                                created: true,
                            }));
                        }
                        None => by(tx, &def, &key_sql, key_arg).await?,
                    }
                }
            };
            let existing =
                existing.ok_or_else(|| Error::new(ErrorKind::Unavailable, "the row vanished"))?;
            let data = merged(&def, &existing, row);
            update(tx, &def, &existing.0, &data, now).await?;
            let stored = (
                existing.0.clone(),
                Value::Object(data).to_string(),
                existing.2,
                now,
            );
            Ok(to_value(Upserted {
                row: shown(&def, &stored),
                created: false,
            }))
        }
        TableOp::Read(input) => {
            let found = by(tx, &def, "row_id", Arg::Text(Some(input.id.clone()))).await?;
            let stored = found.ok_or_else(|| no_row(&def, &input.id))?;
            Ok(Value::Object(shown(&def, &stored)))
        }
        TableOp::Search(input) => {
            let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
            if limit == 0 || limit > MAX_LIMIT {
                return Err(Error::invalid_input(format!(
                    "limit is 1 to {MAX_LIMIT} (got {limit})"
                ))
                .with_attempts(0));
            }
            let offset: i64 = match &input.cursor {
                None => 0,
                Some(c) => c.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    Error::invalid_input(format!(
                        "cursor {} is not one a page gave",
                        connector_core::error::quote_input(c)
                    ))
                    .with_attempts(0)
                })?,
            };
            let mut args = Vec::new();
            let filter = filter::compile(&def, input.filter.as_ref(), tx.postgres(), &mut args)?;
            let order = filter::order(&def, input.order_by.as_deref())?;
            let count = tx
                .number(&format!("SELECT COUNT(*) FROM {table}{filter}"), &args)
                .await
                .map_err(|e| store_error(e, Some(&def)))?;
            let page = tx
                .rows(
                    &format!("{SELECT}{table}{filter}{order} LIMIT {limit} OFFSET {offset}"),
                    &args,
                )
                .await
                .map_err(|e| store_error(e, Some(&def)))?;
            let end = offset + i64::try_from(page.len()).unwrap_or(0);
            Ok(to_value(Found {
                rows: page.iter().map(|r| shown(&def, r)).collect(),
                count: u64::try_from(count).unwrap_or(0),
                next_cursor: (end < count).then(|| end.to_string()),
            }))
        }
        TableOp::Update(input) => {
            let changes = def.check_row(&input.set)?;
            let found = by(tx, &def, "row_id", Arg::Text(Some(input.id.clone()))).await?;
            let existing = found.ok_or_else(|| no_row(&def, &input.id))?;
            let data = merged(&def, &existing, changes);
            update(tx, &def, &existing.0, &data, now).await?;
            let stored = (
                existing.0.clone(),
                Value::Object(data).to_string(),
                existing.2,
                now,
            );
            Ok(Value::Object(shown(&def, &stored)))
        }
        TableOp::Delete(input) => {
            let mut args = Vec::new();
            let condition = match (&input.id, &input.filter) {
                (Some(id), None) => {
                    args.push(Arg::Text(Some(id.clone())));
                    " WHERE row_id = $1".to_owned()
                }
                (None, Some(filter)) if !filter.is_empty() => {
                    filter::compile(&def, Some(filter), tx.postgres(), &mut args)?
                }
                (None, Some(_)) => {
                    return Err(Error::invalid_input(
                        "delete-rows with an empty where would delete every row: use clear-table for that",
                    )
                    .with_attempts(0));
                }
                _ => {
                    return Err(Error::invalid_input(
                        "delete-rows takes id or where (one of them)",
                    )
                    .with_attempts(0));
                }
            };
            let deleted = tx
                .execute(&format!("DELETE FROM {table}{condition}"), &args)
                .await
                .map_err(|e| store_error(e, Some(&def)))?;
            Ok(to_value(Deleted { deleted }))
        }
        TableOp::Clear(_) => {
            let deleted = tx
                .execute(&format!("DELETE FROM {table}"), &[])
                .await
                .map_err(|e| store_error(e, Some(&def)))?;
            Ok(to_value(Deleted { deleted }))
        }
    }
}
