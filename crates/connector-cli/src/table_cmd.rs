//! `connector table list|show|import|export`: the store's tables, read and written through
//! the runtime (`Store::tables`, `Store::table_action`, `Store::import_rows`, and the CSV
//! rules of `connector_runtime::tables::csv`).

use std::io::Read as _;
use std::process::ExitCode;

use connector_cli::args::{ExportFormat, TableArgs, TableCommand};
use connector_core::{Error, ErrorKind};
use connector_runtime::Store;
use connector_runtime::tables::op::{MAX_LIMIT, SearchRowsInput};
use connector_runtime::tables::{TableDef, TableOp, csv};
use serde_json::{Value, json};

use crate::fail;

fn described(def: &TableDef) -> Value {
    def.described()
}

pub(crate) async fn run(args: TableArgs) -> ExitCode {
    let store = match Store::open_existing(&args.store).await {
        Ok(s) => s,
        Err(e) => {
            return fail(&Error::configuration(format!(
                "cannot open the store {}: {e}",
                connector_runtime::redact_url(&args.store)
            )));
        }
    };
    let code = match args.command {
        TableCommand::List { json } => list(&store, json).await,
        TableCommand::Show {
            name,
            filter,
            limit,
            cursor,
        } => show(&store, &name, filter.as_deref(), limit, cursor).await,
        TableCommand::Import { name, file } => import(&store, &name, &file).await,
        TableCommand::Export { name, format } => export(&store, &name, format).await,
    };
    store.close().await;
    code
}

async fn definition(store: &Store, name: &str) -> Result<TableDef, Error> {
    match store.table(name).await {
        Ok(Some(def)) => Ok(def),
        Ok(None) => Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "no table {} in the store",
                connector_core::error::quote_input(name)
            ),
        )),
        Err(e) => Err(Error::new(ErrorKind::Unavailable, format!("store: {e}"))),
    }
}

async fn list(store: &Store, as_json: bool) -> ExitCode {
    let tables = match store.tables().await {
        Ok(t) => t,
        Err(e) => return fail(&Error::new(ErrorKind::Unavailable, format!("store: {e}"))),
    };
    let mut text = String::new();
    let mut listed = Vec::new();
    for (def, rows) in &tables {
        let mut one = described(def);
        one["rowCount"] = json!(rows);
        listed.push(one);
        text.push_str(&format!(
            "{:<32} {:>9} rows  key {:<16} {}\n",
            def.name,
            rows,
            def.key.as_deref().unwrap_or("-"),
            def.columns
                .iter()
                .map(|c| format!("{}:{}", c.name, c.kind.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    crate::present::Shown::json(json!({ "tables": listed }))
        .with_plain(text)
        .print(as_json)
}

async fn show(
    store: &Store,
    name: &str,
    filter: Option<&str>,
    limit: u32,
    cursor: Option<String>,
) -> ExitCode {
    let def = match definition(store, name).await {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let filter = match filter {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => {
                return fail(&Error::invalid_input(
                    "--where is a JSON object of conditions, as search-rows takes them",
                ));
            }
        },
    };
    let op = TableOp::Search(SearchRowsInput {
        table: name.to_owned(),
        filter,
        order_by: None,
        limit: Some(limit),
        cursor,
    });
    match store.table_action(&op).await {
        Ok(found) => {
            let mut shown = described(&def);
            shown["rows"] = connector_core::pipeline::mask_secrets(&found["rows"]);
            shown["count"] = found["count"].clone();
            shown["nextCursor"] = found["nextCursor"].clone();
            let rows = shown["rows"].clone();
            crate::present::Shown::json(shown)
                .with_table(rows)
                .print(false)
        }
        Err(e) => fail(&e),
    }
}

async fn import(store: &Store, name: &str, file: &std::path::Path) -> ExitCode {
    let def = match definition(store, name).await {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let mut bytes = Vec::new();
    let read = if file.as_os_str() == "-" {
        std::io::stdin()
            .take(csv::MAX_IMPORT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| {
            f.take(csv::MAX_IMPORT_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
        })
    };
    if let Err(e) = read {
        return fail(&Error::invalid_input(format!(
            "cannot read {}: {e}",
            file.display()
        )));
    }
    let where_ = |line: usize| {
        if line == 0 {
            file.display().to_string()
        } else {
            format!("{}:{line}", file.display())
        }
    };
    let rows = match csv::rows_from_csv(&def, &bytes) {
        Ok(rows) => rows,
        Err(e) => {
            return fail(&Error::invalid_input(format!(
                "{}: {}; nothing was imported",
                where_(e.line),
                e.message
            )));
        }
    };
    match store.import_rows(name, rows).await {
        Ok(n) => crate::present::Shown::json(json!({"table": name, "imported": n})).print(false),
        Err(e) => fail(&Error::invalid_input(format!(
            "{}: {}; nothing was imported",
            where_(e.line),
            e.message
        ))),
    }
}

async fn export(store: &Store, name: &str, format: ExportFormat) -> ExitCode {
    let def = match definition(store, name).await {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    if format == ExportFormat::Csv {
        outln!("{}", csv::csv_header(&def).trim_end());
    }
    let mut all = Vec::new();
    let mut cursor = None;
    // Bounded: each page moves the cursor on by up to MAX_LIMIT rows, and it ends at the
    // last row (a table holds fewer than u32::MAX pages).
    for _ in 0..u32::MAX {
        let op = TableOp::Search(SearchRowsInput {
            table: name.to_owned(),
            filter: None,
            order_by: None,
            limit: Some(MAX_LIMIT),
            cursor: cursor.take(),
        });
        let page = match store.table_action(&op).await {
            Ok(page) => page,
            Err(e) => return fail(&e),
        };
        for row in page["rows"].as_array().into_iter().flatten() {
            let Some(row) = row.as_object() else { continue };
            match format {
                ExportFormat::Csv => outln!(
                    "{}",
                    csv::csv_line(&def, row).trim_end_matches(['\r', '\n'])
                ),
                ExportFormat::Json => all.push(Value::Object(row.clone())),
            }
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if format == ExportFormat::Json {
        return crate::present::Shown::json(json!({ "rows": all })).print(false);
    }
    ExitCode::SUCCESS
}
