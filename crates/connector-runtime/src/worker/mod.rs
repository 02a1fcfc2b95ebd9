//! Workers: claim a due run, run its flow, commit the outcome. A bounded pool (`workers`
//! runs at once per process); a heartbeat renews the lease while a run is in flight; a
//! transient failure queues the run again on the retry schedule; anything else, or the
//! schedule's end, dead-letters it.

mod inline;
mod journal;
mod spawner;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::{Error, ErrorKind};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::flows::{COMPLETED, Ending, Flow, StepError, Try, run_try};
use crate::run::RunState;
use crate::service::Service;
use crate::store::{Claimed, Completion, Store};

use crate::transient::is_transient;
use journal::StoreJournal;

/// Claims of one run in a row that may end with the process dying (its lease expiring with
/// no step committed since) before the run is dead-lettered instead of tried again.
pub const MAX_DEATHS: u32 = 2;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The pool: claims runs while there is room and the runtime is not stopping.
pub(crate) async fn pool(service: Service, stop: CancellationToken, tracker: TaskTracker) {
    let config = service.config();
    let slots = Arc::new(Semaphore::new(config.workers));
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        if stop.is_cancelled() {
            break;
        }
        let now = config.now_ms();
        match service
            .store()
            .claim(service.owner(), now, now + ms(config.lease))
            .await
        {
            Ok(Some(run)) => {
                tracker.spawn(execute(service.clone(), run, permit));
            }
            Ok(None) => {
                drop(permit);
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = service.wake().notified() => {}
                    () = tokio::time::sleep(config.poll) => {}
                }
            }
            Err(e) => {
                drop(permit);
                tracing::warn!(error = %e, "cannot claim a run; trying again");
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(config.poll.max(Duration::from_millis(500))) => {}
                }
            }
        }
    }
}

/// Renews the lease until `done` is cancelled.
async fn heartbeat(
    store: Store,
    run_id: String,
    owner: String,
    lease: Duration,
    done: CancellationToken,
    config: crate::RuntimeConfig,
) {
    let every = lease / 3;
    loop {
        tokio::select! {
            () = done.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        match store
            .renew(&run_id, &owner, config.now_ms() + ms(lease))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // The try may have ended (and cleared the lease) while this renewal was on
                // its way: only another owner on the row means the run was taken.
                if !done.is_cancelled() {
                    warn_if_taken(&store, &run_id, &owner).await;
                }
                return;
            }
            Err(e) => tracing::warn!(run_id = %run_id, error = %e, "cannot renew a lease"),
        }
    }
}

/// Warns that the lease was lost only when the store names another owner of the run.
async fn warn_if_taken(store: &Store, run_id: &str, owner: &str) {
    match store.lease_owner(run_id).await {
        Ok(Some(other)) if other != owner => tracing::warn!(
            run_id = %run_id, other = %other,
            "lost the lease on a run; another process runs it"
        ),
        Ok(_) => tracing::debug!(run_id = %run_id, "the lease ended with the try"),
        Err(e) => tracing::debug!(run_id = %run_id, error = %e, "cannot read a run's lease"),
    }
}

/// The wait before the next try of a run that failed transiently: the flow's backoff, and
/// never sooner than the retry-after the error carries.
fn next_try_wait(backoff: Duration, error: &Error) -> Duration {
    error
        .retry_after()
        .map_or(backoff, |asked| backoff.max(asked))
}

/// The flow a claimed run runs: the definition it started with (by hash), else the loaded
/// flow of its name.
async fn flow_of(service: &Service, run: &Claimed) -> Result<Flow, Error> {
    if let Some(hash) = &run.definition_hash {
        if let Some(flow) = service.flows().by_hash(hash) {
            return Ok(flow.clone());
        }
        if let Ok(Some(source)) = service.store().definition(hash).await {
            let file = format!("(stored definition of {})", run.flow);
            return crate::flows::validate(&file, &source, service.flows().catalog().as_ref())
                .and_then(|flow| crate::flows::link_with(flow, service.flows().all()))
                .map_err(|errors| {
                    Error::configuration(format!(
                        "the definition run {} started with no longer validates: {}",
                        run.run_id,
                        errors.first().map(ToString::to_string).unwrap_or_default()
                    ))
                });
        }
    }
    service.flows().get(&run.flow).cloned().ok_or_else(|| {
        Error::configuration(format!("no flow named {:?} in this runtime", run.flow))
    })
}

/// Runs one claimed run's next try and commits how it ended.
pub(crate) async fn execute(service: Service, run: Claimed, _permit: OwnedSemaphorePermit) {
    let config = service.config();
    let started = Instant::now();
    let done = CancellationToken::new();
    tokio::spawn(heartbeat(
        service.store().clone(),
        run.run_id.clone(),
        service.owner().to_owned(),
        config.lease,
        done.clone(),
        config.clone(),
    ));
    if run.deaths >= MAX_DEATHS {
        crash_looped(&service, &run, done).await;
        return;
    }
    let flow = flow_of(&service, &run).await;
    let committed = service.store().steps(&run.run_id).await;
    let journal = StoreJournal {
        store: service.store().clone(),
        run_id: run.run_id.clone(),
        owner: service.owner().to_owned(),
        committed: std::sync::Mutex::new(Vec::new()),
    };
    let spawner = spawner::StoreSpawner {
        service: &service,
        parent: &run.run_id,
    };
    let (ending, backoff) = match (&flow, committed) {
        (Ok(flow), Ok(committed)) => {
            let ending = run_try(
                Try {
                    flow,
                    event: &run.event,
                    run_id: &run.run_id,
                    try_no: run.tries,
                    done: &committed,
                    dry_run: false,
                    metrics: Some(service.metrics()),
                    spawner: Some(&spawner),
                    clock: Some(config.clock.as_ref()),
                },
                service.flows().catalog().as_ref(),
                &journal,
            )
            .await;
            let backoff = flow
                .program
                .backoff
                .clone()
                .unwrap_or_else(|| config.backoff.clone());
            (ending, backoff)
        }
        (Err(e), _) => (
            Ending::Failed(Error::new(e.kind(), e.message().to_owned())),
            config.backoff.clone(),
        ),
        (_, Err(e)) => (
            Ending::Failed(Error::new(
                ErrorKind::Unavailable,
                format!("cannot read the run's steps: {e}"),
            )),
            config.backoff.clone(),
        ),
    };
    done.cancel();
    let now = config.now_ms();
    let retry_index = usize::try_from(
        run.tries
            .saturating_sub(run.schedule_from)
            .saturating_sub(1),
    )
    .unwrap_or(usize::MAX);
    let finished = |outcome: String, output: Option<Value>| Completion {
        state: RunState::Finished,
        outcome: Some(outcome),
        due_ms: now,
        finished_ms: now,
        // Stored as the flow returned it: the `?wait=` answer is the flow's own; every
        // view masks it (crate::mask).
        output: output.map(|o| Store::encode(&o)),
        error: None,
        parked: None,
    };
    let ended = |state: RunState| Completion {
        state,
        outcome: None,
        due_ms: now,
        finished_ms: now,
        output: None,
        error: None,
        parked: None,
    };
    let failure = match &ending {
        Ending::Failed(error) => Some(error),
        _ => None,
    };
    let completion = match &ending {
        Ending::Returned { outcome, output } => finished(outcome.clone(), Some(output.clone())),
        Ending::Completed => finished(COMPLETED.to_owned(), None),
        Ending::Cancelled => ended(RunState::Cancelled),
        Ending::Waiting(parked) => Completion {
            due_ms: parked.wake_ms,
            parked: Some(parked.clone()),
            ..ended(RunState::Waiting)
        },
        Ending::Failed(error) => {
            let error_json = Some(Store::encode(&StepError::from_error(error)));
            match backoff.get(retry_index).filter(|_| is_transient(error)) {
                Some(wait) => Completion {
                    state: RunState::Retrying,
                    outcome: None,
                    due_ms: now + ms(next_try_wait(*wait, error)),
                    finished_ms: now,
                    output: None,
                    error: error_json,
                    parked: None,
                },
                None => Completion {
                    state: RunState::DeadLettered,
                    outcome: None,
                    due_ms: now,
                    finished_ms: now,
                    output: None,
                    error: error_json,
                    parked: None,
                },
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let flow_name = flow.as_ref().map_or(run.flow.as_str(), Flow::name);
    match service
        .store()
        .complete(&run.run_id, service.owner(), &completion)
        .await
    {
        Ok(true) => {
            service.metrics().run(
                flow_name,
                completion.state,
                completion.outcome.as_deref(),
                seconds,
            );
            let committed =
                std::mem::take(&mut *journal.committed.lock().unwrap_or_else(|e| e.into_inner()));
            for (step, status, seconds) in committed {
                service.metrics().step(flow_name, &step, status, seconds);
            }
            match failure {
                None => tracing::info!(
                    run_id = %run.run_id, event_id = %run.event_key, flow = %flow_name,
                    outcome = completion.outcome.as_deref().unwrap_or(""), tries = run.tries, "run finished"
                ),
                Some(error) => tracing::warn!(
                    run_id = %run.run_id, event_id = %run.event_key, flow = %flow_name,
                    state = %completion.state, tries = run.tries, error_kind = %error.kind(),
                    error_code = error.code().unwrap_or(""), request_id = error.request_id().unwrap_or(""),
                    error = %error, "run failed"
                ),
            }
            if completion.state == RunState::Retrying {
                service.wake_later(Duration::from_millis(
                    u64::try_from(completion.due_ms - now).unwrap_or(0),
                ));
            }
            if let Some(parked) = &completion.parked {
                tracing::info!(
                    run_id = %run.run_id, flow = %flow_name, step = %parked.step,
                    waiting_for = %parked.waiting_for, "run parked"
                );
            }
        }
        Ok(false) => match service.store().lease_owner(&run.run_id).await {
            Ok(Some(other)) if other != service.owner() => tracing::warn!(
                run_id = %run.run_id, event_id = %run.event_key, other = %other,
                "a try ended after its lease was lost; the other process's try counts"
            ),
            _ => tracing::info!(
                run_id = %run.run_id, event_id = %run.event_key,
                "a try ended after its lease expired; the run is queued for another try"
            ),
        },
        Err(e) => tracing::error!(
            run_id = %run.run_id, event_id = %run.event_key, error = %e,
            "cannot commit a run's outcome; it runs again when its lease expires"
        ),
    }
}

/// Dead-letters a run whose last claims ended with the process dying: whatever kills the
/// process (a runaway flow, the host) would kill it again, and every other run with it.
async fn crash_looped(service: &Service, run: &Claimed, done: CancellationToken) {
    done.cancel();
    let now = service.config().now_ms();
    let error = Error::invalid_input(format!(
        "the process running this run died {} times in a row with no step committed since; \
         it is not tried again: fix the flow or the host, then `connector history resume {}`",
        run.deaths, run.run_id
    ))
    .with_attempts(0);
    let completion = Completion {
        state: RunState::DeadLettered,
        outcome: None,
        due_ms: now,
        finished_ms: now,
        output: None,
        error: Some(Store::encode(&StepError::from_error(&error))),
        parked: None,
    };
    match service
        .store()
        .complete(&run.run_id, service.owner(), &completion)
        .await
    {
        Ok(true) => {
            service
                .metrics()
                .run(&run.flow, RunState::DeadLettered, None, 0.0);
            tracing::error!(
                run_id = %run.run_id, event_id = %run.event_key, flow = %run.flow,
                deaths = run.deaths, "a run that crashed the process is dead-lettered"
            );
        }
        Ok(false) => {}
        Err(e) => tracing::error!(
            run_id = %run.run_id, error = %e,
            "cannot dead-letter a run that crashed the process; it is claimed again when its lease expires"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_never_comes_sooner_than_the_error_asks() {
        let asked = Error::new(ErrorKind::RateLimited, "slow down")
            .with_retry_after(Duration::from_secs(120));
        assert_eq!(
            next_try_wait(Duration::from_secs(1), &asked),
            Duration::from_secs(120)
        );
        assert_eq!(
            next_try_wait(Duration::from_secs(300), &asked),
            Duration::from_secs(300)
        );
        let plain = Error::new(ErrorKind::Unavailable, "down");
        assert_eq!(
            next_try_wait(Duration::from_secs(1), &plain),
            Duration::from_secs(1)
        );
    }
}
