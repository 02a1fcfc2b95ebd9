//! Retention (`--history-days`): ended runs past the history's days are deleted a batch at
//! a time, oldest first, each batch with its steps and signals in one short transaction,
//! then the events no run holds any more. Between two batches the workers' writes go
//! first, so a long history is deleted without stopping them (SQLite has one writer at a
//! time: one big `DELETE` would hold it for as long as it takes).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::queries::{CANCELLED, DEAD_LETTERED, FINISHED};
use super::{Pool, Store, StoreError};

/// Runs deleted per transaction: a delivery or a worker's commit waits for one batch at
/// most (and, on SQLite, one pause of its busy handler), well within the intake's 1 s wait
/// for the store. (At 1,000 a batch, on SQLite
/// with a million runs on a loaded machine, a delivery waited over 1 s and was answered
/// 503.)
pub const PRUNE_BATCH: u32 = 200;

/// The pause after each batch, in which the workers' writes go first (Postgres: they wait
/// on row locks, not on the batch's transaction).
const PRUNE_PAUSE: Duration = Duration::from_millis(20);

/// SQLite's busy handler, which a writer waiting for the lock runs, sleeps up to 100 ms
/// between two tries. A pause shorter than that lets a waiting writer miss it again and
/// again: with 20 ms pauses between batches of a million-run store, a delivery waited over
/// the intake's second and was answered 503 (idle, 2 cores). A pause of at least this long
/// holds one of the waiter's tries, so it gets the lock within one batch.
const SQLITE_PAUSE: Duration = Duration::from_millis(110);

/// The pause after a batch that took `took`: on SQLite at least one of a waiting writer's
/// tries, and as long as the batch took (retention keeps at most half of the writer's
/// time); on Postgres [`PRUNE_PAUSE`].
fn pause_after(pool: &Pool, took: Duration) -> Duration {
    match pool {
        Pool::Sqlite(_) => SQLITE_PAUSE.max(took),
        Pool::Postgres(_) => PRUNE_PAUSE,
    }
}

/// Batches in one round at most (ten million runs at the default batch): a round that
/// stops there goes on at the next.
const PRUNE_BATCHES: usize = 50_000;

/// What one round of retention deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pruned {
    /// Runs deleted (with their steps and signals).
    pub runs: u64,
    /// Events deleted: received before the cut-off, no longer held by a run.
    pub events: u64,
    /// Transactions it took.
    pub batches: u64,
}

/// The ended runs past the cut-off `$1`, oldest first, at most `$2`: read through the
/// partial index `runs_ended`, whose expression and condition these are, word for word.
/// SQLite is told so (`INDEXED BY`): a store it never analysed, it would rather read
/// runs_due's every finished run and sort them (measured at a million runs).
fn ended_before(pool: &Pool) -> String {
    let runs = match pool {
        Pool::Sqlite(_) => "runs INDEXED BY runs_ended",
        Pool::Postgres(_) => "runs",
    };
    format!(
        "SELECT run_id FROM {runs} WHERE state IN ('{FINISHED}', '{DEAD_LETTERED}', '{CANCELLED}') \
         AND COALESCE(finished_ms, created_ms) < $1 ORDER BY COALESCE(finished_ms, created_ms) LIMIT $2"
    )
}

/// Events received before `$1` that no run holds (a re-run keeps its event in its own row),
/// oldest first, at most `$2`: through `events_received`, and `runs_once_per_event` for the
/// check.
const ORPHAN_EVENTS: &str = "DELETE FROM events WHERE event_key IN (\
     SELECT e.event_key FROM events e WHERE e.received_ms < $1 \
     AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.event_key = e.event_key AND runs.rerun_of IS NULL) \
     ORDER BY e.received_ms LIMIT $2)";

/// Deletes the runs `$ids` that are still ended, and their steps and signals, in one
/// transaction on `$pool` (database `$db`); the runs deleted.
macro_rules! delete_runs {
    ($pool:expr, $db:ty, $ids:expr) => {{
        let ids: &[String] = $ids;
        let mut tx = $pool.begin().await?;
        // A write first: SQLite takes the write lock at once (a read could not be upgraded
        // once a worker's commit made its snapshot stale). A run resumed meanwhile is no
        // longer ended and stays.
        let mut runs = sqlx::QueryBuilder::<$db>::new(format!(
            "DELETE FROM runs WHERE state IN ('{FINISHED}', '{DEAD_LETTERED}', '{CANCELLED}') AND run_id IN ("
        ));
        let mut list = runs.separated(", ");
        for id in ids {
            list.push_bind(id.clone());
        }
        runs.push(") RETURNING run_id");
        let deleted: Vec<(String,)> = runs.build_query_as().fetch_all(&mut *tx).await?;
        if !deleted.is_empty() {
            for table in ["steps", "signals"] {
                let mut sql = sqlx::QueryBuilder::<$db>::new(format!(
                    "DELETE FROM {table} WHERE run_id IN ("
                ));
                let mut list = sql.separated(", ");
                for (id,) in &deleted {
                    list.push_bind(id.clone());
                }
                sql.push(")");
                sql.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        deleted.len() as u64
    }};
}

impl Store {
    /// Deletes at most `batch` ended runs (finished, dead-lettered or cancelled) that ended
    /// before `before_ms`, oldest first, with their steps and signals, in one transaction;
    /// returns how many it deleted.
    pub async fn prune_runs(&self, before_ms: i64, batch: u32) -> Result<u64, StoreError> {
        let sql = ended_before(&self.pool);
        let limit = i64::from(batch.max(1));
        let ids: Vec<(String,)> = super::on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(before_ms).bind(limit).fetch_all(pool).await?
        });
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
        Ok(match &self.pool {
            Pool::Sqlite(pool) => delete_runs!(pool, sqlx::Sqlite, &ids),
            Pool::Postgres(pool) => delete_runs!(pool, sqlx::Postgres, &ids),
        })
    }

    /// Deletes at most `batch` events received before `before_ms` that no run holds any
    /// more, oldest first; returns how many.
    pub async fn prune_events(&self, before_ms: i64, batch: u32) -> Result<u64, StoreError> {
        let limit = i64::from(batch.max(1));
        Ok(super::on_pool!(self, pool => {
            sqlx::query(ORPHAN_EVENTS).bind(before_ms).bind(limit).execute(pool).await?.rows_affected()
        }))
    }

    /// One round of retention: every ended run that ended before `before_ms` (and its steps
    /// and signals), then every event received before it that no run holds, `batch` at a
    /// time with a pause between batches, until none is left, `stop` is cancelled, or
    /// the bound on batches per round (50,000) was reached (the next round goes on).
    pub async fn prune(
        &self,
        before_ms: i64,
        batch: u32,
        stop: &CancellationToken,
    ) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        let full = u64::from(batch.max(1));
        for events in [false, true] {
            for _ in 0..PRUNE_BATCHES {
                if stop.is_cancelled() {
                    return Ok(pruned);
                }
                let started = tokio::time::Instant::now();
                let n = if events {
                    self.prune_events(before_ms, batch).await?
                } else {
                    self.prune_runs(before_ms, batch).await?
                };
                let pause = pause_after(&self.pool, started.elapsed());
                pruned.batches += 1;
                if events {
                    pruned.events += n;
                } else {
                    pruned.runs += n;
                }
                if n < full {
                    break;
                }
                tokio::select! {
                    () = stop.cancelled() => return Ok(pruned),
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn on_sqlite_a_pause_holds_a_try_of_a_waiting_writer_and_lasts_as_long_as_the_batch() {
        let sqlite = Pool::Sqlite(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        // SQLite's busy handler sleeps at most 100 ms between two tries.
        assert!(pause_after(&sqlite, Duration::ZERO) > Duration::from_millis(100));
        assert_eq!(
            pause_after(&sqlite, Duration::from_millis(400)),
            Duration::from_millis(400)
        );
        let postgres = Pool::Postgres(
            sqlx::PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap(),
        );
        assert_eq!(
            pause_after(&postgres, Duration::from_millis(400)),
            PRUNE_PAUSE
        );
    }
}
