//! `connector flow run` waits in its process: a run parked by a `wait` step is run again
//! here once its time comes, or once a signal (from `connector history signal`, another
//! process on the same store) queues it. Ctrl-C ends the process and leaves the run
//! `waiting` in its store, where `connector serve` continues it.

use std::time::Duration;

use connector_runtime::{RunState, Service};

/// How often the store is looked at while a run waits for a signal (or another process
/// runs it).
const POLL: Duration = Duration::from_millis(250);

/// Runs `run_id` again whenever it is due, until it is neither waiting nor queued.
pub(crate) async fn until_settled(service: &Service, run_id: &str) {
    let mut told = None;
    loop {
        let run = match service.store().run(run_id).await {
            Ok(Some(run)) => run,
            Ok(None) | Err(_) => return,
        };
        match run.state {
            RunState::Queued => {
                service.run_now(run_id).await;
            }
            RunState::Waiting => {
                let waiting = run.waiting_for.clone().unwrap_or_default();
                if told.as_ref() != Some(&waiting) {
                    errln!(
                        "run {run_id} waits for {}; Ctrl-C leaves it waiting in the store, where `connector serve` continues it",
                        connector_runtime::printable(&waiting.to_string())
                    );
                    told = Some(waiting.clone());
                }
                let wake = run.wakes_at_ms().unwrap_or(i64::MAX);
                let left = wake.saturating_sub(connector_runtime::now_ms());
                if left <= 0 {
                    service.run_now(run_id).await;
                } else {
                    let left = Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX));
                    tokio::time::sleep(left.min(POLL)).await;
                }
            }
            // Another process on the store runs it now: wait for it to let go.
            RunState::Running => tokio::time::sleep(POLL).await,
            _ => return,
        }
    }
}
