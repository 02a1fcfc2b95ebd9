//! `fail: {message, code}`: the run ends as failed (kind `failed`, with the code when one
//! is given), dead-lettered at once; in a called flow, the call step fails with it.

use connector_core::{Error, ErrorKind};
use serde_json::Value;

use crate::flows::journal::{StepError, StepStatus};
use crate::flows::program::{FailStep, Step};
use crate::flows::runner::{Ending, Runner};

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    fail: &FailStep,
) -> Result<Option<Ending>, Error> {
    let message = render(runner, &fail.message);
    // A `fail:` step dead-letters at once: its kind is a permanent one.
    let mut error = Error::new(ErrorKind::Failed, message).with_attempts(0);
    if let Some(code) = &fail.code {
        error = error.with_code(render(runner, code));
    }
    let mut record = runner.record(step, None, StepStatus::Failed);
    record.error = Some(StepError::from_error(&error));
    runner.commit(record).await?;
    Ok(Some(Ending::Failed(error)))
}

/// A template of the step; one that cannot be rendered is shown as written.
fn render(runner: &Runner<'_, '_>, template: &str) -> String {
    match runner
        .exprs
        .render(&Value::String(template.to_owned()), &runner.scope(&[]))
    {
        Ok(Value::String(m)) => m,
        Ok(other) => other.to_string(),
        Err(_) => template.to_owned(),
    }
}
