//! Re-runs: a new run of the same event as an earlier one, linked by `rerun_of`, with the
//! flow's current definition. A re-run asked for with an `Idempotency-Key` is made once:
//! the same key again answers the first re-run's id (two clicks, a retried request).

use super::queries::{QUEUED, Rerun, keep_definition, run_id as new_run_id};
use super::{Pool, Store, StoreError, on_pool};
use crate::flows::Flow;

impl Store {
    /// Starts a new run from the same event as `run_id` (any run), linked by `rerun_of`,
    /// with `definition` (the flow's current text) when given. De-duplication applies to
    /// deliveries, not to re-runs.
    pub async fn rerun(
        &self,
        run_id: &str,
        definition: Option<&Flow>,
        now_ms: i64,
    ) -> Result<Rerun, StoreError> {
        self.rerun_once(run_id, definition, now_ms, None).await
    }

    /// [`rerun`](Store::rerun), made at most once per `key` (an `Idempotency-Key`, scoped
    /// to the run re-run): a key seen before answers the first re-run's id.
    pub async fn rerun_once(
        &self,
        run_id: &str,
        definition: Option<&Flow>,
        now_ms: i64,
        key: Option<&str>,
    ) -> Result<Rerun, StoreError> {
        let new_id = new_run_id();
        let scoped = key.map(|k| format!("{run_id}\u{1f}{k}"));
        let sql = format!(
            "INSERT INTO runs (run_id, event_key, flow, subject, event, state, due_ms, created_ms, definition_hash, rerun_of, rerun_key) \
             SELECT $1, event_key, flow, subject, event, '{QUEUED}', $2, $2, COALESCE($3, definition_hash), run_id, $5 \
             FROM runs WHERE run_id = $4 ON CONFLICT DO NOTHING"
        );
        let (made, first) = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(flow) = definition {
                keep_definition!(tx, flow);
            }
            let made = sqlx::query(&sql)
                .bind(&new_id)
                .bind(now_ms)
                .bind(definition.map(|f| f.hash.clone()))
                .bind(run_id)
                .bind(&scoped)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let first: Option<(String,)> = match (&scoped, made) {
                (Some(scoped), 0) => {
                    sqlx::query_as("SELECT run_id FROM runs WHERE rerun_key = $1")
                        .bind(scoped)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                _ => None,
            };
            tx.commit().await?;
            (made, first)
        });
        Ok(match (made, first) {
            (1, _) => Rerun::Queued { run_id: new_id },
            (_, Some((first,))) => Rerun::Queued { run_id: first },
            _ => Rerun::NotFound,
        })
    }
}
