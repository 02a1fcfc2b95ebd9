//! One try in progress: the scope expressions read, the journal each step is committed to
//! before the next starts, and what earlier tries committed. The step modules under
//! `steps/` read and commit through it; `engine.rs` walks the steps.

use std::collections::HashMap;
use std::sync::Arc;

use connector_core::{Error, ErrorKind};
use serde_json::{Map, Value, json};

use super::Catalog;
use super::expr::{ExprError, Expressions};
use super::journal::{Journal, StepError, StepRecord, StepStatus};
use super::program::Step;
use super::steps::Spawner;
use super::validate::Flow;

/// How a try ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Ending {
    /// A `return` step (or handler): the run's outcome and output.
    Returned {
        /// The outcome.
        outcome: String,
        /// The output.
        output: Value,
    },
    /// The steps ran out without a `return`: outcome `completed`.
    Completed,
    /// An error nothing handled: transient kinds are tried again, others dead-letter.
    Failed(Error),
}

impl Ending {
    /// The ending a committed `returned` (or `return`) record stands for.
    pub(super) fn from_record(record: &StepRecord) -> Ending {
        let ended = record.output.clone().unwrap_or(Value::Null);
        Ending::Returned {
            outcome: ended["outcome"].as_str().unwrap_or_default().to_owned(),
            output: ended["output"].clone(),
        }
    }
}

/// What one try needs.
#[derive(Clone)]
pub struct Try<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// The trigger's payload.
    pub event: &'a Value,
    /// The run's id (`run.id`).
    pub run_id: &'a str,
    /// This try's number (1-based).
    pub try_no: u32,
    /// What earlier tries committed: finished steps are not run again.
    pub done: &'a [StepRecord],
    /// A dry run: conditions and loops that depend on an answer are not evaluated.
    pub dry_run: bool,
    /// Where each card's calls are counted (`connector_api_attempts_total`).
    pub metrics: Option<&'a crate::Metrics>,
    /// Where `spawn` steps start their runs (the store); without one, a spawn fails.
    pub spawner: Option<&'a dyn Spawner>,
}

/// What earlier tries committed (but failures), by full step id, in commit order.
type Done<'b> = HashMap<&'b str, Vec<&'b StepRecord>>;

/// One try in progress: what the step modules read and commit through.
pub(super) struct Runner<'a, 'b> {
    pub(super) attempt: &'a Try<'b>,
    pub(super) catalog: &'a dyn Catalog,
    journal: &'a dyn Journal,
    pub(super) exprs: &'a Expressions,
    /// What earlier tries committed (but failures), by full step id: shared with the
    /// runners of called flows.
    done: Arc<Done<'b>>,
    /// `steps.<id>`: `{output, error, status}` of the steps so far.
    steps: Map<String, Value>,
    /// What this runner's step ids are journaled under: empty for the run's own flow,
    /// `CALL/` (or `CALL[i]/`) inside a called flow.
    pub(super) prefix: String,
    /// How many calls deep this runner runs (0: the run's own flow).
    pub(super) call_depth: usize,
    /// In a dry run, inside a block whose condition needs an answer: steps that would end
    /// the run are passed over, cards are listed.
    pub(super) uncertain: bool,
}

/// An expression that failed: the step fails `invalid_input`, nothing sent.
pub(super) fn expr_error(e: ExprError) -> Error {
    Error::invalid_input(e.message).with_attempts(0)
}

/// Whether an expression or template reads an earlier step's answer.
pub(super) fn reads_answers(exprs: &Expressions, source: &str, bare: bool) -> bool {
    let names = if bare {
        exprs.check_expression(source)
    } else {
        exprs.check_template(source)
    };
    names.is_ok_and(|names| {
        names
            .iter()
            .any(|n| n == "steps" || n.starts_with("steps."))
    })
}

/// Whether any template inside `value` reads an earlier step's answer.
pub(super) fn value_reads_answers(exprs: &Expressions, value: &Value) -> bool {
    match value {
        Value::String(text) => reads_answers(exprs, text, false),
        Value::Array(items) => items.iter().any(|v| value_reads_answers(exprs, v)),
        Value::Object(map) => map.values().any(|v| value_reads_answers(exprs, v)),
        _ => false,
    }
}

impl<'a, 'b> Runner<'a, 'b> {
    /// What expressions read: `event`, `run`, `steps`, and `extra` (the loop's item, `error`).
    pub(super) fn scope(&self, extra: &[(&str, Value)]) -> Value {
        let mut scope = json!({
            "event": self.attempt.event,
            "run": {"id": self.attempt.run_id},
            "steps": Value::Object(self.steps.clone()),
        });
        if let Value::Object(map) = &mut scope {
            for (name, value) in extra {
                map.insert((*name).to_owned(), value.clone());
            }
        }
        scope
    }

    /// Makes a step's result readable as `steps.<id>` by later steps.
    pub(super) fn remember(
        &mut self,
        id: &str,
        status: StepStatus,
        output: Option<Value>,
        error: Option<&StepError>,
    ) {
        self.steps.insert(
            id.to_owned(),
            json!({
                "status": status,
                "output": output,
                "error": error.map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
            }),
        );
    }

    /// Makes a call's outcome readable as `steps.<id>.outcome` (after [`Self::remember`]).
    pub(super) fn remember_outcome(&mut self, id: &str, outcome: &str) {
        if let Some(Value::Object(entry)) = self.steps.get_mut(id) {
            entry.insert("outcome".to_owned(), Value::String(outcome.to_owned()));
        }
    }

    /// The id a step of this runner is journaled under.
    pub(super) fn full_id(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    /// Commits a record; the run stops (to be tried again) when the journal cannot take it.
    pub(super) async fn commit(&self, record: StepRecord) -> Result<(), Error> {
        self.journal.commit(&record).await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("cannot commit step {}: {e}", record.id),
            )
        })
    }

    /// The records earlier tries committed for a step (its items, for a `for_each`).
    pub(super) fn committed(&self, id: &str) -> &[&'b StepRecord] {
        self.done
            .get(self.full_id(id).as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// The step's own record (not an item's) from an earlier try, the last one.
    pub(super) fn finished(&self, id: &str) -> Option<&'b StepRecord> {
        self.committed(id)
            .iter()
            .rev()
            .find(|r| r.item.is_none())
            .copied()
    }

    /// A fresh record of `step` for this try.
    pub(super) fn record(&self, step: &Step, card: Option<&str>, status: StepStatus) -> StepRecord {
        StepRecord {
            id: self.full_id(&step.id),
            card: card.map(str::to_owned),
            try_no: self.attempt.try_no,
            item: None,
            status,
            input: None,
            output: None,
            error: None,
            attempts: 0,
            limiter_wait_ms: 0.0,
            duration_ms: 0.0,
            depends_on_answer: false,
            outcome: None,
        }
    }

    /// A runner for `attempt`, indexing what earlier tries committed by step id.
    pub(super) fn new(
        attempt: &'a Try<'b>,
        catalog: &'a dyn Catalog,
        journal: &'a dyn Journal,
        exprs: &'a Expressions,
    ) -> Runner<'a, 'b> {
        let mut done: Done<'b> = HashMap::new();
        for record in attempt.done {
            if record.status != StepStatus::Failed {
                done.entry(record.id.as_str()).or_default().push(record);
            }
        }
        Runner {
            attempt,
            catalog,
            journal,
            exprs,
            done: Arc::new(done),
            steps: Map::new(),
            prefix: String::new(),
            call_depth: 0,
            uncertain: false,
        }
    }

    /// A runner for a called flow (`callee`, a try of the same run with the call's input as
    /// its event), journaling under `prefix` and sharing what earlier tries committed.
    pub(super) fn called<'c, 'd>(&'c self, callee: &'c Try<'d>, prefix: String) -> Runner<'c, 'd>
    where
        'b: 'd,
        'a: 'c,
    {
        Runner {
            attempt: callee,
            catalog: self.catalog,
            journal: self.journal,
            exprs: self.exprs,
            done: self.done.clone(),
            steps: Map::new(),
            prefix,
            call_depth: self.call_depth + 1,
            uncertain: self.uncertain,
        }
    }
}

/// What a value is, in words, for errors.
pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
