//! `call: NAME` + `input`: a callable flow run inside this run. Its steps are journaled
//! under the call (`CALL/STEP`; `CALL[i]/STEP` for an item of a `for_each`), so a later
//! try of the run goes on inside the callee after its last committed step. The step's
//! output is the callee's `return.output`, `steps.<id>.outcome` its outcome; a callee's
//! `fail` or unhandled error fails the step with that error, for `on_error` to judge.

use std::time::Instant;

use connector_core::Error;
use serde_json::Value;

use super::card::{CardEnd, on_error, settle};
use crate::flows::COMPLETED;
use crate::flows::engine::run_steps;
use crate::flows::journal::{StepRecord, StepStatus};
use crate::flows::program::{CallStep, Step};
use crate::flows::runner::{Ending, Runner, Try, expr_error, value_reads_answers};
use crate::flows::validate::Flow;

/// The most calls nested in one another (a flow calling a flow calling ...).
pub const MAX_CALL_DEPTH: usize = 10;

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    call: &CallStep,
) -> Result<Option<Ending>, Error> {
    let (end, record) = attempt(runner, step, call, &[], None).await;
    settle(runner, step, end, record).await
}

/// Renders the input, checks it against the callee's schema, runs the callee's steps
/// under this step's id (and item), and applies `on_error` to its failure.
pub(super) async fn attempt(
    runner: &Runner<'_, '_>,
    step: &Step,
    call: &CallStep,
    extra: &[(&str, Value)],
    item: Option<usize>,
) -> (CardEnd, StepRecord) {
    let started = Instant::now();
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.item = item;
    record.attempts = 1;
    let outcome = match render_input(runner, call, extra, &mut record) {
        Ok(input) => run_callee(runner, step, call, item, input).await,
        Err(error) => Err(error),
    };
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let end = match outcome {
        Ok(Callee::Ended(outcome, output)) => {
            record.outcome = Some(outcome);
            CardEnd::Output(output)
        }
        Ok(Callee::Stopped(ending)) => CardEnd::Park(ending),
        Err(error) => on_error(runner, &call.on_error, error, extra),
    };
    (end, record)
}

/// The call's input, rendered (a dry run shows the templates that need an answer as
/// written) and recorded with its secrets masked.
fn render_input(
    runner: &Runner<'_, '_>,
    call: &CallStep,
    extra: &[(&str, Value)],
    record: &mut StepRecord,
) -> Result<Value, Error> {
    let scope = runner.scope(extra);
    let input = if runner.attempt.dry_run && value_reads_answers(runner.exprs, &call.input) {
        record.depends_on_answer = true;
        runner.exprs.render_placeholders(&call.input, &scope)
    } else {
        runner
            .exprs
            .render(&call.input, &scope)
            .map_err(expr_error)?
    };
    record.input = Some(connector_core::pipeline::mask_secrets(&input));
    Ok(input)
}

/// How a callee's steps stopped, when not with an error.
enum Callee {
    /// It ended: its outcome and output.
    Ended(String, Value),
    /// It parked at a `wait`, or was cancelled: the caller's run stops the same way.
    Stopped(Ending),
}

/// Runs the callee to its end (its outcome and output, or the error it failed with), or
/// until it parks.
async fn run_callee(
    runner: &Runner<'_, '_>,
    step: &Step,
    call: &CallStep,
    item: Option<usize>,
    input: Value,
) -> Result<Callee, Error> {
    let callee = runner.attempt.flow.callees.get(&call.flow).ok_or_else(|| {
        Error::configuration(format!(
            "the flow {:?} that step {} calls is not loaded with {:?}",
            call.flow,
            step.id,
            runner.attempt.flow.name()
        ))
    })?;
    if runner.call_depth >= MAX_CALL_DEPTH {
        return Err(Error::invalid_input(format!(
            "step {} calls {:?} deeper than {MAX_CALL_DEPTH} calls",
            step.id, call.flow
        ))
        .with_attempts(0));
    }
    if !runner.attempt.dry_run {
        check_input(callee, &input)?;
    }
    let prefix = format!(
        "{}{}{}/",
        runner.prefix,
        step.id,
        item.map(|i| format!("[{i}]")).unwrap_or_default()
    );
    let inner = Try {
        flow: callee,
        event: &input,
        ..runner.attempt.clone()
    };
    let mut called = runner.called(&inner, prefix);
    match run_steps(&mut called, &callee.program.steps).await? {
        None | Some(Ending::Completed) => Ok(Callee::Ended(COMPLETED.to_owned(), Value::Null)),
        Some(Ending::Returned { outcome, output }) => Ok(Callee::Ended(outcome, output)),
        Some(Ending::Failed(error)) => Err(error),
        Some(stop @ (Ending::Waiting(_) | Ending::Cancelled)) => Ok(Callee::Stopped(stop)),
    }
}

/// Checks a call's (or spawn's) input against the callable flow's input schema: a
/// mismatch is `invalid_input` naming the field, before any of its steps runs.
pub(crate) fn check_input(callee: &Flow, input: &Value) -> Result<(), Error> {
    let Some(schema) = crate::triggers::callable::input_schema(&callee.def.trigger) else {
        return Ok(());
    };
    let Ok(validator) = jsonschema::validator_for(schema) else {
        return Err(Error::configuration(format!(
            "the input schema of flow {:?} does not compile",
            callee.name()
        )));
    };
    match validator.iter_errors(input).next() {
        None => Ok(()),
        Some(error) => {
            // Named by its place and the rule it breaks, never by its value: an input may
            // hold a secret, and an error is shown in Flow History.
            let mut field = error.instance_path().to_string();
            if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
                field = format!("{field}/{}", property.as_str().unwrap_or_default());
            }
            let field = if field.is_empty() {
                "the input".to_owned()
            } else {
                format!("input field {field}")
            };
            Err(Error::invalid_input(format!(
                "{field} does not match the input schema of flow {:?} ({})",
                callee.name(),
                error.schema_path()
            ))
            .with_attempts(0))
        }
    }
}
