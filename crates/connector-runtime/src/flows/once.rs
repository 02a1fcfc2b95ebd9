//! One try of a flow in this process, as `connector flow run` makes it, reported in the
//! shape Flow History gives a run.

use serde::Serialize;
use serde_json::Value;

use super::engine::{Ending, Try, run_try, subject};
use super::journal::{StepError, StepRecord};
use super::validate::Flow;
use super::{COMPLETED, Catalog, MemoryJournal};
use crate::store::{DEAD_LETTERED, FINISHED, RETRYING};
use crate::time::{now_ms, rfc3339};
use crate::worker::is_transient;

/// A run as Flow History shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunView {
    /// The run's id.
    pub run_id: String,
    /// The flow's name.
    pub flow: String,
    /// What the run is about (the flow's `subject`).
    pub subject: String,
    /// `finished`, `retrying` or `deadLettered`.
    pub state: String,
    /// The outcome, once the run ended with one.
    pub outcome: Option<String>,
    /// Tries so far.
    pub tries: u32,
    /// When the try started (RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// How long it took.
    pub duration_ms: i64,
    /// The trigger's payload.
    pub event: Value,
    /// Every step, in order.
    pub steps: Vec<StepRecord>,
    /// The outcome's output.
    pub output: Option<Value>,
    /// Why it failed.
    pub error: Option<StepError>,
    /// The error itself, for the exit code.
    #[serde(skip)]
    pub failure: Option<connector_core::Error>,
}

fn run_id() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    format!("run_{suffix}")
}

/// Runs one try of `flow` for `event` with the cards of `catalog`; a dry run evaluates
/// nothing that needs an answer.
pub async fn run_once(flow: &Flow, event: &Value, catalog: &dyn Catalog, dry_run: bool) -> RunView {
    let journal = MemoryJournal::default();
    let started = now_ms();
    let id = run_id();
    let ending = run_try(
        Try {
            flow,
            event,
            run_id: &id,
            try_no: 1,
            done: &[],
            dry_run,
            metrics: None,
        },
        catalog,
        &journal,
    )
    .await;
    let finished = now_ms();
    let (state, outcome, output, failure) = match ending {
        Ending::Returned { outcome, output } => (FINISHED, Some(outcome), Some(output), None),
        Ending::Completed => (FINISHED, Some(COMPLETED.to_owned()), None, None),
        Ending::Failed(e) if is_transient(e.kind()) => (RETRYING, None, None, Some(e)),
        Ending::Failed(e) => (DEAD_LETTERED, Some(DEAD_LETTERED.to_owned()), None, Some(e)),
    };
    RunView {
        run_id: id,
        flow: flow.name().to_owned(),
        subject: subject(flow, event),
        state: state.to_owned(),
        outcome,
        tries: 1,
        started_at: rfc3339(started),
        finished_at: rfc3339(finished),
        duration_ms: finished - started,
        event: connector_core::pipeline::mask_secrets(event),
        steps: {
            let mut steps = journal.records();
            crate::mask_steps(&mut steps);
            steps
        },
        output: output.map(|o| connector_core::pipeline::mask_secrets(&o)),
        error: failure.as_ref().map(StepError::from_error),
        failure,
    }
}
