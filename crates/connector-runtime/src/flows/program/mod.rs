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

mod lower;

pub(crate) use lower::lower;

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
    /// The error's code; a template.
    pub code: Option<String>,
}
