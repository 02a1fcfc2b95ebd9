//! `wait`: the run is parked, holding no worker, lease or connection, until a time (`for`,
//! `until`) or a signal (`signal`, with its `timeout`).
//!
//! The first try that reaches the step works out when the wait ends (from the step's
//! start, `now()`) and journals it as a `waiting` record before the run is parked; the
//! store wakes the run at that time (its claim finds parked runs by their wake time), and
//! the try that then reaches the step reads the time from the record, never again from
//! the file: a wait goes on once, across restarts and replicas. A signal's delivery
//! journals the step's `succeeded` record itself (its body is the output) and queues the
//! run; a signal that does not come by the timeout fails the step with kind `timeout`
//! (code `signal_timeout`, never retried), which `on_error` may turn into an outcome.

use connector_core::{Error, ErrorKind};
use serde_json::{Value, json};

use super::card::{CardEnd, on_error, settle};
use crate::flows::journal::StepStatus;
use crate::flows::program::{MAX_WAIT, Step, WaitFor, WaitStep};
use crate::flows::runner::{Ending, Parked, Runner, expr_error};
use crate::time::{parse_rfc3339_ms, utc_text};
use crate::transient::SIGNAL_TIMEOUT;

/// The longest signal name.
pub const MAX_SIGNAL_NAME: usize = 64;

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The instant an `until` text names, refused when it is more than 366 days after `now_ms`.
pub(crate) fn wait_until(text: &str, now_ms: i64) -> Result<i64, String> {
    let at = parse_rfc3339_ms(text)?;
    if at.saturating_sub(now_ms) > millis(MAX_WAIT) {
        return Err(format!(
            "a wait is at most 366 days; {} is further ahead",
            connector_core::error::quote_input(text)
        ));
    }
    Ok(at)
}

/// When a wait that starts at `now` ends, and what the run's `waitingFor` says.
fn plan(runner: &Runner<'_, '_>, wait: &WaitStep, now: i64) -> Result<(i64, Value), Error> {
    Ok(match &wait.until {
        WaitFor::Time(d) => {
            let wake = now.saturating_add(millis(*d));
            (wake, json!({"wakeAt": utc_text(wake)}))
        }
        WaitFor::Instant(template) => {
            let text = match runner
                .exprs
                .render(&Value::String(template.clone()), &runner.scope(&[]))
                .map_err(expr_error)?
            {
                Value::String(text) => text,
                other => {
                    return Err(Error::invalid_input(format!(
                        "wait until gave {other}, not RFC 3339 text"
                    ))
                    .with_attempts(0));
                }
            };
            let wake =
                wait_until(&text, now).map_err(|e| Error::invalid_input(e).with_attempts(0))?;
            (wake, json!({"wakeAt": utc_text(wake)}))
        }
        WaitFor::Signal { name, timeout } => {
            let until = now.saturating_add(millis(*timeout));
            (until, json!({"signal": name, "until": utc_text(until)}))
        }
    })
}

/// The wake time a `waiting` record journaled.
fn journaled_wake(waiting_for: &Value) -> Option<i64> {
    let at = waiting_for
        .get("wakeAt")
        .or_else(|| waiting_for.get("until"))?;
    parse_rfc3339_ms(at.as_str()?).ok()
}

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    wait: &WaitStep,
) -> Result<Option<Ending>, Error> {
    let signal = match &wait.until {
        WaitFor::Signal { name, .. } => Some(name.clone()),
        WaitFor::Time(_) | WaitFor::Instant(_) => None,
    };
    if runner.attempt.dry_run {
        // A dry run does not wait: the step is listed with the wait it would begin.
        let mut record = runner.record(step, None, StepStatus::Succeeded);
        record.depends_on_answer = signal.is_some();
        record.output = plan(runner, wait, runner.started_ms())
            .ok()
            .map(|(_, waiting_for)| json!({ "wouldWait": waiting_for }));
        runner.commit(record).await?;
        runner.remember(&step.id, StepStatus::Succeeded, None, None);
        return Ok(None);
    }
    let began = runner
        .committed(&step.id)
        .iter()
        .rev()
        .find(|r| r.item.is_none() && r.status == StepStatus::Waiting)
        .map(|r| {
            (
                r.output.clone().unwrap_or(Value::Null),
                r.started_at.clone(),
            )
        });
    let now = runner.now_ms();
    let (wake_ms, waiting_for, started_at) = match began {
        Some((waiting_for, started_at)) => match journaled_wake(&waiting_for) {
            Some(wake) => (wake, waiting_for, started_at),
            None => {
                return Err(Error::invalid_input(format!(
                    "the journal of step {} holds no wake time",
                    step.id
                ))
                .with_attempts(0));
            }
        },
        None => {
            let (wake, waiting_for) = match plan(runner, wait, runner.started_ms()) {
                Ok(planned) => planned,
                Err(error) => {
                    let record = runner.record(step, None, StepStatus::Failed);
                    let end = on_error(runner, &wait.on_error, error, &[]);
                    return settle(runner, step, end, record).await;
                }
            };
            if now < wake {
                let mut record = runner.record(step, None, StepStatus::Waiting);
                record.output = Some(waiting_for.clone());
                runner.commit(record).await?;
            }
            let started_at = Some(utc_text(runner.started_ms()));
            (wake, waiting_for, started_at)
        }
    };
    if now < wake_ms {
        return Ok(Some(Ending::Waiting(Parked {
            wake_ms,
            waiting_for,
            signal,
            step: step.id.clone(),
        })));
    }
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.started_at.clone_from(&started_at);
    if let Some(started) = started_at.as_deref().and_then(|s| parse_rfc3339_ms(s).ok()) {
        record.duration_ms = (now - started).max(0) as f64;
    }
    match signal {
        None => {
            let output = json!({"wakeAt": utc_text(wake_ms), "wokeAt": utc_text(now)});
            settle(runner, step, CardEnd::Output(output), record).await
        }
        Some(name) => {
            let error = Error::new(
                ErrorKind::Timeout,
                format!("no signal {name:?} came before {}", utc_text(wake_ms)),
            )
            .with_code(SIGNAL_TIMEOUT)
            .with_attempts(0);
            let end = on_error(runner, &wait.on_error, error, &[]);
            settle(runner, step, end, record).await
        }
    }
}
