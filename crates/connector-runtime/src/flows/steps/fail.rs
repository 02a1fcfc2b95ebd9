//! `fail: {message}`: the run ends as failed, dead-lettered at once.

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
    // The message is a template; one that cannot be rendered is shown as written.
    let message = match runner
        .exprs
        .render(&Value::String(fail.message.clone()), &runner.scope(&[]))
    {
        Ok(Value::String(m)) => m,
        Ok(other) => other.to_string(),
        Err(_) => fail.message.clone(),
    };
    // A `fail:` step dead-letters at once: its kind is a permanent one.
    let error = Error::new(ErrorKind::InvalidInput, message).with_attempts(0);
    let mut record = runner.record(step, None, StepStatus::Failed);
    record.error = Some(StepError::from_error(&error));
    runner.commit(record).await?;
    Ok(Some(Ending::Failed(error)))
}
