//! Applying `tables.yaml` to the store: each table's own SQL table (`_tbl_<name>`), one
//! typed column per declared column (`c_<name>`) with an index, a unique index on the
//! key. Additions are applied; removing or retyping a column of a table that has rows, or
//! removing a table that has rows, is refused with every such change named, and nothing is
//! applied. All in one transaction (on Postgres under an advisory lock, so that replicas
//! starting together apply one after the other).

use sha2::{Digest, Sha256};

use super::tx::{Arg, Tx};
use crate::tables::{ColumnType, TableDef, Tables};

/// The SQL name of a table's rows (table names are `[a-z0-9-]+`: no `_`, so replacing
/// `-` keeps them apart).
pub(crate) fn table_ident(name: &str) -> String {
    format!("\"_tbl_{}\"", name.replace('-', "_"))
}

/// The SQL name of a column's typed copy.
pub(crate) fn column_ident(name: &str) -> String {
    format!("\"c_{name}\"")
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn index_ident(table: &str, column: &str) -> String {
    format!("\"_tix_{}\"", short_hash(&format!("{table}/{column}")))
}

fn key_ident(table: &str) -> String {
    format!("\"_tkey_{}\"", short_hash(table))
}

fn sql_type(kind: ColumnType, postgres: bool) -> Option<&'static str> {
    Some(match (kind, postgres) {
        (ColumnType::Json, _) => return None,
        // Text compares byte by byte on both backends (SQLite's BINARY), so that `lt` and
        // `orderBy` agree whichever store holds the rows.
        (ColumnType::Text | ColumnType::Datetime, true) => "TEXT COLLATE \"C\"",
        (ColumnType::Text | ColumnType::Datetime, false) => "TEXT",
        (ColumnType::Number, true) => "DOUBLE PRECISION",
        (ColumnType::Number, false) => "REAL",
        (ColumnType::Boolean, _) => "BIGINT",
    })
}

/// Why `tables.yaml` cannot be applied: each change refused, naming table and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TablesError {
    /// Changes that would lose rows.
    #[error("tables.yaml changes tables that hold rows: {}", .0.join("; "))]
    Refused(Vec<String>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<sqlx::Error> for TablesError {
    fn from(e: sqlx::Error) -> TablesError {
        TablesError::Store(e.into())
    }
}

/// What applying changed, for the start-up log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// Tables created.
    pub created: Vec<String>,
    /// `table.column` added.
    pub added: Vec<String>,
    /// Empty tables rebuilt (a column removed or retyped) or dropped.
    pub rebuilt: Vec<String>,
    /// Empty tables dropped (no longer declared).
    pub dropped: Vec<String>,
}

async fn create(tx: &mut Tx, table: &TableDef) -> Result<(), sqlx::Error> {
    let pg = tx.postgres();
    let ident = table_ident(&table.name);
    let seq = if pg {
        "seq BIGSERIAL PRIMARY KEY"
    } else {
        "seq INTEGER PRIMARY KEY"
    };
    let mut columns = vec![
        seq.to_owned(),
        "row_id TEXT NOT NULL UNIQUE".to_owned(),
        "data TEXT NOT NULL".to_owned(),
        "created_ms BIGINT NOT NULL".to_owned(),
        "updated_ms BIGINT NOT NULL".to_owned(),
    ];
    for column in &table.columns {
        if let Some(kind) = sql_type(column.kind, pg) {
            columns.push(format!("{} {kind}", column_ident(&column.name)));
        }
    }
    tx.execute(
        &format!(
            "CREATE TABLE IF NOT EXISTS {ident} ({})",
            columns.join(", ")
        ),
        &[],
    )
    .await?;
    for column in &table.columns {
        index(tx, table, column.kind, &column.name).await?;
    }
    Ok(())
}

async fn index(
    tx: &mut Tx,
    table: &TableDef,
    kind: ColumnType,
    column: &str,
) -> Result<(), sqlx::Error> {
    if kind == ColumnType::Json {
        return Ok(());
    }
    tx.execute(
        &format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            index_ident(&table.name, column),
            table_ident(&table.name),
            column_ident(column)
        ),
        &[],
    )
    .await
    .map(|_| ())
}

/// Makes `key` (if any) the table's unique key: `false` when its values repeat.
async fn set_key(tx: &mut Tx, table: &TableDef) -> Result<bool, sqlx::Error> {
    let name = key_ident(&table.name);
    tx.execute(&format!("DROP INDEX IF EXISTS {name}"), &[])
        .await?;
    let Some(key) = &table.key else {
        return Ok(true);
    };
    let ident = table_ident(&table.name);
    let column = column_ident(key);
    let repeats = tx
        .number(
            &format!(
                "SELECT COUNT(*) FROM (SELECT {column} FROM {ident} WHERE {column} IS NOT NULL \
                 GROUP BY {column} HAVING COUNT(*) > 1) AS repeated"
            ),
            &[],
        )
        .await?;
    if repeats > 0 {
        return Ok(false);
    }
    tx.execute(
        &format!("CREATE UNIQUE INDEX {name} ON {ident} ({column})"),
        &[],
    )
    .await?;
    Ok(true)
}

async fn row_count(tx: &mut Tx, name: &str) -> Result<i64, sqlx::Error> {
    tx.number(&format!("SELECT COUNT(*) FROM {}", table_ident(name)), &[])
        .await
}

async fn record(tx: &mut Tx, table: &TableDef, now: i64) -> Result<(), sqlx::Error> {
    let text = serde_json::to_string(table).unwrap_or_default();
    tx.execute(
        "INSERT INTO table_defs (name, definition, updated_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_ms = excluded.updated_ms",
        &[Arg::Text(Some(table.name.clone())), Arg::Text(Some(text)), Arg::Int(Some(now))],
    )
    .await
    .map(|_| ())
}

/// The definitions the store holds, by name.
pub(crate) async fn stored(tx: &mut Tx) -> Result<Vec<TableDef>, sqlx::Error> {
    let rows = tx
        .pairs("SELECT name, definition FROM table_defs ORDER BY name", &[])
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(_, text)| serde_json::from_str(&text).ok())
        .collect())
}

/// Applies `tables` in `tx` (which the caller commits when this answers `Ok`).
pub(crate) async fn apply(tx: &mut Tx, tables: &Tables, now: i64) -> Result<Applied, TablesError> {
    if tx.postgres() {
        // One applier at a time across replicas (released with the transaction).
        tx.execute("SELECT pg_advisory_xact_lock(7007)", &[])
            .await?;
    }
    let before = stored(tx).await?;
    let mut refused = Vec::new();
    let mut applied = Applied::default();
    for table in tables.all() {
        let Some(old) = before.iter().find(|t| t.name == table.name) else {
            create(tx, table).await?;
            applied.created.push(table.name.clone());
            if !set_key(tx, table).await? {
                refused.push(format!(
                    "table {}: key {} repeats",
                    table.name,
                    table.key.as_deref().unwrap_or("")
                ));
            }
            record(tx, table, now).await?;
            continue;
        };
        if old == table {
            continue;
        }
        let mut losing = Vec::new();
        for column in &old.columns {
            match table.column(&column.name) {
                None => losing.push(format!(
                    "table {}: column {} is removed",
                    table.name, column.name
                )),
                Some(now_column) if now_column.kind != column.kind => losing.push(format!(
                    "table {}: column {} is retyped from {} to {}",
                    table.name,
                    column.name,
                    column.kind.as_str(),
                    now_column.kind.as_str()
                )),
                Some(_) => {}
            }
        }
        if !losing.is_empty() {
            let rows = row_count(tx, &table.name).await?;
            if rows > 0 {
                refused.extend(
                    losing
                        .into_iter()
                        .map(|l| format!("{l}, and it holds {rows} rows")),
                );
                continue;
            }
            // An empty table is simply made again in its new shape.
            tx.execute(&format!("DROP TABLE {}", table_ident(&table.name)), &[])
                .await?;
            create(tx, table).await?;
            applied.rebuilt.push(table.name.clone());
        } else {
            for column in &table.columns {
                if old.column(&column.name).is_some() {
                    continue;
                }
                if let Some(kind) = sql_type(column.kind, tx.postgres()) {
                    tx.execute(
                        &format!(
                            "ALTER TABLE {} ADD COLUMN {} {kind}",
                            table_ident(&table.name),
                            column_ident(&column.name)
                        ),
                        &[],
                    )
                    .await?;
                    index(tx, table, column.kind, &column.name).await?;
                }
                applied
                    .added
                    .push(format!("{}.{}", table.name, column.name));
            }
        }
        if !set_key(tx, table).await? {
            refused.push(format!(
                "table {}: column {} cannot be the key, its values repeat",
                table.name,
                table.key.as_deref().unwrap_or("")
            ));
        }
        record(tx, table, now).await?;
    }
    if !tables.is_empty() {
        for old in &before {
            if tables.get(&old.name).is_some() {
                continue;
            }
            let rows = row_count(tx, &old.name).await?;
            if rows > 0 {
                refused.push(format!(
                    "table {} is removed, and it holds {rows} rows",
                    old.name
                ));
                continue;
            }
            tx.execute(&format!("DROP TABLE {}", table_ident(&old.name)), &[])
                .await?;
            tx.execute(
                "DELETE FROM table_defs WHERE name = $1",
                &[Arg::Text(Some(old.name.clone()))],
            )
            .await?;
            applied.dropped.push(old.name.clone());
        }
    }
    if refused.is_empty() {
        Ok(applied)
    } else {
        Err(TablesError::Refused(refused))
    }
}
