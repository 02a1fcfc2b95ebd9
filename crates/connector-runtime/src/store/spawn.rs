//! Runs started by a flow's `spawn` step: inserted once per key (the spawning run, step
//! and item; the runs table's unique index on `(event_key, flow)` decides), linked to the
//! spawning run by `parent_run_id`, one spawn deeper than it.

use serde_json::Value;

use super::queries::{QUEUED, keep_definition, run_id};
use super::{Pool, Store, StoreError, on_pool};
use crate::flows::Flow;

/// What [`Store::spawn`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spawned {
    /// The run of the key: new, or made before by an earlier try of the same step.
    Run(String),
    /// The spawning run is already `depth` spawns deep: no run is made.
    TooDeep(u32),
    /// No such spawning run.
    NoParent,
}

/// A run a `spawn` step asks for.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NewSpawn<'a> {
    /// The spawning run.
    pub parent: &'a str,
    /// The callable flow to run.
    pub flow: &'a Flow,
    /// The key of (spawning run, step, item): one run per key.
    pub key: &'a str,
    /// The new run's event (the step's input).
    pub event: &'a Value,
    /// What Flow History shows the run is about.
    pub subject: Option<&'a str>,
}

impl<'a> NewSpawn<'a> {
    /// A run of `flow` for `event`, spawned by `parent` under `key`.
    pub fn new(parent: &'a str, flow: &'a Flow, key: &'a str, event: &'a Value) -> NewSpawn<'a> {
        NewSpawn {
            parent,
            flow,
            key,
            event,
            subject: None,
        }
    }

    /// With the subject Flow History shows.
    pub fn with_subject(mut self, subject: &'a str) -> NewSpawn<'a> {
        self.subject = Some(subject);
        self
    }
}

impl Store {
    /// Queues the run `spawn` asks for, unless its spawning run is `max_depth` spawns
    /// deep already; a key used before answers its first run.
    pub async fn spawn(
        &self,
        spawn: &NewSpawn<'_>,
        max_depth: u32,
        now_ms: i64,
    ) -> Result<Spawned, StoreError> {
        let NewSpawn {
            parent,
            flow,
            key,
            event,
            subject,
        } = *spawn;
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // A write first: a SQLite transaction that starts by reading cannot always
            // become a writer while another process writes (it fails at once, busy).
            keep_definition!(tx, flow);
            let depth: Option<(i64,)> = sqlx::query_as("SELECT spawn_depth FROM runs WHERE run_id = $1")
                .bind(parent)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((depth,)) = depth else {
                return Ok(Spawned::NoParent);
            };
            let depth = u32::try_from(depth).unwrap_or(u32::MAX);
            if depth >= max_depth {
                return Ok(Spawned::TooDeep(depth));
            }
            let id = run_id();
            let inserted = sqlx::query(
                "INSERT INTO runs (run_id, event_key, flow, subject, event, state, due_ms, created_ms, \
                 definition_hash, parent_run_id, spawn_depth) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(key)
            .bind(flow.name())
            .bind(subject.filter(|s| !s.is_empty()))
            .bind(event.to_string())
            .bind(QUEUED)
            .bind(now_ms)
            .bind(&flow.hash)
            .bind(parent)
            .bind(i64::from(depth) + 1)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let id = if inserted == 1 {
                id
            } else {
                let (first,): (String,) = sqlx::query_as(
                    "SELECT run_id FROM runs WHERE flow = $1 AND event_key = $2 AND rerun_of IS NULL",
                )
                .bind(flow.name())
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                first
            };
            tx.commit().await?;
            Spawned::Run(id)
        });
        Ok(done)
    }

    /// The runs `parent` spawned that are due to run (`queued`), oldest first.
    pub async fn spawned_queued(&self, parent: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, pool =>
            sqlx::query_as(&format!(
                "SELECT run_id FROM runs WHERE parent_run_id = $1 AND state = '{QUEUED}' ORDER BY created_ms, run_id"
            ))
            .bind(parent)
            .fetch_all(pool)
            .await?
        );
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
