//! Running a flow's steps: in order, each step's result committed to a [`Journal`] before
//! the next starts, so that a retried, resumed or crashed run goes on after its last
//! committed step and a card that finished is never sent again for that run.
//!
//! The engine walks the steps and applies their guards; what a kind does is its module
//! under `steps/`, and what every kind shares is the [`Runner`] (`runner.rs`).

use std::future::Future;
use std::pin::Pin;

use connector_core::Error;
use serde_json::{Value, json};

use super::Catalog;
use super::expr::Expressions;
use super::journal::{Journal, StepStatus};
use super::program::{Step, StepKind};
use super::runner::{Ending, Runner, Try, expr_error, reads_answers};
use super::steps;
use super::validate::Flow;

/// Runs the steps of one try.
pub async fn run_try(attempt: Try<'_>, catalog: &dyn Catalog, journal: &dyn Journal) -> Ending {
    let exprs = Expressions::new();
    let mut runner = Runner::new(&attempt, catalog, journal, &exprs);
    match run_steps(&mut runner, &attempt.flow.program.steps).await {
        Ok(None) => Ending::Completed,
        Ok(Some(ending)) => ending,
        Err(error) => Ending::Failed(error),
    }
}

/// A boxed step future: blocks and calls run steps inside steps.
pub(super) type Steps<'r> =
    Pin<Box<dyn Future<Output = Result<Option<Ending>, Error>> + Send + 'r>>;

/// Runs `steps` in order (a flow's, a branch's, a called flow's); `Some` ends the try.
/// Steps an earlier try committed are not run again, only remembered.
pub(super) fn run_steps<'r>(runner: &'r mut Runner<'_, '_>, steps: &'r [Step]) -> Steps<'r> {
    Box::pin(async move {
        for step in steps {
            // A block walks its branch again to remember what its steps committed.
            let finished = match step.kind {
                StepKind::Block(_) => None,
                _ => runner.finished(&step.id),
            };
            if let Some(record) = finished {
                // A step that ended the run, committed by a try that did not get to commit
                // the run's end: the run ends the same way again, and nothing after it runs.
                let ended = record.status == StepStatus::Returned
                    || (matches!(step.kind, StepKind::Return(_))
                        && record.status == StepStatus::Succeeded);
                if ended {
                    return Ok(Some(Ending::from_record(record)));
                }
                runner.remember(
                    &step.id,
                    record.status,
                    record.output.clone(),
                    record.error.as_ref(),
                );
                if let Some(outcome) = &record.outcome {
                    runner.remember_outcome(&step.id, outcome);
                }
                continue;
            }
            if runner.cancel_requested().await {
                return Ok(Some(Ending::Cancelled));
            }
            runner.start_step();
            if let Some(ending) = run_step(runner, step).await? {
                return Ok(Some(ending));
            }
        }
        Ok(None)
    })
}

/// Runs one step, its guard first; `Some` ends the try.
async fn run_step(runner: &mut Runner<'_, '_>, step: &Step) -> Result<Option<Ending>, Error> {
    tracing::debug!(
        target: connector_core::PROGRESS_TARGET,
        flow = %runner.attempt.flow.name(),
        step = %step.id,
        "step"
    );
    if runner.uncertain && !steps::lists_cards(&step.kind) {
        // Inside a branch a dry run cannot choose: only cards are listed.
        let mut record = runner.record(step, None, StepStatus::Skipped);
        record.depends_on_answer = true;
        runner.commit(record).await?;
        runner.remember(&step.id, StepStatus::Skipped, None, None);
        return Ok(None);
    }
    if let Some(cond) = &step.condition {
        let unknown = runner.attempt.dry_run && reads_answers(runner.exprs, cond, true);
        // In a dry run a condition on an answer is not evaluated: a card under it is
        // listed, a step that ends the run is not taken.
        let taken = if unknown {
            steps::lists_cards(&step.kind)
        } else {
            runner
                .exprs
                .truthy(cond, &runner.scope(&[]))
                .map_err(expr_error)?
        };
        if !taken {
            let mut record = runner.record(step, None, StepStatus::Skipped);
            record.depends_on_answer = unknown;
            runner.commit(record).await?;
            runner.remember(&step.id, StepStatus::Skipped, None, None);
            return Ok(None);
        }
    }
    steps::run(runner, step).await
}

/// The outcome of a run that ran out of steps without a `return`.
pub const COMPLETED: &str = "completed";

/// The event's subject as the flow's `subject` template renders it (empty when none).
pub fn subject(flow: &Flow, event: &Value) -> String {
    let Some(template) = &flow.def.subject else {
        return String::new();
    };
    let scope = json!({ "event": event });
    match Expressions::new().render(&Value::String(template.clone()), &scope) {
        Ok(Value::String(text)) => text,
        Ok(Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}
