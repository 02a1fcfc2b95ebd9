//! The built-in `table` connector: the seven actions on the store named by
//! `CONNECTOR_STORE` (default `sqlite://connector.db`), opened on first use. It has no
//! connection and no `custom-api-action`: it is not an HTTP service. In a flow, the engine
//! applies a table card itself, in the transaction that commits its step; this connector
//! is what `connector run table ...` and the catalog's schemas use.

use std::sync::Arc;

use connector_core::{ActionDef, ConnectorDef, Env, Error, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::op::{
    ClearTableInput, CreateRowInput, DeleteRowsInput, Deleted, Found, ReadRowInput,
    SearchRowsInput, TableOp, UpdateRowInput, UpsertRowInput, Upserted,
};
use crate::store::{DEFAULT_STORE, Store, redact_url};

/// The connector's id, and the prefix of its cards (`table.create-row`).
pub const CONNECTOR_ID: &str = "table";

/// True for a card of the `table` connector.
pub fn is_table_card(card: &str) -> bool {
    card.split_once('.').is_some_and(|(c, _)| c == CONNECTOR_ID)
}

/// The `table` connector's client: the store, opened on first use.
#[derive(Clone)]
pub struct TableClient {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    dry_run: bool,
    store: tokio::sync::OnceCell<Store>,
}

impl std::fmt::Debug for TableClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableClient")
            .field("store", &redact_url(&self.inner.url))
            .finish_non_exhaustive()
    }
}

impl TableClient {
    /// A client of the store at `url`; a dry run answers what the action would do and
    /// changes nothing.
    pub fn new(url: &str, dry_run: bool) -> TableClient {
        TableClient {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                dry_run,
                store: tokio::sync::OnceCell::new(),
            }),
        }
    }

    async fn store(&self) -> Result<&Store> {
        self.inner
            .store
            .get_or_try_init(|| async {
                Store::open_existing(&self.inner.url).await.map_err(|e| {
                    Error::configuration(format!(
                        "cannot open the store {}: {e} (set --store or CONNECTOR_STORE)",
                        redact_url(&self.inner.url)
                    ))
                })
            })
            .await
    }

    /// Runs `op`: its output as JSON.
    pub async fn run_op(&self, op: TableOp) -> Result<Value> {
        let store = self.store().await?;
        if self.inner.dry_run {
            store.table_action_dry(&op).await
        } else {
            store.table_action(&op).await
        }
    }

    async fn run<T: DeserializeOwned>(&self, op: TableOp) -> Result<T> {
        let value = self.run_op(op).await?;
        serde_json::from_value(value).map_err(|e| {
            Error::new(
                connector_core::ErrorKind::InvalidResponse,
                format!("table: {e}"),
            )
        })
    }
}

fn connect(env: &Env) -> Result<TableClient> {
    let url = env.get("CONNECTOR_STORE").unwrap_or(DEFAULT_STORE);
    Ok(TableClient::new(url, env.dry_run().is_some()))
}

type Row = Map<String, Value>;

/// The `table` connector, registered by the `connector` command line like any other.
pub fn connector() -> ConnectorDef<TableClient> {
    ConnectorDef::new(
        CONNECTOR_ID,
        "Tables",
        "Durable tables in the runtime's store (declared in a flows folder's tables.yaml): rows created, searched, updated and deleted by flows, each change committed with the step that makes it.",
        connect,
    )
    .with_docs(connector_core::action::ConnectorDocs::new(
        "The tables a flows folder declares in `tables.yaml` (see docs/tables.md), kept in the runtime's store. In a flow, a table card's change and its step's record are one transaction: a crash never applies a change twice nor loses a committed one.",
        "No connection: the cards act on the runtime's store (`connector run table ... --store URL`, else `CONNECTOR_STORE`, else `sqlite://connector.db`).",
    ))
    .action(ActionDef::new(
        "create-row",
        "Create Row",
        "Creates a row: its columns are checked against the table (an unknown column or a wrong type is invalid_input, a duplicate key conflict). Returns the row with _id, _createdAt and _updatedAt.",
        |c: TableClient, input: CreateRowInput| async move { c.run::<Row>(TableOp::Create(input)).await },
    ))
    .action(ActionDef::new(
        "upsert-row",
        "Upsert Row",
        "Creates the row, or updates the row with the same key (the table needs a key). Returns {row, created}.",
        |c: TableClient, input: UpsertRowInput| async move { c.run::<Upserted>(TableOp::Upsert(input)).await },
    ))
    .action(ActionDef::new(
        "read-row",
        "Read Row",
        "Reads a row by its _id (not_found when there is none).",
        |c: TableClient, input: ReadRowInput| async move { c.run::<Row>(TableOp::Read(input)).await },
    ))
    .action(ActionDef::new(
        "search-rows",
        "Search Rows",
        "Finds the rows for which every condition of where holds ({col: value} or {col: {eq, ne, lt, le, gt, ge, contains, in, not_in}}), in orderBy order (col or -col), a page of limit rows (default 100, at most 10,000) from cursor. Returns {rows, count, nextCursor}; count is every match.",
        |c: TableClient, input: SearchRowsInput| async move { c.run::<Found>(TableOp::Search(input)).await },
    ))
    .action(ActionDef::new(
        "update-row",
        "Update Row",
        "Sets columns of the row with this _id (the others stay). Returns the row.",
        |c: TableClient, input: UpdateRowInput| async move { c.run::<Row>(TableOp::Update(input)).await },
    ))
    .action(ActionDef::new(
        "delete-rows",
        "Delete Rows",
        "Deletes the row with this id, or every row for which where holds. Returns {deleted}.",
        |c: TableClient, input: DeleteRowsInput| async move { c.run::<Deleted>(TableOp::Delete(input)).await },
    ))
    .action(ActionDef::new(
        "clear-table",
        "Clear Table",
        "Deletes every row of the table. Returns {deleted}.",
        |c: TableClient, input: ClearTableInput| async move { c.run::<Deleted>(TableOp::Clear(input)).await },
    ))
}
