//! Operating runs and flows: cancelling a run, delivering a signal to a parked one, and
//! switching a flow's triggers off and on. Each is one short transaction.

use serde_json::{Value, json};

use super::queries::{CANCELLED, QUEUED, RUNNING, WAITING};
use super::{Pool, Store, StoreError, on_pool};
use crate::flows::{StepRecord, StepStatus};
use crate::run::RunState;

/// What a cancel request found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cancel {
    /// A queued, retrying or waiting run: it is `cancelled` now.
    Cancelled,
    /// A running run: it ends `cancelled` at its next step boundary.
    Requested,
    /// The run had ended already (in this state).
    Ended(RunState),
    /// No such run.
    NotFound,
}

/// What a signal delivery found (an answer repeated for an `Idempotency-Key` is the first's).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signalled {
    /// The run waited for it: the wait step has the body as its output, the run is queued.
    Accepted,
    /// The same `Idempotency-Key` was accepted before (for this signal): nothing moved now.
    Repeated {
        /// The signal the key was first accepted for.
        name: String,
    },
    /// The run is not waiting for a signal of that name (state, and the signal it waits
    /// for, if any).
    NotWaiting {
        /// The run's state.
        state: RunState,
        /// The signal it waits for, if any.
        waits_for: Option<String>,
    },
    /// No such run.
    NotFound,
}

/// Rounds of a cancel that finds its run moving between states.
const MOVES: usize = 3;

impl Store {
    /// Cancels a run: a queued, retrying or waiting one ends `cancelled` now; a running one
    /// is asked to stop at its next step boundary.
    pub async fn cancel(&self, run_id: &str, now_ms: i64) -> Result<Cancel, StoreError> {
        let ended = format!(
            "UPDATE runs SET state = '{CANCELLED}', finished_ms = $1, lease_owner = NULL, lease_until_ms = NULL, \
             waiting_for = NULL, wait_signal = NULL, wait_step = NULL \
             WHERE run_id = $2 AND state IN ('{QUEUED}', 'retrying', '{WAITING}')"
        );
        let asked = format!(
            "UPDATE runs SET cancel_requested = 1 WHERE run_id = $1 AND state = '{RUNNING}'"
        );
        // A run that moves between the two statements (claimed, parked) is asked again; a
        // few rounds at most, then it is asked to stop whatever it does next.
        for _ in 0..MOVES {
            let (cancelled, requested) = on_pool!(self, pool => {
                let cancelled = sqlx::query(&ended).bind(now_ms).bind(run_id).execute(pool).await?.rows_affected();
                let requested = if cancelled == 0 {
                    sqlx::query(&asked).bind(run_id).execute(pool).await?.rows_affected()
                } else {
                    0
                };
                (cancelled, requested)
            });
            if cancelled == 1 {
                return Ok(Cancel::Cancelled);
            }
            if requested == 1 {
                return Ok(Cancel::Requested);
            }
            match self.state_of(run_id).await? {
                Some(state) if state.has_ended() => return Ok(Cancel::Ended(state)),
                Some(_) => continue,
                None => return Ok(Cancel::NotFound),
            }
        }
        let flag = "UPDATE runs SET cancel_requested = 1 WHERE run_id = $1";
        on_pool!(self, pool => sqlx::query(flag).bind(run_id).execute(pool).await.map(|_| ())?);
        Ok(Cancel::Requested)
    }

    /// A run's state, if it exists.
    pub async fn state_of(&self, run_id: &str) -> Result<Option<RunState>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT state FROM runs WHERE run_id = $1").bind(run_id).fetch_optional(pool).await?
        );
        Ok(row.map(|(state,)| RunState::parse(&state).unwrap_or(RunState::Queued)))
    }

    /// Delivers the signal `name` to a run parked on it: in one transaction, the wait
    /// step's record (its output `body`) is journaled and the run queued. With `key` (an
    /// `Idempotency-Key`, scoped by the run), a key accepted before answers
    /// [`Signalled::Repeated`] and moves nothing, even after the run moved on.
    pub async fn signal(
        &self,
        run_id: &str,
        name: &str,
        body: &Value,
        key: Option<&str>,
        now_ms: i64,
    ) -> Result<Signalled, StoreError> {
        // RETURNING gives the values after the update: `wait_step` is left for the claim to
        // clear (a queued run matches no signal, whatever its `wait_signal`).
        let park = format!(
            "UPDATE runs SET state = '{QUEUED}', due_ms = $1, waiting_for = NULL \
             WHERE run_id = $2 AND state = '{WAITING}' AND wait_signal = $3 RETURNING wait_step, tries"
        );
        let accepted = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The key's row first: it takes the write lock at once, and tells a repeat.
            let fresh_key = match key {
                Some(key) => sqlx::query(
                    "INSERT INTO signals (run_id, idempotency_key, name, received_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(run_id).bind(key).bind(name).bind(now_ms)
                .execute(&mut *tx).await?.rows_affected() == 1,
                None => true,
            };
            if let Some(key) = key.filter(|_| !fresh_key) {
                let (first,): (String,) = sqlx::query_as(
                    "SELECT name FROM signals WHERE run_id = $1 AND idempotency_key = $2",
                )
                .bind(run_id).bind(key).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                return Ok(Signalled::Repeated { name: first });
            }
            let moved: Option<(Option<String>, i64)> =
                sqlx::query_as(&park).bind(now_ms).bind(run_id).bind(name).fetch_optional(&mut *tx).await?;
            match moved {
                Some((step, tries)) => {
                    let record = signal_record(step.as_deref().unwrap_or(name), tries, body, now_ms);
                    sqlx::query(
                        "INSERT INTO steps (run_id, seq, try_no, step_id, record) \
                         SELECT $1, COALESCE((SELECT MAX(seq) FROM steps WHERE run_id = $1), 0) + 1, $2, $3, $4",
                    )
                    .bind(run_id).bind(tries).bind(&record.id).bind(Self::encode(&record))
                    .execute(&mut *tx).await?;
                    tx.commit().await?;
                    true
                }
                None => {
                    // Refused: the key is not spent, so a retry once the run waits can pass.
                    tx.rollback().await?;
                    false
                }
            }
        });
        if accepted {
            return Ok(Signalled::Accepted);
        }
        let row: Option<(String, Option<String>)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT state, wait_signal FROM runs WHERE run_id = $1").bind(run_id).fetch_optional(pool).await?
        );
        Ok(match row {
            Some((state, waits_for)) => Signalled::NotWaiting {
                state: RunState::parse(&state).unwrap_or(RunState::Queued),
                waits_for,
            },
            None => Signalled::NotFound,
        })
    }

    /// Records the flows a process loads (enabled unless switched off before): the flows
    /// `connector flow disable|enable` may name.
    pub async fn register_flows(&self, names: &[&str], now_ms: i64) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            for name in names {
                sqlx::query(
                    "INSERT INTO flow_switches (flow, enabled, changed_ms) VALUES ($1, 1, $2) ON CONFLICT (flow) DO NOTHING",
                )
                .bind(*name).bind(now_ms).execute(pool).await?;
            }
        });
        Ok(())
    }

    /// Switches a flow's triggers on or off on every replica; false when the store has
    /// never seen a flow of that name. Enabling does not catch up the schedule's fire
    /// times missed while it was off.
    pub async fn set_enabled(
        &self,
        flow: &str,
        enabled: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE flow_switches SET enabled = $1, changed_ms = $2 WHERE flow = $3")
                .bind(i64::from(enabled)).bind(now_ms).bind(flow)
                .execute(&mut *tx).await?.rows_affected();
            if enabled {
                sqlx::query("UPDATE schedules SET first_seen_ms = $1 WHERE flow = $2 AND first_seen_ms < $1")
                    .bind(now_ms).bind(flow).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            done
        });
        Ok(done == 1)
    }

    /// Whether a flow's triggers may start runs (a flow never switched off may).
    pub async fn is_enabled(&self, flow: &str) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT enabled FROM flow_switches WHERE flow = $1").bind(flow).fetch_optional(pool).await?
        );
        Ok(row.is_none_or(|(enabled,)| enabled != 0))
    }

    /// The flows switched off.
    pub async fn disabled_flows(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT flow FROM flow_switches WHERE enabled = 0 ORDER BY flow").fetch_all(pool).await?
        );
        Ok(rows.into_iter().map(|(flow,)| flow).collect())
    }

    /// Whether a running run was asked to stop.
    pub(crate) async fn cancel_requested(&self, run_id: &str) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, pool =>
            sqlx::query_as("SELECT cancel_requested FROM runs WHERE run_id = $1").bind(run_id).fetch_optional(pool).await?
        );
        Ok(row.is_some_and(|(asked,)| asked != 0))
    }
}

/// The wait step's record a signal journals: its body is the output (secrets masked, as
/// every record's).
fn signal_record(step: &str, tries: i64, body: &Value, now_ms: i64) -> StepRecord {
    StepRecord {
        id: step.to_owned(),
        card: None,
        try_no: u32::try_from(tries).unwrap_or(0),
        item: None,
        status: StepStatus::Succeeded,
        input: None,
        output: Some(connector_core::pipeline::mask_secrets(body)),
        error: None,
        attempts: 0,
        limiter_wait_ms: 0.0,
        duration_ms: 0.0,
        depends_on_answer: false,
        outcome: None,
        started_at: Some(crate::time::utc_text(now_ms)),
    }
}

/// The answer a signal's route and `history signal` give, by what the store found.
pub fn signal_answer(run_id: &str, name: &str, found: &Signalled) -> (u16, Value) {
    match found {
        Signalled::Accepted => (
            202,
            json!({"runId": run_id, "signal": name, "state": "queued"}),
        ),
        Signalled::Repeated { name: first } => (
            202,
            json!({"runId": run_id, "signal": first, "state": "queued"}),
        ),
        Signalled::NotWaiting { state, waits_for } => (
            409,
            json!({"error": {"kind": "conflict", "message": match waits_for {
                Some(other) => format!("run {run_id} waits for the signal {other:?}, not {name:?}"),
                None => format!("run {run_id} is {state}, not waiting for a signal"),
            }}}),
        ),
        Signalled::NotFound => (
            404,
            json!({"error": {"kind": "not_found", "message": format!("no run {run_id}")}}),
        ),
    }
}
