//! Running a flow's steps: in order, each step's result committed to a [`Journal`] before
//! the next starts, so that a retried, resumed or crashed run goes on after its last
//! committed step and a card that finished is never sent again for that run.
//!
//! The engine walks the steps and applies their guards; what a kind does is its module
//! under `steps/`, and what every kind shares is the [`Runner`] (`runner.rs`).

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
    for step in &attempt.flow.program.steps {
        if let Some(record) = runner.finished(&step.id).cloned() {
            // A step that ended the run, committed by a try that did not get to commit
            // the run's end: the run ends the same way again, and nothing after it runs.
            let ended = record.status == StepStatus::Returned
                || (matches!(step.kind, StepKind::Return(_))
                    && record.status == StepStatus::Succeeded);
            if ended {
                return Ending::from_record(&record);
            }
            runner.remember(
                &step.id,
                record.status,
                record.output.clone(),
                record.error.as_ref(),
            );
            continue;
        }
        if runner.cancel_requested().await {
            return Ending::Cancelled;
        }
        runner.start_step();
        match run_step(&mut runner, step).await {
            Ok(None) => {}
            Ok(Some(ending)) => return ending,
            Err(error) => return Ending::Failed(error),
        }
    }
    Ending::Completed
}

/// Runs one step, its guard first; `Some` ends the try.
async fn run_step(runner: &mut Runner<'_, '_>, step: &Step) -> Result<Option<Ending>, Error> {
    tracing::debug!(
        target: connector_core::PROGRESS_TARGET,
        flow = %runner.attempt.flow.name(),
        step = %step.id,
        "step"
    );
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
