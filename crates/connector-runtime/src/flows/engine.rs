//! Running a flow's steps: in order, each step's result committed to a [`Journal`] before
//! the next starts, so that a retried, resumed or crashed run goes on after its last
//! committed step and a card that finished is never sent again for that run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use connector_core::{Error, ErrorKind};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::Catalog;
use super::expr::{ExprError, Expressions};
use super::journal::{Journal, StepError, StepRecord, StepStatus};
use super::model::{Handler, OnError, Step, Then};
use super::validate::Flow;
use crate::config::parse_duration;
use crate::worker::is_transient;

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
    let mut runner = Runner {
        attempt: &attempt,
        catalog,
        journal,
        exprs: &exprs,
        steps: Map::new(),
    };
    runner.run().await
}

struct Runner<'a, 'b> {
    attempt: &'a Try<'b>,
    catalog: &'a dyn Catalog,
    journal: &'a dyn Journal,
    exprs: &'a Expressions,
    /// `steps.<id>`: `{output, error, status}` of the steps so far.
    steps: Map<String, Value>,
}

fn expr_error(e: ExprError) -> Error {
    Error::invalid_input(e.message).with_attempts(0)
}

/// Whether an expression or template reads an earlier step's answer.
fn reads_answers(exprs: &Expressions, source: &str, bare: bool) -> bool {
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

fn value_reads_answers(exprs: &Expressions, value: &Value) -> bool {
    match value {
        Value::String(text) => reads_answers(exprs, text, false),
        Value::Array(items) => items.iter().any(|v| value_reads_answers(exprs, v)),
        Value::Object(map) => map.values().any(|v| value_reads_answers(exprs, v)),
        _ => false,
    }
}

enum CardEnd {
    Output(Value),
    /// Handled: the step is `continued` and the run goes on.
    Continue(StepError),
    /// Handled: the run ends with this outcome.
    Return(String, Value),
    /// Unhandled, or `then: fail`.
    Fail(Error),
}

impl Runner<'_, '_> {
    fn scope(&self, extra: &[(&str, Value)]) -> Value {
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

    fn remember(
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

    async fn commit(&self, record: StepRecord) -> Result<(), Error> {
        self.journal.commit(&record).await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("cannot commit step {}: {e}", record.id),
            )
        })
    }

    fn done(&self, id: &str) -> Option<&StepRecord> {
        self.attempt
            .done
            .iter()
            .rev()
            .find(|r| r.id == id && r.item.is_none() && r.status != StepStatus::Failed)
    }

    async fn run(&mut self) -> Ending {
        let steps = &self.attempt.flow.def.steps;
        for step in steps {
            if let Some(record) = self.done(&step.id).cloned() {
                // A return committed by a try that did not get to commit the run's end: the
                // run ends the same way again.
                if step.return_.is_some() && record.status == StepStatus::Succeeded {
                    let ended = record.output.unwrap_or(Value::Null);
                    return Ending::Returned {
                        outcome: ended["outcome"].as_str().unwrap_or_default().to_owned(),
                        output: ended["output"].clone(),
                    };
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

    fn record(&self, step: &Step, status: StepStatus) -> StepRecord {
        StepRecord {
            id: step.id.clone(),
            card: step.card.clone(),
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

    /// Runs one step; `Some` ends the try.
    async fn step(&mut self, step: &Step) -> Result<Option<Ending>, Error> {
        let dry = self.attempt.dry_run;
        tracing::debug!(
            target: connector_core::PROGRESS_TARGET,
            flow = %self.attempt.flow.name(),
            step = %step.id,
            "step"
        );
        if let Some(cond) = &step.condition {
            let unknown = dry && reads_answers(self.exprs, cond, true);
            // In a dry run a condition on an answer is not evaluated: a card under it is
            // listed, a `return` under it is not taken.
            let taken = if unknown {
                step.card.is_some()
            } else {
                self.exprs
                    .truthy(cond, &self.scope(&[]))
                    .map_err(expr_error)?
            };
            if !taken {
                let mut record = self.record(step, StepStatus::Skipped);
                record.depends_on_answer = unknown;
                self.commit(record).await?;
                self.remember(&step.id, StepStatus::Skipped, None, None);
                return Ok(None);
            }
        }
        if let Some(assign) = &step.assign {
            let scope = self.scope(&[]);
            let mut output = Map::new();
            for (name, expr) in assign {
                let value = if dry && reads_answers(self.exprs, expr, true) {
                    Value::Null
                } else {
                    self.exprs.eval(expr, &scope).map_err(expr_error)?
                };
                output.insert(name.clone(), value);
            }
            let output = Value::Object(output);
            let mut record = self.record(step, StepStatus::Succeeded);
            record.output = Some(connector_core::pipeline::mask_secrets(&output));
            self.commit(record).await?;
            self.remember(&step.id, StepStatus::Succeeded, Some(output), None);
            return Ok(None);
        }
        if let Some(ret) = &step.return_ {
            let output = match &ret.output {
                Some(template) if dry && value_reads_answers(self.exprs, template) => {
                    template.clone()
                }
                Some(template) => self
                    .exprs
                    .render(template, &self.scope(&[]))
                    .map_err(expr_error)?,
                None => Value::Null,
            };
            let mut record = self.record(step, StepStatus::Succeeded);
            record.output = Some(connector_core::pipeline::mask_secrets(
                &json!({"outcome": ret.outcome, "output": output}),
            ));
            self.commit(record).await?;
            return Ok(Some(Ending::Returned {
                outcome: ret.outcome.clone(),
                output,
            }));
        }
        if let Some(fail) = &step.fail {
            let message = match self
                .exprs
                .render(&Value::String(fail.message.clone()), &self.scope(&[]))
            {
                Ok(Value::String(m)) => m,
                Ok(other) => other.to_string(),
                Err(_) => fail.message.clone(),
            };
            let error = Error::new(ErrorKind::InvalidInput, message).with_attempts(0);
            let mut record = self.record(step, StepStatus::Failed);
            record.error = Some(StepError::from_error(&error));
            self.commit(record).await?;
            // A `fail:` step dead-letters at once, whatever kind it names.
            return Ok(Some(Ending::Failed(
                error.with_kind(ErrorKind::InvalidInput),
            )));
        }
        let Some(card) = &step.card else {
            return Ok(None);
        };
        if step.for_each.is_some() {
            return self.for_each(step, card).await;
        }
        let (end, mut record) = self.card(step, card, &[], None, false).await;
        self.finish_card(step, end, &mut record).await
    }

    async fn finish_card(
        &mut self,
        step: &Step,
        end: CardEnd,
        record: &mut StepRecord,
    ) -> Result<Option<Ending>, Error> {
        match end {
            CardEnd::Output(output) => {
                record.status = StepStatus::Succeeded;
                record.output = Some(connector_core::pipeline::mask_secrets(&output));
                self.commit(record.clone()).await?;
                // A dry run's answers are made up: nothing later may read them.
                let output = (!self.attempt.dry_run).then_some(output);
                self.remember(&step.id, StepStatus::Succeeded, output, None);
                Ok(None)
            }
            CardEnd::Continue(error) => {
                record.status = StepStatus::Continued;
                record.error = Some(error.clone());
                self.commit(record.clone()).await?;
                self.remember(&step.id, StepStatus::Continued, None, Some(&error));
                Ok(None)
            }
            CardEnd::Return(outcome, output) => {
                record.status = StepStatus::Continued;
                self.commit(record.clone()).await?;
                Ok(Some(Ending::Returned { outcome, output }))
            }
            CardEnd::Fail(error) => {
                record.status = StepStatus::Failed;
                record.error = Some(StepError::from_error(&error));
                self.commit(record.clone()).await?;
                Ok(Some(Ending::Failed(error)))
            }
        }
    }

    /// Renders the input, runs the card with its retries, and applies `on_error`.
    async fn card(
        &self,
        step: &Step,
        card: &str,
        extra: &[(&str, Value)],
        item: Option<usize>,
        item_unknown: bool,
    ) -> (CardEnd, StepRecord) {
        let started = Instant::now();
        let mut record = self.record(step, StepStatus::Succeeded);
        record.item = item;
        let scope = self.scope(extra);
        let template = step.input.clone().unwrap_or_else(|| json!({}));
        let dry = self.attempt.dry_run;
        record.depends_on_answer =
            dry && (item_unknown || value_reads_answers(self.exprs, &template));
        let rendered = if record.depends_on_answer {
            Ok(self.exprs.render_placeholders(&template, &scope))
        } else {
            self.exprs.render(&template, &scope).map_err(expr_error)
        };
        let outcome = match rendered {
            Err(error) => Err(error),
            Ok(input) => {
                record.input = Some(connector_core::pipeline::mask_secrets(&input));
                self.run_with_retry(step, card, input, &mut record).await
            }
        };
        record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let end = match outcome {
            Ok(output) => CardEnd::Output(output),
            // A dry run stops a card where it needs a real answer: its requests so far are
            // listed, and the flow goes on to list the next cards.
            Err(error) if dry && error.is_dry_run_stop() => CardEnd::Output(Value::Null),
            Err(error) => self.on_error(step, error, extra),
        };
        (end, record)
    }

    async fn run_with_retry(
        &self,
        step: &Step,
        card: &str,
        input: Value,
        record: &mut StepRecord,
    ) -> Result<Value, Error> {
        let (tries, waits) = match &step.retry {
            Some(retry) => (
                retry.attempts.max(1),
                retry
                    .backoff
                    .iter()
                    .filter_map(|w| parse_duration(w).ok())
                    .collect::<Vec<_>>(),
            ),
            None => (1, Vec::new()),
        };
        let mut last = None;
        for n in 0..tries {
            if n > 0 {
                let wait = waits
                    .get(usize::try_from(n - 1).unwrap_or(0))
                    .or(waits.last())
                    .copied()
                    .unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(wait).await;
            }
            let (result, observed) = crate::calls::observe(self.catalog.run(
                card,
                step.connection.as_deref(),
                input.clone(),
            ))
            .await;
            record.attempts += observed.attempts.max(1);
            record.limiter_wait_ms += observed.limiter_wait.as_secs_f64() * 1000.0;
            if let Some(metrics) = self.attempt.metrics {
                let (connector, action) = card.split_once('.').unwrap_or((card, ""));
                metrics.observe_calls(connector, action, &observed);
            }
            match result {
                Ok(output) => return Ok(output),
                Err(error) if is_transient(error.kind()) && n + 1 < tries => last = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Unavailable, "the card was not run")))
    }

    fn on_error(&self, step: &Step, error: Error, extra: &[(&str, Value)]) -> CardEnd {
        let facts = StepError::from_error(&error);
        let handlers: &[Handler] = match &step.on_error {
            None => return CardEnd::Fail(error),
            Some(OnError::Continue(_)) => return CardEnd::Continue(facts),
            Some(OnError::Handlers(handlers)) => handlers,
        };
        let mut with_error: Vec<(&str, Value)> = extra.to_vec();
        with_error.push(("error", serde_json::to_value(&facts).unwrap_or(Value::Null)));
        let scope = self.scope(&with_error);
        for handler in handlers {
            let matched = match &handler.condition {
                None => true,
                Some(cond) => match self.exprs.truthy(cond, &scope) {
                    Ok(matched) => matched,
                    Err(e) => return CardEnd::Fail(expr_error(e)),
                },
            };
            if !matched {
                continue;
            }
            if let Some(ret) = &handler.return_ {
                let output = match &ret.output {
                    Some(template) => match self.exprs.render(template, &scope) {
                        Ok(output) => output,
                        Err(e) => return CardEnd::Fail(expr_error(e)),
                    },
                    None => Value::Null,
                };
                return CardEnd::Return(ret.outcome.clone(), output);
            }
            return match handler.then {
                Some(Then::Continue) => CardEnd::Continue(facts),
                _ => CardEnd::Fail(error),
            };
        }
        CardEnd::Fail(error)
    }

    async fn for_each(&mut self, step: &Step, card: &str) -> Result<Option<Ending>, Error> {
        let list_expr = step.for_each.as_deref().unwrap_or("[]");
        let name = step.as_name.clone().unwrap_or_else(|| "item".to_owned());
        let unknown = self.attempt.dry_run && reads_answers(self.exprs, list_expr, true);
        let items: Vec<Value> = if unknown {
            // The list comes from an answer a dry run does not have: the card is listed once.
            vec![Value::Null]
        } else {
            match self
                .exprs
                .eval(list_expr, &self.scope(&[]))
                .map_err(expr_error)?
            {
                Value::Array(items) if items.len() > super::MAX_FOR_EACH_ITEMS => {
                    return Err(Error::invalid_input(format!(
                        "for_each of step {} gave {} items, over the {} a for_each takes",
                        step.id,
                        items.len(),
                        super::MAX_FOR_EACH_ITEMS
                    ))
                    .with_attempts(0));
                }
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => {
                    return Err(Error::invalid_input(format!(
                        "for_each of step {} gave {}, not a list",
                        step.id,
                        kind_of(&other)
                    ))
                    .with_attempts(0));
                }
            }
        };
        let done: BTreeMap<usize, StepRecord> = self
            .attempt
            .done
            .iter()
            .filter(|r| r.id == step.id && r.status != StepStatus::Failed)
            .filter_map(|r| r.item.map(|i| (i, r.clone())))
            .collect();
        let concurrency = usize::try_from(step.concurrency.unwrap_or(1).max(1)).unwrap_or(1);
        let started = Instant::now();
        let this = &*self;
        let pending: Vec<(usize, Value)> = items
            .iter()
            .enumerate()
            .filter(|(i, _)| !done.contains_key(i))
            .map(|(i, item)| (i, item.clone()))
            .collect();
        let mut results: BTreeMap<usize, Value> = done
            .iter()
            .map(|(i, r)| (*i, r.output.clone().unwrap_or(Value::Null)))
            .collect();
        let mut failure = None;
        let name = name.as_str();
        let mut futures = Vec::with_capacity(pending.len());
        for (i, item) in pending {
            futures.push(async move {
                let extra = [(name, item)];
                let (end, record) = this.card(step, card, &extra, Some(i), unknown).await;
                (i, end, record)
            });
        }
        let mut runs = futures_util::stream::iter(futures).buffer_unordered(concurrency);
        while let Some((i, end, mut record)) = runs.next().await {
            match end {
                CardEnd::Output(output) => {
                    record.status = StepStatus::Succeeded;
                    record.output = Some(connector_core::pipeline::mask_secrets(&output));
                    this.commit(record).await?;
                    results.insert(i, output);
                }
                CardEnd::Continue(error) => {
                    record.status = StepStatus::Continued;
                    record.error = Some(error);
                    this.commit(record).await?;
                    results.insert(i, Value::Null);
                }
                CardEnd::Return(outcome, output) => {
                    record.status = StepStatus::Continued;
                    this.commit(record).await?;
                    failure.get_or_insert(Ending::Returned { outcome, output });
                }
                CardEnd::Fail(error) => {
                    record.status = StepStatus::Failed;
                    record.error = Some(StepError::from_error(&error));
                    this.commit(record).await?;
                    failure.get_or_insert(Ending::Failed(error));
                }
            }
        }
        drop(runs);
        if let Some(ending) = failure {
            return Ok(Some(ending));
        }
        let output = Value::Array(results.into_values().collect());
        let mut record = self.record(step, StepStatus::Succeeded);
        record.output = Some(connector_core::pipeline::mask_secrets(&output));
        record.attempts = u32::try_from(items.len()).unwrap_or(u32::MAX);
        record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.commit(record).await?;
        self.remember(&step.id, StepStatus::Succeeded, Some(output), None);
        Ok(None)
    }
}

fn kind_of(value: &Value) -> &'static str {
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
