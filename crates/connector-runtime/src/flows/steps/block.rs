//! A block: `if` + `then: [steps]` (+ `else: [steps]`) runs one branch. The branch taken is
//! committed first (`{"branch": "then"}`, `{"branch": "else"}`, or a `skipped` block when
//! the condition is false and there is no `else`), so that a later try walks the same
//! branch whatever its condition would say then. The steps of the branch not taken are
//! not journaled and read as `skipped`, with no output.

use connector_core::Error;
use serde_json::{Value, json};

use crate::flows::engine::run_steps;
use crate::flows::journal::StepStatus;
use crate::flows::program::{BlockStep, Step, StepKind};
use crate::flows::runner::{Ending, Runner, expr_error, reads_answers};

/// Which branch ran.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Branch {
    Then,
    Else,
    Neither,
}

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    block: &BlockStep,
) -> Result<Option<Ending>, Error> {
    let branch = match runner.finished(&step.id) {
        Some(record) => match record.output.as_ref().and_then(|o| o["branch"].as_str()) {
            Some("then") => Branch::Then,
            Some("else") => Branch::Else,
            _ => Branch::Neither,
        },
        None => {
            if runner.attempt.dry_run && reads_answers(runner.exprs, &block.condition, true) {
                return both_branches(runner, step, block).await;
            }
            let taken = runner
                .exprs
                .truthy(&block.condition, &runner.scope(&[]))
                .map_err(expr_error)?;
            let branch = match (taken, block.otherwise.is_empty()) {
                (true, _) => Branch::Then,
                (false, false) => Branch::Else,
                (false, true) => Branch::Neither,
            };
            let (status, output) = outcome_of(branch);
            let mut record = runner.record(step, None, status);
            record.output = output;
            runner.commit(record).await?;
            branch
        }
    };
    let (status, output) = outcome_of(branch);
    runner.remember(&step.id, status, output, None);
    let (taken, other): (&[Step], &[Step]) = match branch {
        Branch::Then => (&block.then, &block.otherwise),
        Branch::Else => (&block.otherwise, &block.then),
        Branch::Neither => (&[], &block.then),
    };
    for id in skipped_ids(other) {
        runner.remember(id, StepStatus::Skipped, None, None);
    }
    run_steps(runner, taken).await
}

/// The block's status and output for the branch it took.
fn outcome_of(branch: Branch) -> (StepStatus, Option<Value>) {
    match branch {
        Branch::Then => (StepStatus::Succeeded, Some(json!({"branch": "then"}))),
        Branch::Else => (StepStatus::Succeeded, Some(json!({"branch": "else"}))),
        Branch::Neither => (StepStatus::Skipped, None),
    }
}

/// A dry run cannot choose a branch on an answer it does not have: both are walked, their
/// cards listed, and the steps that would end the run passed over.
async fn both_branches(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    block: &BlockStep,
) -> Result<Option<Ending>, Error> {
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.depends_on_answer = true;
    runner.commit(record).await?;
    runner.remember(&step.id, StepStatus::Succeeded, None, None);
    let was = std::mem::replace(&mut runner.uncertain, true);
    let mut ending = run_steps(runner, &block.then).await;
    if matches!(ending, Ok(None)) {
        ending = run_steps(runner, &block.otherwise).await;
    }
    runner.uncertain = was;
    ending
}

/// The ids of `steps` and of every step nested in them, in the file's order.
fn skipped_ids(steps: &[Step]) -> Vec<&str> {
    let mut ids = Vec::new();
    let mut stack: Vec<&Step> = steps.iter().rev().collect();
    while let Some(step) = stack.pop() {
        ids.push(step.id.as_str());
        if let StepKind::Block(block) = &step.kind {
            stack.extend(block.otherwise.iter().rev());
            stack.extend(block.then.iter().rev());
        }
    }
    ids
}
