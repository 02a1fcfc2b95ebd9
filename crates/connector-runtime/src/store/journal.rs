//! The store's side of durable steps: the steps journal, the flow definitions runs keep,
//! and when a scheduled flow was first loaded.

use super::{Pool, Store, StoreError, on_pool};

const RUNNING: &str = crate::RunState::Running.as_str();
use crate::flows::StepRecord;

impl Store {
    /// A run's committed steps, every try, in order.
    pub async fn steps(&self, run_id: &str) -> Result<Vec<StepRecord>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT record FROM steps WHERE run_id = $1 ORDER BY seq")
                .bind(run_id).fetch_all(pool).await?
        );
        Ok(rows
            .into_iter()
            .filter_map(|(record,)| serde_json::from_str(&record).ok())
            .collect())
    }

    /// Commits one step of `owner`'s try; false when `owner` no longer holds the run (its
    /// lease was lost: the step is not recorded and the try must stop).
    pub(crate) async fn append_step(
        &self,
        run_id: &str,
        owner: &str,
        record: &StepRecord,
    ) -> Result<bool, StoreError> {
        let text = Self::encode(record);
        let sql = format!(
            "INSERT INTO steps (run_id, seq, try_no, step_id, record) \
             SELECT $1, COALESCE((SELECT MAX(seq) FROM steps WHERE run_id = $1), 0) + 1, $2, $3, $4 \
             WHERE EXISTS (SELECT 1 FROM runs WHERE run_id = $1 AND lease_owner = $5 AND state = '{RUNNING}')"
        );
        let done = on_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(run_id)
                .bind(i64::from(record.try_no))
                .bind(&record.id)
                .bind(&text)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// The text of a flow definition by its hash.
    pub async fn definition(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT source FROM flow_definitions WHERE hash = $1").bind(hash).fetch_optional(pool).await?
        );
        Ok(row.map(|(source,)| source))
    }

    /// When `flow` was first loaded on this store (recording `now_ms` the first time).
    pub(crate) async fn first_seen(&self, flow: &str, now_ms: i64) -> Result<i64, StoreError> {
        let seen: (i64,) = on_pool!(self, pool => {
            sqlx::query("INSERT INTO schedules (flow, first_seen_ms) VALUES ($1, $2) ON CONFLICT (flow) DO NOTHING")
                .bind(flow)
                .bind(now_ms)
                .execute(pool)
                .await?;
            sqlx::query_as("SELECT first_seen_ms FROM schedules WHERE flow = $1")
                .bind(flow)
                .fetch_one(pool)
                .await?
        });
        Ok(seen.0)
    }
}
