//! `for_each`: a card, a call or a spawn run once per item of a list, `concurrency` at a
//! time, each item committed as it ends; on a later try, the items already done are not
//! run again (and an item's call goes on inside its callee after its last committed step).

use std::collections::BTreeMap;
use std::time::Instant;

use connector_core::Error;
use futures_util::StreamExt;
use serde_json::Value;

use super::card::{CardEnd, returned};
use super::{call, card, card_of, spawn};
use crate::flows::journal::{StepError, StepRecord, StepStatus};
use crate::flows::program::{EachBody, ForEachStep, Step};
use crate::flows::runner::{Ending, Runner, expr_error, kind_of, reads_answers};

/// The most items a `for_each` takes; a longer list fails the step `invalid_input`.
pub const MAX_ITEMS: usize = 100_000;

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    each: &ForEachStep,
) -> Result<Option<Ending>, Error> {
    let unknown = runner.attempt.dry_run && reads_answers(runner.exprs, &each.list, true);
    let items: Vec<Value> = if unknown {
        // The list comes from an answer a dry run does not have: the card is listed once.
        vec![Value::Null]
    } else {
        match runner
            .exprs
            .eval(&each.list, &runner.scope(&[]))
            .map_err(expr_error)?
        {
            Value::Array(items) if items.len() > MAX_ITEMS => {
                return Err(Error::invalid_input(format!(
                    "for_each of step {} gave {} items; at most {MAX_ITEMS} are taken",
                    step.id,
                    items.len()
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
    let mut done: BTreeMap<usize, &StepRecord> = BTreeMap::new();
    for record in runner.committed(&step.id) {
        if let Some(i) = record.item {
            // An item whose `on_error` ended the run: the run ends that way again.
            if record.status == StepStatus::Returned {
                return Ok(Some(Ending::from_record(record)));
            }
            done.insert(i, record);
        }
    }
    let started = Instant::now();
    let mut results: BTreeMap<usize, Value> = done
        .iter()
        .map(|(i, r)| (*i, r.output.clone().unwrap_or(Value::Null)))
        .collect();
    let ending = run_items(runner, step, each, &items, &done, unknown, &mut results).await?;
    if let Some(ending) = ending {
        return Ok(Some(ending));
    }
    let output = Value::Array(results.into_values().collect());
    let mut record = runner.record(step, card_of(&step.kind), StepStatus::Succeeded);
    record.output = Some(connector_core::pipeline::mask_secrets(&output));
    record.attempts = u32::try_from(items.len()).unwrap_or(u32::MAX);
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    runner.commit(record).await?;
    runner.remember(&step.id, StepStatus::Succeeded, Some(output), None);
    Ok(None)
}

/// Runs the items not yet done, committing each as it ends; the first item that ends the
/// run (a `return` handler, an unhandled error) gives the ending once the others in
/// flight have been committed.
async fn run_items(
    runner: &Runner<'_, '_>,
    step: &Step,
    each: &ForEachStep,
    items: &[Value],
    done: &BTreeMap<usize, &StepRecord>,
    unknown: bool,
    results: &mut BTreeMap<usize, Value>,
) -> Result<Option<Ending>, Error> {
    let name = each.item.as_str();
    // The futures are made up front (a `map` over the items would not be `Send`); each is
    // small until polled, and `buffer_unordered` polls `concurrency` of them at a time.
    let mut pending = Vec::with_capacity(items.len() - done.len().min(items.len()));
    for (i, item) in items.iter().enumerate() {
        if done.contains_key(&i) {
            continue;
        }
        pending.push(async move {
            let extra = [(name, item.clone())];
            let (end, record) = match &each.body {
                EachBody::Card(card) => {
                    card::attempt(runner, step, card, &extra, Some(i), unknown).await
                }
                EachBody::Call(call) => call::attempt(runner, step, call, &extra, Some(i)).await,
                EachBody::Spawn(spawn) => {
                    spawn::attempt(runner, step, spawn, &extra, Some(i)).await
                }
            };
            (i, end, record)
        });
    }
    let mut runs = futures_util::stream::iter(pending).buffer_unordered(each.concurrency);
    let mut ending = None;
    while let Some((i, end, mut record)) = runs.next().await {
        match end {
            CardEnd::Output(output) => {
                record.status = StepStatus::Succeeded;
                record.output = Some(connector_core::pipeline::mask_secrets(&output));
                runner.commit(record).await?;
                results.insert(i, output);
            }
            CardEnd::Committed(output) => {
                results.insert(i, output);
            }
            CardEnd::Stop(error) => return Err(error),
            CardEnd::Continue(error) => {
                record.status = StepStatus::Continued;
                record.error = Some(error);
                runner.commit(record).await?;
                results.insert(i, Value::Null);
            }
            CardEnd::Return(outcome, output, error) => {
                returned(&mut record, &outcome, &output, error);
                runner.commit(record).await?;
                ending.get_or_insert(Ending::Returned { outcome, output });
            }
            CardEnd::Fail(error) => {
                record.status = StepStatus::Failed;
                record.error = Some(StepError::from_error(&error));
                runner.commit(record).await?;
                ending.get_or_insert(Ending::Failed(error));
            }
            CardEnd::Park(stop) => {
                ending.get_or_insert(stop);
            }
        }
    }
    Ok(ending)
}
