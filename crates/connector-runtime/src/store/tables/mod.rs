//! The store's side of tables: applying `tables.yaml` (`ddl.rs`), the seven actions in
//! one transaction (`rows.rs`, with `where` and `orderBy` compiled in `filter.rs`), and
//! the exactly-once step: a table card's change and its step's journal entry committed in
//! one transaction, under the run's lease.

mod ddl;
mod filter;
mod rows;
mod tx;

use connector_core::Error;
use serde_json::{Map, Value};

pub use ddl::{Applied, TablesError};
use tx::{Arg, Tx};

use super::{Store, StoreError};
use crate::flows::{StepRecord, StepStatus};
use crate::tables::{TableDef, TableOp, Tables};
use crate::time::now_ms;

/// How a table step's transaction ended.
#[derive(Debug)]
pub(crate) enum StepWrite {
    /// The change and the step's record are committed: the card's output.
    Committed(Value),
    /// The action was refused (nothing changed, nothing committed).
    Refused(Error),
    /// The run's lease is no longer this try's: nothing changed.
    LeaseLost,
}

/// A row of an import that cannot be imported: its line in the file and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportError {
    /// The line (1-based, the header being line 1).
    pub line: usize,
    /// Why (naming the column).
    pub message: String,
}

impl Store {
    /// Applies `tables` (the flows folder's `tables.yaml`): new tables and columns are
    /// made; a column removed or retyped, or a table removed, is applied only to a table
    /// without rows, else everything is refused, naming each table and column. A folder
    /// without tables leaves the store's tables as they are.
    pub async fn apply_tables(&self, tables: &Tables) -> Result<Applied, TablesError> {
        let mut tx = Tx::begin(self).await?;
        match ddl::apply(&mut tx, tables, now_ms()).await {
            Ok(applied) => {
                tx.commit().await?;
                Ok(applied)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Every table the store holds, by name, with its number of rows.
    pub async fn tables(&self) -> Result<Vec<(TableDef, u64)>, StoreError> {
        let mut tx = Tx::begin(self).await?;
        let defs = ddl::stored(&mut tx).await?;
        let mut out = Vec::new();
        for def in defs {
            let n = tx
                .number(
                    &format!("SELECT COUNT(*) FROM {}", ddl::table_ident(&def.name)),
                    &[],
                )
                .await?;
            out.push((def, u64::try_from(n).unwrap_or(0)));
        }
        tx.rollback().await?;
        Ok(out)
    }

    /// One table's definition.
    pub async fn table(&self, name: &str) -> Result<Option<TableDef>, StoreError> {
        Ok(self
            .tables()
            .await?
            .into_iter()
            .map(|(d, _)| d)
            .find(|d| d.name == name))
    }

    /// Runs one table action in a transaction of its own (`connector run table ...`,
    /// `connector table ...`, the pages): its output, or the error it was refused with.
    pub async fn table_action(&self, op: &TableOp) -> Result<Value, Error> {
        let mut tx = Tx::begin(self)
            .await
            .map_err(|e| rows::store_error(e, None))?;
        match rows::apply(&mut tx, op, now_ms()).await {
            Ok(output) => {
                tx.commit().await.map_err(|e| rows::store_error(e, None))?;
                Ok(output)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// What `op` would answer, with nothing changed (a dry run): it runs in a transaction
    /// that is rolled back.
    pub async fn table_action_dry(&self, op: &TableOp) -> Result<Value, Error> {
        let mut tx = Tx::begin(self)
            .await
            .map_err(|e| rows::store_error(e, None))?;
        let answer = rows::apply(&mut tx, op, now_ms()).await;
        let _ = tx.rollback().await;
        answer
    }

    /// Creates `rows` (each with its line in the file) in one transaction: all of them, or
    /// none and the first line that does not fit (a bad value, a duplicate key).
    pub async fn import_rows(
        &self,
        table: &str,
        rows: Vec<(usize, Map<String, Value>)>,
    ) -> Result<u64, ImportError> {
        let failed = |line: usize, e: Error| ImportError {
            line,
            message: e.message().to_owned(),
        };
        let mut tx = Tx::begin(self)
            .await
            .map_err(|e| failed(0, rows::store_error(e, None)))?;
        let now = now_ms();
        let mut imported = 0;
        for (line, row) in rows {
            let op = TableOp::Create(crate::tables::op::CreateRowInput {
                table: table.to_owned(),
                row,
            });
            if let Err(e) = rows::apply(&mut tx, &op, now).await {
                let _ = tx.rollback().await;
                return Err(failed(line, e));
            }
            imported += 1;
        }
        tx.commit()
            .await
            .map_err(|e| failed(0, rows::store_error(e, None)))?;
        Ok(imported)
    }

    /// A table card's step: the action and the step's record (its output set from the
    /// action's) in one transaction, only while `owner` holds the run's lease. A crash
    /// before the commit leaves neither; after it, both.
    pub(crate) async fn table_step(
        &self,
        run_id: &str,
        owner: &str,
        op: &TableOp,
        record: &StepRecord,
    ) -> Result<StepWrite, StoreError> {
        let mut tx = Tx::begin(self).await?;
        // A write first: it fences (another owner's claim has changed the row) and locks
        // the run's row, so that a claim taking the run over waits for this commit.
        let held = tx
            .execute(
                &format!(
                    "UPDATE runs SET lease_owner = lease_owner WHERE run_id = $1 AND lease_owner = $2 AND state = '{}'",
                    crate::RunState::Running.as_str()
                ),
                &[Arg::Text(Some(run_id.to_owned())), Arg::Text(Some(owner.to_owned()))],
            )
            .await?;
        if held != 1 {
            tx.rollback().await?;
            return Ok(StepWrite::LeaseLost);
        }
        let output = match rows::apply(&mut tx, op, now_ms()).await {
            Ok(output) => output,
            Err(e) => {
                tx.rollback().await?;
                return Ok(StepWrite::Refused(e));
            }
        };
        let mut record = record.clone();
        record.status = StepStatus::Succeeded;
        record.output = Some(connector_core::pipeline::mask_secrets(&output));
        tx.execute(
            "INSERT INTO steps (run_id, seq, try_no, step_id, record) \
             SELECT $1, COALESCE((SELECT MAX(seq) FROM steps WHERE run_id = $1), 0) + 1, $2, $3, $4",
            &[
                Arg::Text(Some(run_id.to_owned())),
                Arg::Int(Some(i64::from(record.try_no))),
                Arg::Text(Some(record.id.clone())),
                Arg::Text(Some(Store::encode(&record))),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(StepWrite::Committed(output))
    }
}
