//! A card step: render the input, run the card with its own retries, and let `on_error`
//! decide what an error means.

use std::time::{Duration, Instant};

use connector_core::{Error, ErrorKind};
use serde_json::{Value, json};

use super::ret::render_output;
use super::table::TableEnd;
use crate::flows::journal::{StepError, StepRecord, StepStatus};
use crate::flows::program::{CardStep, ErrorPlan, HandlerAction, Step};
use crate::flows::runner::{Ending, Runner, expr_error, value_reads_answers};
use crate::transient::is_transient;

/// How a card (or one item of a `for_each`) ended, `on_error` applied.
pub(super) enum CardEnd {
    Output(Value),
    /// A table card applied and committed with its record: nothing left to commit.
    Committed(Value),
    /// The journal could not take a table card's record: the try stops.
    Stop(Error),
    /// Handled: the step is `continued` and the run goes on.
    Continue(StepError),
    /// Handled: the run ends with this outcome (the step is `returned`).
    Return(String, Value, StepError),
    /// Unhandled, or `then: fail`.
    Fail(Error),
    /// A called flow parked (a `wait`) or was cancelled: the step is not over, nothing
    /// is committed for it, and the run stops the same way (a later try goes on inside
    /// the callee from its journal).
    Park(Ending),
}

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    card: &CardStep,
) -> Result<Option<Ending>, Error> {
    let (end, record) = attempt(runner, step, card, &[], None, false).await;
    settle(runner, step, end, record).await
}

/// Commits how a step (a card, a call, a spawn, a wait's timeout) ended, `on_error`
/// applied, and makes it readable to later steps; `Some` ends the try.
pub(super) async fn settle(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    end: CardEnd,
    mut record: StepRecord,
) -> Result<Option<Ending>, Error> {
    match end {
        CardEnd::Output(output) => {
            record.status = StepStatus::Succeeded;
            record.output = Some(connector_core::pipeline::mask_secrets(&output));
            let outcome = record.outcome.clone();
            runner.commit(record).await?;
            // A dry run's answers are made up: nothing later may read them.
            let output = (!runner.attempt.dry_run).then_some(output);
            runner.remember(&step.id, StepStatus::Succeeded, output, None);
            if let Some(outcome) = outcome {
                runner.remember_outcome(&step.id, &outcome);
            }
            Ok(None)
        }
        CardEnd::Committed(output) => {
            runner.remember(&step.id, StepStatus::Succeeded, Some(output), None);
            Ok(None)
        }
        CardEnd::Stop(error) => Err(error),
        CardEnd::Continue(error) => {
            record.status = StepStatus::Continued;
            record.error = Some(error.clone());
            runner.commit(record).await?;
            runner.remember(&step.id, StepStatus::Continued, None, Some(&error));
            Ok(None)
        }
        CardEnd::Return(outcome, output, error) => {
            returned(&mut record, &outcome, &output, error);
            runner.commit(record).await?;
            Ok(Some(Ending::Returned { outcome, output }))
        }
        CardEnd::Fail(error) => {
            record.status = StepStatus::Failed;
            record.error = Some(StepError::from_error(&error));
            runner.commit(record).await?;
            Ok(Some(Ending::Failed(error)))
        }
        CardEnd::Park(ending) => Ok(Some(ending)),
    }
}

/// Marks a record as the step whose `on_error` ended the run with `outcome`: a try that
/// finds it committed ends the same way, without running further steps.
pub(super) fn returned(record: &mut StepRecord, outcome: &str, output: &Value, error: StepError) {
    record.status = StepStatus::Returned;
    record.output = Some(connector_core::pipeline::mask_secrets(
        &json!({"outcome": outcome, "output": output}),
    ));
    record.error = Some(error);
}

/// Renders the input, runs the card with its retries, and applies `on_error`.
pub(super) async fn attempt(
    runner: &Runner<'_, '_>,
    step: &Step,
    card: &CardStep,
    extra: &[(&str, Value)],
    item: Option<usize>,
    item_unknown: bool,
) -> (CardEnd, StepRecord) {
    let started = Instant::now();
    let mut record = runner.record(step, Some(&card.card), StepStatus::Succeeded);
    record.item = item;
    let scope = runner.scope(extra);
    let dry = runner.attempt.dry_run;
    record.depends_on_answer =
        dry && (item_unknown || value_reads_answers(runner.exprs, &card.input));
    let rendered = if record.depends_on_answer {
        Ok(runner.exprs.render_placeholders(&card.input, &scope))
    } else {
        runner.exprs.render(&card.input, &scope).map_err(expr_error)
    };
    let table = crate::tables::is_table_card(&card.card);
    let outcome = match rendered {
        Err(error) => Err(error),
        Ok(input) if table && !dry => {
            record.input = Some(connector_core::pipeline::mask_secrets(&input));
            match super::table::write(runner, card, input, &mut record, started).await {
                TableEnd::Committed(output) => return (CardEnd::Committed(output), record),
                TableEnd::Stop(error) => return (CardEnd::Stop(error), record),
                TableEnd::Failed(error) => Err(error),
            }
        }
        // A dry run changes no table: the input is checked, the write listed with it.
        Ok(input) if table => {
            record.input = Some(connector_core::pipeline::mask_secrets(&input));
            super::table::parse(&card.card, input).map(|_| Value::Null)
        }
        Ok(input) => {
            record.input = Some(connector_core::pipeline::mask_secrets(&input));
            with_retries(runner, card, input, &mut record).await
        }
    };
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let end = match outcome {
        Ok(output) => CardEnd::Output(output),
        // A dry run stops a card where it needs a real answer: its requests so far are
        // listed, and the flow goes on to list the next cards.
        Err(error) if dry && error.is_dry_run_stop() => CardEnd::Output(Value::Null),
        Err(error) => on_error(runner, &card.on_error, error, extra),
    };
    (end, record)
}

/// Runs the card, trying transient errors again as the step's `retry` says.
async fn with_retries(
    runner: &Runner<'_, '_>,
    card: &CardStep,
    input: Value,
    record: &mut StepRecord,
) -> Result<Value, Error> {
    let mut last = None;
    for n in 0..card.attempts {
        if n > 0 {
            let wait = card
                .waits
                .get(usize::try_from(n - 1).unwrap_or(0))
                .or(card.waits.last())
                .copied()
                .unwrap_or(Duration::from_secs(1));
            tokio::time::sleep(wait).await;
        }
        let (result, observed) = crate::calls::observe(runner.catalog.run(
            &card.card,
            card.connection.as_deref(),
            input.clone(),
        ))
        .await;
        record.attempts += observed.attempts.max(1);
        record.limiter_wait_ms += observed.limiter_wait.as_secs_f64() * 1000.0;
        if let Some(metrics) = runner.attempt.metrics {
            let (connector, action) = card.card.split_once('.').unwrap_or((&card.card, ""));
            metrics.observe_calls(connector, action, &observed);
        }
        match result {
            Ok(output) => return Ok(output),
            Err(error) if is_transient(&error) && n + 1 < card.attempts => last = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or_else(|| Error::new(ErrorKind::Unavailable, "the card was not run")))
}

/// What `on_error` makes of an error: the first handler that matches decides.
pub(super) fn on_error(
    runner: &Runner<'_, '_>,
    plan: &ErrorPlan,
    error: Error,
    extra: &[(&str, Value)],
) -> CardEnd {
    let facts = StepError::from_error(&error);
    let handlers = match plan {
        ErrorPlan::Fail => return CardEnd::Fail(error),
        ErrorPlan::Continue => return CardEnd::Continue(facts),
        ErrorPlan::Handlers(handlers) => handlers,
    };
    let mut with_error: Vec<(&str, Value)> = extra.to_vec();
    with_error.push(("error", serde_json::to_value(&facts).unwrap_or(Value::Null)));
    let scope = runner.scope(&with_error);
    for handler in handlers {
        let matched = match &handler.condition {
            None => true,
            Some(cond) => match runner.exprs.truthy(cond, &scope) {
                Ok(matched) => matched,
                Err(e) => return CardEnd::Fail(expr_error(e)),
            },
        };
        if !matched {
            continue;
        }
        return match &handler.action {
            HandlerAction::Continue => CardEnd::Continue(facts),
            HandlerAction::Fail => CardEnd::Fail(error),
            HandlerAction::Return(ret) => match render_output(runner, ret, &with_error) {
                Ok(output) => CardEnd::Return(ret.outcome.clone(), output, facts),
                Err(e) => CardEnd::Fail(e),
            },
        };
    }
    CardEnd::Fail(error)
}
