//! Running a flow's steps: in order, each step's result committed to a [`Journal`] before
//! the next starts, so that a retried, resumed or crashed run goes on after its last
//! committed step and a card that finished is never sent again for that run.
//!
//! The engine keeps what every step kind shares (the scope expressions read, the journal,
//! what earlier tries committed); what a kind does is its module under `steps/`.

use std::collections::HashMap;

use connector_core::{Error, ErrorKind};
use serde_json::{Map, Value, json};

use super::Catalog;
use super::expr::{ExprError, Expressions};
use super::journal::{Journal, StepError, StepRecord, StepStatus};
use super::program::{Step, StepKind};
use super::steps;
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

/// Runs the steps of one try.
pub async fn run_try(attempt: Try<'_>, catalog: &dyn Catalog, journal: &dyn Journal) -> Ending {
    let exprs = Expressions::new();
    let mut done: HashMap<&str, Vec<&StepRecord>> = HashMap::new();
    for record in attempt.done {
        if record.status != StepStatus::Failed {
            done.entry(record.id.as_str()).or_default().push(record);
        }
    }
    let mut runner = Runner {
        attempt: &attempt,
        catalog,
        journal,
        exprs: &exprs,
        done,
        steps: Map::new(),
    };
    runner.run().await
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

impl Runner<'_, '_> {
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

    /// The records earlier tries committed for a step (its items, for a `for_each`).
    pub(super) fn committed(&self, id: &str) -> &[&StepRecord] {
        self.done.get(id).map_or(&[], Vec::as_slice)
    }

    /// The step's own record (not an item's) from an earlier try, the last one.
    fn finished(&self, id: &str) -> Option<&StepRecord> {
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

    async fn run(&mut self) -> Ending {
        let steps = &self.attempt.flow.program.steps;
        for step in steps {
            if let Some(record) = self.finished(&step.id).cloned() {
                // A step that ended the run, committed by a try that did not get to commit
                // the run's end: the run ends the same way again, and nothing after it runs.
                let ended = record.status == StepStatus::Returned
                    || (matches!(step.kind, StepKind::Return(_))
                        && record.status == StepStatus::Succeeded);
                if ended {
                    return Ending::from_record(&record);
                }
                self.remember(
                    &step.id,
                    record.status,
                    record.output.clone(),
                    record.error.as_ref(),
                );
                continue;
            }
            match self.step(step).await {
                Ok(None) => {}
                Ok(Some(ending)) => return ending,
                Err(error) => return Ending::Failed(error),
            }
        }
        Ending::Completed
    }

    /// Runs one step; `Some` ends the try.
    async fn step(&mut self, step: &Step) -> Result<Option<Ending>, Error> {
        tracing::debug!(
            target: connector_core::PROGRESS_TARGET,
            flow = %self.attempt.flow.name(),
            step = %step.id,
            "step"
        );
        if let Some(cond) = &step.condition {
            let unknown = self.attempt.dry_run && reads_answers(self.exprs, cond, true);
            // In a dry run a condition on an answer is not evaluated: a card under it is
            // listed, a step that ends the run is not taken.
            let taken = if unknown {
                steps::lists_cards(&step.kind)
            } else {
                self.exprs
                    .truthy(cond, &self.scope(&[]))
                    .map_err(expr_error)?
            };
            if !taken {
                let mut record = self.record(step, None, StepStatus::Skipped);
                record.depends_on_answer = unknown;
                self.commit(record).await?;
                self.remember(&step.id, StepStatus::Skipped, None, None);
                return Ok(None);
            }
        }
        steps::run(self, step).await
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

/// The outcome of a run that ran out of steps without a `return`.
pub const COMPLETED: &str = "completed";

/// The event's subject as the flow's `subject` template renders it (empty when none).
pub fn subject(flow: &Flow, event: &Value) -> String {
    let Some(template) = &flow.def.subject else {
        return String::new();
    };
    let scope = json!({ "event": event });
    match Expressions::new().render(&Value::String(template.clone()), &scope) {
        Ok(Value::String(text)) => text,
        Ok(Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}
