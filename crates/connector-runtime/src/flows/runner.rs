//! One try in progress: the scope expressions read, the journal each step is committed to
//! before the next starts, and what earlier tries committed. The step modules under
//! `steps/` read and commit through it; `engine.rs` walks the steps.

use std::collections::HashMap;

use connector_core::{Error, ErrorKind};
use serde_json::{Map, Value, json};

use super::Catalog;
use super::expr::{ExprError, Expressions};
use super::journal::{Journal, StepError, StepRecord, StepStatus};
use super::program::Step;
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
}

/// One try in progress: what the step modules read and commit through.
pub(super) struct Runner<'a, 'b> {
    pub(super) attempt: &'a Try<'b>,
    pub(super) catalog: &'a dyn Catalog,
    journal: &'a dyn Journal,
    pub(super) exprs: &'a Expressions,
    /// What earlier tries committed (but failures), by step id, in commit order.
    done: HashMap<&'a str, Vec<&'a StepRecord>>,
    /// `steps.<id>`: `{output, error, status}` of the steps so far.
    steps: Map<String, Value>,
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

    /// Commits a record; the run stops (to be tried again) when the journal cannot take it.
    pub(super) async fn commit(&self, record: StepRecord) -> Result<(), Error> {
        self.journal.commit(&record).await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("cannot commit step {}: {e}", record.id),
            )
        })
    }

    /// Applies a table card's action and commits its record in one transaction: the
    /// action's output, or its refusal; `Err` when the journal cannot take it (the try
    /// stops, to be tried again).
    pub(super) async fn commit_table(
        &self,
        record: &StepRecord,
        op: &crate::tables::TableOp,
    ) -> Result<Result<Value, Error>, Error> {
        self.journal.commit_table(record, op).await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("cannot commit step {}: {e}", record.id),
            )
        })
    }

    /// The records earlier tries committed for a step (its items, for a `for_each`).
    pub(super) fn committed(&self, id: &str) -> &[&StepRecord] {
        self.done.get(id).map_or(&[], Vec::as_slice)
    }

    /// The step's own record (not an item's) from an earlier try, the last one.
    pub(super) fn finished(&self, id: &str) -> Option<&StepRecord> {
        self.committed(id)
            .iter()
            .rev()
            .find(|r| r.item.is_none())
            .copied()
    }

    /// A fresh record of `step` for this try.
    pub(super) fn record(&self, step: &Step, card: Option<&str>, status: StepStatus) -> StepRecord {
        StepRecord {
            id: step.id.clone(),
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
        }
    }

    /// A runner for `attempt`, indexing what earlier tries committed by step id.
    pub(super) fn new(
        attempt: &'a Try<'b>,
        catalog: &'a dyn Catalog,
        journal: &'a dyn Journal,
        exprs: &'a Expressions,
    ) -> Runner<'a, 'b> {
        let mut done: HashMap<&'a str, Vec<&'a StepRecord>> = HashMap::new();
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
            done,
            steps: Map::new(),
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
