//! The store's operations. Each is one statement or one short transaction, so a process
//! killed at any point leaves the store consistent.

use serde_json::Value;

use super::model::{ClaimRow, RunRow};
use super::{Claimed, Pool, Store, StoreError, on_pool};
use crate::run::Run;
use crate::run::RunState;

pub(crate) const QUEUED: &str = RunState::Queued.as_str();
pub(super) const RUNNING: &str = RunState::Running.as_str();
const RETRYING: &str = RunState::Retrying.as_str();
pub(super) const WAITING: &str = RunState::Waiting.as_str();
pub(super) const FINISHED: &str = RunState::Finished.as_str();
pub(super) const DEAD_LETTERED: &str = RunState::DeadLettered.as_str();
pub(super) const CANCELLED: &str = RunState::Cancelled.as_str();

/// How a try ended, as the worker commits it.
#[derive(Clone, Debug)]
pub(crate) struct Completion {
    /// `finished`, `retrying`, `waiting`, `deadLettered` or `cancelled`.
    pub state: RunState,
    /// The flow's outcome; none unless `finished`.
    pub outcome: Option<String>,
    pub due_ms: i64,
    pub finished_ms: i64,
    pub output: Option<String>,
    pub error: Option<String>,
    /// Where a `wait` step parked the run (state `waiting`; `due_ms` is its wake time).
    pub parked: Option<crate::flows::Parked>,
}

/// What a resume request found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resume {
    /// Queued again: it goes on from its failed step.
    Queued,
    /// No such run.
    NotFound,
    /// The run is not dead-lettered (only those can be resumed).
    NotDeadLettered,
}

/// What a re-run request found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rerun {
    /// A new run, queued now.
    Queued {
        /// The new run's id.
        run_id: String,
    },
    /// No such run.
    NotFound,
}

/// The steps a run has committed so far (its journal's length), inside an UPDATE of `runs`.
const STEPS_SO_FAR: &str = "SELECT COUNT(*) FROM steps WHERE steps.run_id = runs.run_id";

pub(super) const RUN_COLUMNS: &str = "run_id, event_key, flow, subject, event, state, outcome, tries, due_ms, \
     created_ms, started_ms, finished_ms, rerun_of, output, error, parent_run_id, waiting_for";

/// Runs by state or outcome.
type Counts = Vec<(String, i64)>;

/// Ended runs Flow History's page counts by outcome, the newest.
pub const COUNTS_RECENT: i64 = 10_000;

/// Outcomes listed for Flow History's filters at most (the flows' own: a handful).
const OUTCOMES_LISTED: usize = 1_000;

/// What a claim clears: a parked run's wait is over once it is claimed.
const UNPARK: &str = "waiting_for = NULL, wait_signal = NULL, wait_step = NULL";

/// A random key (an event without a de-duplication key of its own).
pub(crate) fn fresh_key() -> String {
    run_id().trim_start_matches("run_").to_owned()
}

/// Records the flow definition a run starts with, by the hash of its text, unless the
/// store has it already, in the open transaction `$tx`: a flow's text is sent to the store
/// once, not per run. The first statement writes, so that SQLite takes the write lock at
/// once (a read first could not be upgraded once another writer made its snapshot stale).
macro_rules! keep_definition {
    ($tx:expr, $flow:expr) => {{
        let flow: &crate::flows::Flow = $flow;
        let inserted = sqlx::query(
            "INSERT INTO flow_definitions (hash, name, source) SELECT $1, $2, '' \
             WHERE NOT EXISTS (SELECT 1 FROM flow_definitions WHERE hash = $1) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(flow.hash.as_str())
        .bind(flow.name())
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            sqlx::query("UPDATE flow_definitions SET source = $2 WHERE hash = $1")
                .bind(flow.hash.as_str())
                .bind(flow.source.as_str())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(super) use keep_definition;

pub(super) fn run_id() -> String {
    format!("run_{}", uuid::Uuid::new_v4().simple())
}

/// The claim of the run due first (or one whose lease expired): `$1` the owner, `$2` the
/// lease's end, `$3` now. Finished runs are never read: each state's due runs come through
/// the index on (state, due_ms) (a parked run's wake time also through runs_wake).
fn claim_sql(pool: &Pool) -> String {
    let candidate = match pool {
        // The first of each state, then the first of those: a claim reads a handful of
        // index entries however many runs are due.
        Pool::Sqlite(_) => format!(
            "SELECT run_id FROM ( \
               SELECT * FROM (SELECT run_id, due_ms FROM runs WHERE state = '{QUEUED}' AND due_ms <= $3 ORDER BY due_ms LIMIT 1) \
               UNION ALL SELECT * FROM (SELECT run_id, due_ms FROM runs WHERE state = '{RETRYING}' AND due_ms <= $3 ORDER BY due_ms LIMIT 1) \
               UNION ALL SELECT * FROM (SELECT run_id, due_ms FROM runs WHERE state = '{WAITING}' AND due_ms <= $3 ORDER BY due_ms LIMIT 1) \
               UNION ALL SELECT * FROM (SELECT run_id, due_ms FROM runs WHERE state = '{RUNNING}' AND lease_until_ms < $3 LIMIT 1) \
             ) ORDER BY due_ms LIMIT 1"
        ),
        // Rows other replicas hold are skipped.
        Pool::Postgres(_) => format!(
            "SELECT run_id FROM runs \
             WHERE (state IN ('{QUEUED}', '{RETRYING}', '{WAITING}') AND due_ms <= $3) \
               OR (state = '{RUNNING}' AND lease_until_ms < $3) \
             ORDER BY due_ms LIMIT 1 FOR UPDATE SKIP LOCKED"
        ),
    };
    format!(
        "UPDATE runs SET state = '{RUNNING}', lease_owner = $1, lease_until_ms = $2, \
         tries = tries + 1, started_ms = $3, {UNPARK}, \
         deaths = CASE WHEN state = '{RUNNING}' AND ({STEPS_SO_FAR}) <= claim_steps THEN deaths + 1 ELSE 0 END, \
         claim_steps = ({STEPS_SO_FAR}) \
         WHERE run_id IN ({candidate}) \
         RETURNING run_id, flow, event_key, event, tries, schedule_from, definition_hash, deaths"
    )
}

impl Store {
    /// Claims the run due first (or one whose lease expired) for `owner` until `lease_until_ms`.
    pub(crate) async fn claim(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<Claimed>, StoreError> {
        let sql = claim_sql(&self.pool);
        let row: Option<ClaimRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(owner).bind(lease_until_ms).bind(now_ms).fetch_optional(pool).await?
        });
        Ok(row.map(ClaimRow::into_claimed))
    }

    /// The plan the database chooses for the claim at `now_ms`, one line per node
    /// (SQLite's `EXPLAIN QUERY PLAN`, nested lines indented; Postgres's `EXPLAIN`): the
    /// benchmark records it and refuses a plan that reads every run.
    pub async fn explain_claim(&self, now_ms: i64) -> Result<Vec<String>, StoreError> {
        // EXPLAIN runs nothing; the values are written in (numbers and a fixed word).
        let sql = claim_sql(&self.pool)
            .replace("$1", "'explain'")
            .replace("$2", "0")
            .replace("$3", &now_ms.to_string());
        match &self.pool {
            Pool::Sqlite(pool) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .fetch_all(pool)
                        .await?;
                let mut depth: std::collections::HashMap<i64, usize> = Default::default();
                Ok(rows
                    .into_iter()
                    .map(|(id, parent, _, detail)| {
                        let d = depth.get(&parent).map_or(0, |d| d + 1);
                        depth.insert(id, d);
                        format!("{}{detail}", "  ".repeat(d))
                    })
                    .collect())
            }
            Pool::Postgres(pool) => {
                let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {sql}"))
                    .fetch_all(pool)
                    .await?;
                Ok(rows.into_iter().map(|(line,)| line).collect())
            }
        }
    }

    /// Claims one run by id for `owner`: a queued one, or a parked or retrying one whose
    /// time has come (`connector flow run`, which runs its own run in process).
    pub(crate) async fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<Claimed>, StoreError> {
        let sql = format!(
            "UPDATE runs SET state = '{RUNNING}', lease_owner = $1, lease_until_ms = $2, \
             tries = tries + 1, started_ms = $3, deaths = 0, claim_steps = ({STEPS_SO_FAR}), {UNPARK} \
             WHERE run_id = $4 AND (state = '{QUEUED}' OR (state IN ('{RETRYING}', '{WAITING}') AND due_ms <= $3)) \
             RETURNING run_id, flow, event_key, event, tries, schedule_from, definition_hash, deaths"
        );
        let row: Option<ClaimRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(owner).bind(lease_until_ms).bind(now_ms).bind(run_id).fetch_optional(pool).await?
        });
        Ok(row.map(ClaimRow::into_claimed))
    }

    /// Extends `owner`'s lease on a run; false when another process holds it now.
    pub(crate) async fn renew(
        &self,
        run_id: &str,
        owner: &str,
        lease_until_ms: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE runs SET lease_until_ms = $1 WHERE run_id = $2 AND lease_owner = $3 AND state = '{RUNNING}'"
        );
        let done = on_pool!(self, pool => {
            sqlx::query(&sql).bind(lease_until_ms).bind(run_id).bind(owner).execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// The process holding a run's lease now, if any.
    pub(crate) async fn lease_owner(&self, run_id: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT lease_owner FROM runs WHERE run_id = $1";
        let owner: Option<(Option<String>,)> = on_pool!(self, pool =>
            sqlx::query_as(sql).bind(run_id).fetch_optional(pool).await?
        );
        Ok(owner.and_then(|(owner,)| owner))
    }

    /// Commits a try's end, if `owner` still holds the run; false when it lost the lease (the
    /// run is someone else's now and their commit counts).
    pub(crate) async fn complete(
        &self,
        run_id: &str,
        owner: &str,
        c: &Completion,
    ) -> Result<bool, StoreError> {
        // A run asked to stop that would wait or be tried again ends `cancelled` instead.
        let sql = format!(
            "UPDATE runs SET state = CASE WHEN cancel_requested = 1 AND $1 IN ('{WAITING}', '{RETRYING}') \
               THEN '{CANCELLED}' ELSE $1 END, outcome = $2, due_ms = $3, finished_ms = $4, \
             output = $5, error = $6, lease_owner = NULL, lease_until_ms = NULL, deaths = 0, \
             waiting_for = $9, wait_signal = $10, wait_step = $11 \
             WHERE run_id = $7 AND lease_owner = $8 AND state = '{RUNNING}'"
        );
        let parked = c.parked.as_ref();
        let done = on_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(c.state.as_str()).bind(&c.outcome).bind(c.due_ms).bind(c.finished_ms)
                .bind(&c.output).bind(&c.error).bind(run_id).bind(owner)
                .bind(parked.map(|p| Self::encode(&p.waiting_for)))
                .bind(parked.and_then(|p| p.signal.clone()))
                .bind(parked.map(|p| p.step.clone()))
                .execute(pool).await?.rows_affected()
        });
        Ok(done == 1)
    }

    /// Puts `owner`'s unfinished runs back in the queue (a shutdown past its grace period):
    /// the try they were in does not count.
    pub(crate) async fn release(&self, owner: &str) -> Result<u64, StoreError> {
        let sql = format!(
            "UPDATE runs SET state = CASE WHEN cancel_requested = 1 THEN '{CANCELLED}' ELSE '{QUEUED}' END, \
             lease_owner = NULL, lease_until_ms = NULL, tries = tries - 1 \
             WHERE lease_owner = $1 AND state = '{RUNNING}'"
        );
        Ok(
            on_pool!(self, pool => sqlx::query(&sql).bind(owner).execute(pool).await?.rows_affected()),
        )
    }

    /// Queues a dead-lettered run again, due now, with a fresh retry schedule: it goes on
    /// from its failed step (a new try of the same run).
    pub async fn resume(&self, run_id: &str, now_ms: i64) -> Result<Resume, StoreError> {
        let sql = format!(
            "UPDATE runs SET state = '{QUEUED}', due_ms = $1, schedule_from = tries, finished_ms = NULL, deaths = 0 \
             WHERE run_id = $2 AND state = '{DEAD_LETTERED}'"
        );
        let done = on_pool!(self, pool => sqlx::query(&sql).bind(now_ms).bind(run_id).execute(pool).await?.rows_affected());
        if done == 1 {
            return Ok(Resume::Queued);
        }
        Ok(match self.run(run_id).await? {
            Some(_) => Resume::NotDeadLettered,
            None => Resume::NotFound,
        })
    }

    /// The flow name of a run, if it exists.
    pub async fn flow_of(&self, run_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT flow FROM runs WHERE run_id = $1").bind(run_id).fetch_optional(pool).await?
        );
        Ok(row.map(|(flow,)| flow))
    }

    /// One run, with every try's steps.
    pub async fn run(&self, run_id: &str) -> Result<Option<Run>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id = $1");
        let row: Option<RunRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(run_id).fetch_optional(pool).await?);
        match row {
            Some(row) => {
                let steps = self.steps(run_id).await?;
                Ok(Some(row.into_run(steps)))
            }
            None => Ok(None),
        }
    }

    /// Runs waiting (queued) and the time the oldest of them was accepted.
    pub async fn queue(&self) -> Result<(i64, Option<i64>), StoreError> {
        let sql = format!(
            "SELECT COUNT(*), MIN(created_ms) FROM runs WHERE state IN ('{QUEUED}', '{RETRYING}')"
        );
        let (depth, oldest): (i64, Option<i64>) =
            on_pool!(self, pool => sqlx::query_as(&sql).fetch_one(pool).await?);
        Ok((depth, oldest))
    }

    /// The outcomes the store's runs ended with, sorted: the flows' own, for filters.
    pub async fn outcomes(&self) -> Result<Vec<String>, StoreError> {
        // Each outcome from the one before through runs_outcome (a skip scan): as many
        // index reads as outcomes, however many runs there are.
        let sql = format!(
            "WITH RECURSIVE seen(outcome, n) AS ( \
               SELECT MIN(outcome), 1 FROM runs WHERE outcome IS NOT NULL \
               UNION ALL SELECT (SELECT MIN(outcome) FROM runs WHERE outcome > seen.outcome), n + 1 \
               FROM seen WHERE seen.outcome IS NOT NULL AND n < {OUTCOMES_LISTED}) \
             SELECT outcome FROM seen WHERE outcome IS NOT NULL ORDER BY outcome"
        );
        let rows: Vec<(String,)> =
            on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(o,)| o).collect())
    }

    /// Counts of runs by state and outcome (`queued`, `running`, then finished outcomes).
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = "SELECT CASE WHEN state = 'finished' THEN COALESCE(outcome, state) ELSE state END AS o, COUNT(*) \
                   FROM runs GROUP BY o ORDER BY o";
        let rows: Vec<(String, i64)> =
            on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Flow History's counts: runs in flight by state (every one, through runs_due), and
    /// those of the newest [`COUNTS_RECENT`] runs that ended, by outcome (finished) or
    /// state (dead-lettered, cancelled); sorted by name. Counting every run of a long
    /// history would read all of them at each view of the page (seconds at a million
    /// runs). The second figure is how many runs the window held (less than
    /// [`COUNTS_RECENT`]: every run).
    pub async fn page_counts(&self) -> Result<(Vec<(String, i64)>, i64), StoreError> {
        let in_flight = format!(
            "SELECT state, COUNT(*) FROM runs WHERE state IN ('{QUEUED}', '{RUNNING}', '{RETRYING}', '{WAITING}') GROUP BY state"
        );
        let ended = format!(
            "SELECT CASE WHEN state = '{FINISHED}' THEN COALESCE(outcome, state) ELSE state END AS o, COUNT(*) \
             FROM (SELECT state, outcome FROM runs ORDER BY created_ms DESC, run_id DESC LIMIT {COUNTS_RECENT}) AS recent \
             WHERE state IN ('{FINISHED}', '{DEAD_LETTERED}', '{CANCELLED}') GROUP BY o"
        );
        let (mut counts, ended): (Counts, Counts) = on_pool!(self, pool => (
            sqlx::query_as(&in_flight).fetch_all(pool).await?,
            sqlx::query_as(&ended).fetch_all(pool).await?,
        ));
        let window = format!(
            "SELECT COUNT(*) FROM (SELECT run_id FROM runs ORDER BY created_ms DESC, run_id DESC LIMIT {COUNTS_RECENT}) AS recent"
        );
        let (counted,): (i64,) =
            on_pool!(self, pool => sqlx::query_as(&window).fetch_one(pool).await?);
        counts.extend(ended);
        counts.sort();
        Ok((counts, counted))
    }

    /// A value as JSON text for the store.
    pub(crate) fn encode(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).unwrap_or_else(|_| Value::Null.to_string())
    }
}
