//! `assign: {name: expr}`: its output is the object of the values.

use connector_core::Error;
use serde_json::{Map, Value};

use crate::flows::journal::StepStatus;
use crate::flows::program::{AssignStep, Step};
use crate::flows::runner::{Ending, Runner, expr_error, reads_answers};

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    assign: &AssignStep,
) -> Result<Option<Ending>, Error> {
    let scope = runner.scope(&[]);
    let mut output = Map::new();
    for (name, expr) in &assign.values {
        // A dry run has no answers: a value computed from one is unknown (null).
        let value = if runner.attempt.dry_run && reads_answers(runner.exprs, expr, true) {
            Value::Null
        } else {
            runner.exprs.eval(expr, &scope).map_err(expr_error)?
        };
        output.insert(name.clone(), value);
    }
    let output = Value::Object(output);
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.output = Some(connector_core::pipeline::mask_secrets(&output));
    runner.commit(record).await?;
    runner.remember(&step.id, StepStatus::Succeeded, Some(output), None);
    Ok(None)
}
