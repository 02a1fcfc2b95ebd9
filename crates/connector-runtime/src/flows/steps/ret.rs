//! `return: {outcome, output}`: the run ends with an outcome.

use connector_core::Error;
use serde_json::{Value, json};

use crate::flows::journal::StepStatus;
use crate::flows::program::{ReturnStep, Step};
use crate::flows::runner::{Ending, Runner, expr_error, value_reads_answers};

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    ret: &ReturnStep,
) -> Result<Option<Ending>, Error> {
    let output = render_output(runner, ret, &[])?;
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.output = Some(connector_core::pipeline::mask_secrets(
        &json!({"outcome": ret.outcome, "output": output}),
    ));
    runner.commit(record).await?;
    Ok(Some(Ending::Returned {
        outcome: ret.outcome.clone(),
        output,
    }))
}

/// The output a `return` (a step's or an `on_error` handler's) renders; a dry run shows
/// the templates that need an answer as written.
pub(super) fn render_output(
    runner: &Runner<'_, '_>,
    ret: &ReturnStep,
    extra: &[(&str, Value)],
) -> Result<Value, Error> {
    match &ret.output {
        Some(template) if runner.attempt.dry_run && value_reads_answers(runner.exprs, template) => {
            Ok(template.clone())
        }
        Some(template) => runner
            .exprs
            .render(template, &runner.scope(extra))
            .map_err(expr_error),
        None => Ok(Value::Null),
    }
}
