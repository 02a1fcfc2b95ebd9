//! `spawn: NAME` + `input`: a callable flow started as a run of its own (Okta's Call Flow
//! Async). The new run is keyed on (this run, this step, the item), so the store creates
//! it once however often this step runs again (a crash, a retry); it is linked to this
//! run by `parentRunId`, and the step's output is `{"runId"}`.

use std::time::Instant;

use connector_core::Error;
use serde_json::{Value, json};

use super::card::{CardEnd, on_error, settle};
use crate::flows::journal::{StepRecord, StepStatus};
use crate::flows::program::{SpawnStep, Step};
use crate::flows::runner::{Ending, Runner, expr_error, value_reads_answers};

/// The most runs a chain of spawns may hold below its first run; the step that would
/// start one deeper fails `invalid_input`.
pub const MAX_SPAWN_DEPTH: u32 = 10;

/// Where `spawn` steps start their runs: the runtime's store.
#[async_trait::async_trait]
pub trait Spawner: Send + Sync {
    /// Starts a run of the callable flow `flow` with `input` as its event, once per `key`
    /// (a repeated key answers the first run's id), linked to the spawning run.
    async fn spawn(&self, flow: &str, key: &str, input: &Value) -> Result<String, Error>;
}

pub(super) async fn run(
    runner: &mut Runner<'_, '_>,
    step: &Step,
    spawn: &SpawnStep,
) -> Result<Option<Ending>, Error> {
    let (end, record) = attempt(runner, step, spawn, &[], None).await;
    settle(runner, step, end, record).await
}

/// Renders the input, checks it against the flow's schema and starts the run (once per
/// run, step and item); `on_error` judges a failure.
pub(super) async fn attempt(
    runner: &Runner<'_, '_>,
    step: &Step,
    spawn: &SpawnStep,
    extra: &[(&str, Value)],
    item: Option<usize>,
) -> (CardEnd, StepRecord) {
    let started = Instant::now();
    let mut record = runner.record(step, None, StepStatus::Succeeded);
    record.item = item;
    record.attempts = 1;
    let outcome = start(runner, step, spawn, extra, item, &mut record).await;
    record.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let end = match outcome {
        Ok(output) => CardEnd::Output(output),
        Err(error) => on_error(runner, &spawn.on_error, error, extra),
    };
    (end, record)
}

async fn start(
    runner: &Runner<'_, '_>,
    step: &Step,
    spawn: &SpawnStep,
    extra: &[(&str, Value)],
    item: Option<usize>,
    record: &mut StepRecord,
) -> Result<Value, Error> {
    let scope = runner.scope(extra);
    if runner.attempt.dry_run {
        // Nothing is started in a dry run: the step shows what it would start.
        record.depends_on_answer = value_reads_answers(runner.exprs, &spawn.input);
        record.input = Some(connector_core::pipeline::mask_secrets(
            &runner.exprs.render_placeholders(&spawn.input, &scope),
        ));
        return Ok(json!({ "runId": null }));
    }
    let input = runner
        .exprs
        .render(&spawn.input, &scope)
        .map_err(expr_error)?;
    record.input = Some(connector_core::pipeline::mask_secrets(&input));
    let Some(spawner) = runner.attempt.spawner else {
        return Err(Error::configuration(format!(
            "step {} spawns a run, which needs a store: run the flow with `connector flow run` or `serve`",
            step.id
        )));
    };
    let key = format!(
        "spawn:{}:{}{}",
        runner.attempt.run_id,
        runner.full_id(&step.id),
        item.map(|i| format!("[{i}]")).unwrap_or_default()
    );
    let run_id = spawner.spawn(&spawn.flow, &key, &input).await?;
    Ok(json!({ "runId": run_id }))
}
