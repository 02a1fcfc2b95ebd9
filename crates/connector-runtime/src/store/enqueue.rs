//! Queuing runs, once per trigger key and flow. A trigger works out which flows an event
//! starts, the key that makes it one run, and the run's subject before the store is asked;
//! the store only inserts: a run is new, or the key's first run is found and returned.
//! The runs table's unique index on `(event_key, flow)` (re-runs aside) decides between
//! replicas, restarts and retries of a delivery, whichever comes first.

use serde_json::Value;

use super::queries::{QUEUED, keep_definition, run_id};
use super::{Pool, Store, StoreError, on_pool};
use crate::flows::Flow;

/// What [`Store::enqueue_once`] did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Enqueued {
    /// A new run, queued now.
    Fresh {
        /// The new run's id.
        run_id: String,
    },
    /// The key's first run was queued before (by this process, another replica, or before
    /// a restart).
    Existing {
        /// That run's id.
        run_id: String,
        /// That run's event.
        event: Value,
    },
    /// The flow is disabled (`connector flow disable`): its triggers start nothing.
    Disabled,
}

impl Enqueued {
    /// The run's id, new or found (none for a disabled flow).
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Enqueued::Fresh { run_id } | Enqueued::Existing { run_id, .. } => Some(run_id),
            Enqueued::Disabled => None,
        }
    }

    /// Whether this call queued the run.
    pub fn is_fresh(&self) -> bool {
        matches!(self, Enqueued::Fresh { .. })
    }
}

/// One run a trigger asks for: the flow, its key, its event and subject, all computed
/// before the store is asked.
#[derive(Clone, Debug)]
pub struct NewRun<'a> {
    /// The flow to run.
    pub flow: &'a Flow,
    /// The trigger's key: one run per key and flow.
    pub key: &'a str,
    /// The run's event (the trigger's payload).
    pub event: &'a Value,
    /// What Flow History shows the run is about.
    pub subject: Option<String>,
}

/// One event of an Okta delivery and the runs it starts.
#[derive(Clone, Debug)]
pub struct Delivered<'a> {
    /// The event's de-duplication key (its `uuid`).
    pub key: &'a str,
    /// Its type.
    pub event_type: &'a str,
    /// The runs it starts (one per flow whose trigger takes it).
    pub runs: Vec<NewRun<'a>>,
}

/// What an intake stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Indices (in the delivery) of the events stored for the first time.
    pub fresh: Vec<usize>,
    /// Events already stored (redeliveries).
    pub duplicates: usize,
    /// Runs queued.
    pub runs: usize,
    /// Indices (in the delivery) of the events that queued at least one run.
    pub started: Vec<usize>,
}

/// Inserts one run in the open transaction `$tx` unless its key's first run exists:
/// the one statement every trigger's runs go through.
macro_rules! insert_once {
    ($tx:expr, $run:expr, $now_ms:expr) => {{
        let run: &NewRun<'_> = $run;
        keep_definition!($tx, run.flow);
        let id = run_id();
        let inserted = sqlx::query(
            "INSERT INTO runs (run_id, event_key, flow, subject, event, state, due_ms, created_ms, definition_hash) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $7, $8 \
             WHERE NOT EXISTS (SELECT 1 FROM flow_switches WHERE flow = $3 AND enabled = 0) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(run.key)
        .bind(run.flow.name())
        .bind(run.subject.as_deref().filter(|s| !s.is_empty()))
        .bind(run.event.to_string())
        .bind(QUEUED)
        .bind($now_ms)
        .bind(&run.flow.hash)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            Enqueued::Fresh { run_id: id }
        } else {
            let found: Option<(String, String)> = sqlx::query_as(
                "SELECT run_id, event FROM runs WHERE flow = $1 AND event_key = $2 AND rerun_of IS NULL",
            )
            .bind(run.flow.name())
            .bind(run.key)
            .fetch_optional(&mut *$tx)
            .await?;
            match found {
                Some((run_id, event)) => Enqueued::Existing {
                    run_id,
                    event: serde_json::from_str(&event).unwrap_or(Value::Null),
                },
                None => Enqueued::Disabled,
            }
        }
    }};
}

impl Store {
    /// Queues one run of `flow` for the trigger key `key`, unless that key's first run of
    /// the flow exists: then that run is returned with its event (an `http` trigger's
    /// repeated `Idempotency-Key`, a schedule's fire time another replica started first).
    pub async fn enqueue_once(
        &self,
        flow: &Flow,
        key: &str,
        event: &Value,
        subject: Option<&str>,
        now_ms: i64,
    ) -> Result<Enqueued, StoreError> {
        let run = NewRun {
            flow,
            key,
            event,
            subject: subject.map(str::to_owned),
        };
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = insert_once!(tx, &run, now_ms);
            tx.commit().await?;
            done
        });
        Ok(done)
    }

    /// Queues a run of `flow` for `event_key` (`connector flow run`), with the subject the
    /// flow renders; returns the run's id (the first run's, if the key was used before).
    pub async fn enqueue(
        &self,
        flow: &Flow,
        event_key: &str,
        event: &Value,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        let subject = crate::flows::subject(flow, event);
        let done = self
            .enqueue_once(flow, event_key, event, Some(&subject), now_ms)
            .await?;
        done.run_id()
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Disabled(flow.name().to_owned()))
    }

    /// Stores a delivery's events (skipping those seen before) and queues the runs each
    /// new one starts, in one transaction: when this returns `Ok`, nothing is lost.
    pub async fn accept(
        &self,
        events: &[Delivered<'_>],
        now_ms: i64,
    ) -> Result<Accepted, StoreError> {
        let mut accepted = Accepted::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (index, event) in events.iter().enumerate() {
                let inserted = sqlx::query(
                    "INSERT INTO events (event_key, event_type, received_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (event_key) DO NOTHING",
                )
                .bind(event.key)
                .bind(event.event_type)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    accepted.duplicates += 1;
                    continue;
                }
                accepted.fresh.push(index);
                if !event.runs.is_empty() {
                    accepted.started.push(index);
                }
                for run in &event.runs {
                    if insert_once!(tx, run, now_ms).is_fresh() {
                        accepted.runs += 1;
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(accepted)
    }
}
