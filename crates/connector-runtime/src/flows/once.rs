//! One try of a flow in this process, as `connector flow run --dry-run` makes it, reported
//! as Flow History shows a run (the one run view, [`Run`]).

use serde_json::Value;

use super::engine::{run_try, subject};
use super::journal::StepError;
use super::runner::{Ending, Try};
use super::validate::Flow;
use super::{COMPLETED, Catalog, MemoryJournal};
use crate::run::{Run, RunState};
use crate::time::{now_ms, rfc3339};
use crate::transient::is_transient;

/// A run made in this process: the run as Flow History shows it, and the error it ended
/// with (for the command's exit code).
#[derive(Debug)]
#[non_exhaustive]
pub struct OnceRun {
    /// The run.
    pub run: Run,
    /// The error it ended with, if any.
    pub failure: Option<connector_core::Error>,
}

/// Runs one try of `flow` for `event` with the cards of `catalog`; a dry run evaluates
/// nothing that needs an answer.
pub async fn run_once(flow: &Flow, event: &Value, catalog: &dyn Catalog, dry_run: bool) -> OnceRun {
    let journal = MemoryJournal::default();
    let started = now_ms();
    let id = format!("run_{}", uuid::Uuid::new_v4().simple());
    let ending = run_try(
        Try {
            flow,
            event,
            run_id: &id,
            try_no: 1,
            done: &[],
            dry_run,
            metrics: None,
            spawner: None,
            clock: None,
        },
        catalog,
        &journal,
    )
    .await;
    let finished = now_ms();
    let (state, outcome, output, failure) = match ending {
        Ending::Returned { outcome, output } => {
            (RunState::Finished, Some(outcome), Some(output), None)
        }
        Ending::Completed => (RunState::Finished, Some(COMPLETED.to_owned()), None, None),
        Ending::Failed(e) if is_transient(&e) => (RunState::Retrying, None, None, Some(e)),
        Ending::Failed(e) => (RunState::DeadLettered, None, None, Some(e)),
        // A try in process has no store to park in, nor anyone to cancel it: it says where
        // it stopped.
        Ending::Waiting(_) => (RunState::Waiting, None, None, None),
        Ending::Cancelled => (RunState::Cancelled, None, None, None),
    };
    let subject = subject(flow, event);
    let run = Run {
        run_id: id.clone(),
        flow: flow.name().to_owned(),
        event_id: id,
        subject: (!subject.is_empty()).then_some(subject),
        state,
        outcome,
        tries: 1,
        queued_at: rfc3339(started),
        started_at: Some(rfc3339(started)),
        finished_at: Some(rfc3339(finished)),
        duration_ms: Some(finished - started),
        next_try_at: None,
        waiting_for: None,
        rerun_of: None,
        parent_run_id: None,
        event: connector_core::pipeline::mask_secrets(event),
        steps: {
            let mut steps = journal.records();
            crate::mask_steps(&mut steps);
            steps
        },
        output: output.map(|o| connector_core::pipeline::mask_secrets(&o)),
        error: failure
            .as_ref()
            .map(|e| serde_json::to_value(StepError::from_error(e)).unwrap_or(Value::Null)),
    };
    OnceRun { run, failure }
}
