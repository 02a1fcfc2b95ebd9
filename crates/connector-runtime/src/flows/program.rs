//! The typed program a flow file lowers into: one [`StepKind`] per step, durations parsed,
//! defaults applied. Validation builds it once; the engine, the dry run and the pages
//! `match` on it and never look at the file's shape again.
//!
//! Adding a step kind is one module under `steps/` and one arm of [`StepKind`]; these
//! `match`es have no wildcard, so the compiler names every place that must handle it:
//! - `steps::run` (the engine and the dry run: a dry run is the engine in a mode),
//! - `steps::kind_name` (the run and flow pages, `connector flow list`),
//! - `lower` (validation, from the file's model),
//! - `steps::lists_cards` and `steps::card_of` (the dry run, the pages).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::model::{self, FlowFile, OnError, Then};
use crate::config::parse_duration;

/// How deep blocks nest (`then`/`else` in `then`/`else` ...): top-level steps are depth 1.
pub const MAX_BLOCK_DEPTH: usize = 16;

/// A flow's steps, typed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Program {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The flow's own retry schedule of whole runs (`retry.backoff`), when it has one.
    pub backoff: Option<Vec<Duration>>,
}

impl Program {
    /// Every step, those nested in blocks included, in the file's order.
    pub fn all_steps(&self) -> Vec<&Step> {
        let mut all = Vec::new();
        let mut stack: Vec<&Step> = self.steps.iter().rev().collect();
        while let Some(step) = stack.pop() {
            all.push(step);
            if let StepKind::Block(block) = &step.kind {
                stack.extend(block.otherwise.iter().rev());
                stack.extend(block.then.iter().rev());
            }
        }
        all
    }
}

/// One step: its id, its guard and what it does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Step {
    /// `[a-z0-9_]+`, unique in the flow.
    pub id: String,
    /// The step runs only when this expression is true (else it is `skipped`).
    pub condition: Option<String>,
    /// What it does.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StepKind {
    /// Runs a card.
    Card(CardStep),
    /// Runs a card once per item of a list.
    ForEach(ForEachStep),
    /// Names values: its output is that object.
    Assign(AssignStep),
    /// Ends the run with an outcome.
    Return(ReturnStep),
    /// Ends the run as failed (permanent).
    Fail(FailStep),
    /// `if` + `then` (+ `else`): runs one branch of nested steps.
    Block(BlockStep),
    /// Runs a callable flow inside this run.
    Call(CallStep),
    /// Starts a callable flow as a run of its own.
    Spawn(SpawnStep),
    /// Parks the run for a time, until a time, or until a signal.
    Wait(WaitStep),
}

/// `if` + `then: [steps]` (+ `else: [steps]`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BlockStep {
    /// The expression that chooses the branch.
    pub condition: String,
    /// The steps run when it is true.
    pub then: Vec<Step>,
    /// The steps run when it is false (none without `else`).
    pub otherwise: Vec<Step>,
}

/// `call: NAME` + `input`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CallStep {
    /// The callable flow's name.
    pub flow: String,
    /// Its input (its `event`); strings are templates.
    pub input: Value,
    /// What the callee's error means.
    pub on_error: ErrorPlan,
}

/// `spawn: NAME` + `input`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SpawnStep {
    /// The callable flow's name.
    pub flow: String,
    /// Its input (the new run's `event`); strings are templates.
    pub input: Value,
    /// What an error of starting it means.
    pub on_error: ErrorPlan,
}

/// What a `for_each` runs per item.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EachBody {
    /// A card.
    Card(CardStep),
    /// A callable flow, inside this run.
    Call(CallStep),
    /// A callable flow, as a run of its own.
    Spawn(SpawnStep),
}

/// A card and what its errors mean.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CardStep {
    /// `<connector>.<action>`.
    pub card: String,
    /// The input; strings are templates.
    pub input: Value,
    /// A named connection from the connections file.
    pub connection: Option<String>,
    /// Tries of transient errors in all (at least 1).
    pub attempts: u32,
    /// Waits between tries; the last repeats.
    pub waits: Vec<Duration>,
    /// What an error means.
    pub on_error: ErrorPlan,
}

/// What a card's error means.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ErrorPlan {
    /// No `on_error`: the error fails the run by its kind.
    Fail,
    /// `on_error: continue`.
    Continue,
    /// Handlers, first match wins; no match fails the run.
    Handlers(Vec<Handler>),
}

/// One `on_error` handler.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Handler {
    /// An expression over `error`; none matches every error.
    pub condition: Option<String>,
    /// What a match does.
    pub action: HandlerAction,
}

/// What a matching handler does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum HandlerAction {
    /// The step is `continued` and the run goes on.
    Continue,
    /// The run fails by the error's kind.
    Fail,
    /// The run ends with this outcome (the step is `returned`).
    Return(ReturnStep),
}

/// A card, a call or a spawn run once per item.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ForEachStep {
    /// An expression giving the list.
    pub list: String,
    /// The item's name in the body's expressions.
    pub item: String,
    /// Items run at once.
    pub concurrency: usize,
    /// What runs per item.
    pub body: EachBody,
}

/// `assign: {name: expr}`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AssignStep {
    /// Names and bare expressions.
    pub values: BTreeMap<String, String>,
}

/// `return: {outcome, output}`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReturnStep {
    /// The run's outcome.
    pub outcome: String,
    /// The run's output; strings are templates.
    pub output: Option<Value>,
}

/// `wait: {for | until | signal, timeout}`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WaitStep {
    /// What ends the wait.
    pub until: WaitFor,
    /// What a signal's timeout means (`on_error`).
    pub on_error: ErrorPlan,
}

/// What ends a wait.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WaitFor {
    /// A time after the step starts.
    Time(Duration),
    /// A time a template gives (RFC 3339).
    Instant(String),
    /// A signal of this name, or its timeout after the step starts.
    Signal {
        /// The signal's name.
        name: String,
        /// How long it is waited for.
        timeout: Duration,
    },
}

/// The longest wait: 366 days.
pub const MAX_WAIT: Duration = Duration::from_secs(366 * 86_400);

/// `fail: {message}`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FailStep {
    /// Why; a template.
    pub message: String,
}

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
