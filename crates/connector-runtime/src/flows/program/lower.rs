//! Lowering a flow file's model (which passed the shape checks) into the typed [`Program`]:
//! durations parsed, defaults applied, every mistake reported at its JSON pointer.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::config::parse_duration;
use crate::flows::model::{self, FlowFile, OnError, Then};

/// A mistake found while lowering: a JSON pointer into the file and what is wrong.
pub(crate) type LowerError = (String, String);

/// Lowers a file that passed the shape checks; every mistake is returned, each at its
/// JSON pointer.
pub(crate) fn lower(def: &FlowFile) -> Result<Program, Vec<LowerError>> {
    let mut errors = Vec::new();
    let backoff = def
        .retry
        .as_ref()
        .map(|r| durations(&r.backoff, "/retry/backoff", &mut errors));
    let steps = lower_steps(&def.steps, "/steps", &mut errors);
    if errors.is_empty() {
        Ok(Program { steps, backoff })
    } else {
        Err(errors)
    }
}

fn durations(texts: &[String], at: &str, errors: &mut Vec<LowerError>) -> Vec<Duration> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, text)| match parse_duration(text) {
            Ok(d) => Some(d),
            Err(why) => {
                errors.push((format!("{at}/{i}"), format!("bad duration {text:?}: {why}")));
                None
            }
        })
        .collect()
}

fn lower_step(step: &model::Step, at: &str, errors: &mut Vec<LowerError>) -> Option<Step> {
    let body = if let Some(card) = &step.card {
        Some(EachBody::Card(lower_card(step, card, at, errors)))
    } else if let Some(flow) = &step.call {
        Some(EachBody::Call(CallStep {
            flow: flow.clone(),
            input: input_of(step),
            on_error: lower_on_error(step),
        }))
    } else {
        step.spawn.as_ref().map(|flow| {
            EachBody::Spawn(SpawnStep {
                flow: flow.clone(),
                input: input_of(step),
                on_error: lower_on_error(step),
            })
        })
    };
    let mut condition = step.condition.clone();
    let kind = if let Some(body) = body {
        match &step.for_each {
            Some(list) => StepKind::ForEach(ForEachStep {
                list: list.clone(),
                item: step.as_name.clone().unwrap_or_else(|| "item".to_owned()),
                concurrency: usize::try_from(step.concurrency.unwrap_or(1).max(1)).unwrap_or(1),
                body,
            }),
            None => match body {
                EachBody::Card(card) => StepKind::Card(card),
                EachBody::Call(call) => StepKind::Call(call),
                EachBody::Spawn(spawn) => StepKind::Spawn(spawn),
            },
        }
    } else if let Some(then) = &step.then {
        // A block's `if` chooses its branch rather than guarding the step.
        StepKind::Block(BlockStep {
            condition: condition.take().unwrap_or_else(|| "false".to_owned()),
            then: lower_steps(then, &format!("{at}/then"), errors),
            otherwise: step
                .else_
                .as_ref()
                .map(|steps| lower_steps(steps, &format!("{at}/else"), errors))
                .unwrap_or_default(),
        })
    } else if let Some(values) = &step.assign {
        StepKind::Assign(AssignStep {
            values: values.clone(),
        })
    } else if let Some(ret) = &step.return_ {
        StepKind::Return(lower_return(ret))
    } else if let Some(fail) = &step.fail {
        StepKind::Fail(FailStep {
            message: fail.message.clone(),
            code: fail.code.clone(),
        })
    } else if let Some(wait) = &step.wait {
        StepKind::Wait(lower_wait(step, wait, &format!("{at}/wait"), errors)?)
    } else {
        errors.push((at.to_owned(), format!("step {:?} has no kind", step.id)));
        return None;
    };
    Some(Step {
        id: step.id.clone(),
        condition,
        kind,
    })
}

fn lower_steps(steps: &[model::Step], at: &str, errors: &mut Vec<LowerError>) -> Vec<Step> {
    steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| lower_step(step, &format!("{at}/{i}"), errors))
        .collect()
}

fn input_of(step: &model::Step) -> Value {
    step.input
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// A wait's duration: parsed, and at most [`MAX_WAIT`].
fn wait_duration(text: &str, at: &str, errors: &mut Vec<LowerError>) -> Option<Duration> {
    match parse_duration(text) {
        Ok(d) if d <= MAX_WAIT => Some(d),
        Ok(_) => {
            errors.push((
                at.to_owned(),
                format!("a wait is at most 366 days; {text:?} is longer"),
            ));
            None
        }
        Err(why) => {
            errors.push((at.to_owned(), format!("bad duration {text:?}: {why}")));
            None
        }
    }
}

fn lower_wait(
    step: &model::Step,
    wait: &model::WaitSpec,
    at: &str,
    errors: &mut Vec<LowerError>,
) -> Option<WaitStep> {
    let until = match (&wait.for_, &wait.until, &wait.signal) {
        (Some(text), None, None) if wait.timeout.is_none() => {
            WaitFor::Time(wait_duration(text, &format!("{at}/for"), errors)?)
        }
        (None, Some(text), None) if wait.timeout.is_none() => WaitFor::Instant(text.clone()),
        (None, None, Some(name)) => WaitFor::Signal {
            name: name.clone(),
            timeout: match &wait.timeout {
                Some(text) => wait_duration(text, &format!("{at}/timeout"), errors)?,
                None => MAX_WAIT,
            },
        },
        (None, None, None) => {
            errors.push((
                at.to_owned(),
                "a wait needs one of `for`, `until`, `signal`".to_owned(),
            ));
            return None;
        }
        (_, _, None) if wait.timeout.is_some() => {
            errors.push((
                format!("{at}/timeout"),
                "`timeout` belongs to a signal wait; `for` and `until` end by themselves"
                    .to_owned(),
            ));
            return None;
        }
        _ => {
            errors.push((
                at.to_owned(),
                "a wait has exactly one of `for`, `until`, `signal`".to_owned(),
            ));
            return None;
        }
    };
    Some(WaitStep {
        until,
        on_error: lower_on_error(step),
    })
}

fn lower_return(ret: &model::ReturnSpec) -> ReturnStep {
    ReturnStep {
        outcome: ret.outcome.clone(),
        output: ret.output.clone(),
    }
}

fn lower_card(step: &model::Step, card: &str, at: &str, errors: &mut Vec<LowerError>) -> CardStep {
    let (attempts, waits) = match &step.retry {
        Some(retry) => (
            retry.attempts.max(1),
            durations(&retry.backoff, &format!("{at}/retry/backoff"), errors),
        ),
        None => (1, Vec::new()),
    };
    CardStep {
        card: card.to_owned(),
        input: input_of(step),
        connection: step.connection.clone(),
        attempts,
        waits,
        on_error: lower_on_error(step),
    }
}

fn lower_on_error(step: &model::Step) -> ErrorPlan {
    match &step.on_error {
        None => ErrorPlan::Fail,
        Some(OnError::Continue(_)) => ErrorPlan::Continue,
        Some(OnError::Handlers(handlers)) => ErrorPlan::Handlers(
            handlers
                .iter()
                .map(|h| Handler {
                    condition: h.condition.clone(),
                    action: match (&h.return_, h.then) {
                        (Some(ret), _) => HandlerAction::Return(lower_return(ret)),
                        (None, Some(Then::Continue)) => HandlerAction::Continue,
                        (None, _) => HandlerAction::Fail,
                    },
                })
                .collect(),
        ),
    }
}
