//! Runs executed in the calling task rather than by the pool: `connector flow run` (one
//! queued run, now) and the demo and tests (every due run, until none is left). They live
//! with the workers, not in `service.rs`, so that the service does not depend on them.

use std::sync::Arc;

use crate::service::Service;

impl Service {
    /// Runs one try of the run `run_id` now, in this task (`connector flow run`): a queued
    /// one, or a parked or retrying one whose time has come; false when there is none.
    pub async fn run_now(&self, run_id: &str) -> bool {
        let now = self.config().now_ms();
        let lease = i64::try_from(self.config().lease.as_millis()).unwrap_or(i64::MAX);
        let Ok(Some(run)) = self
            .store()
            .claim_run(run_id, self.owner(), now, now + lease)
            .await
        else {
            return false;
        };
        let slots = Arc::new(tokio::sync::Semaphore::new(1));
        let Ok(permit) = slots.acquire_owned().await else {
            return false;
        };
        super::execute(self.clone(), run, permit).await;
        true
    }

    /// Runs every run that is due, in this task, until none is left (tests and the demo:
    /// no pool, no timers). Bounded by `max_runs`; returns the runs executed.
    pub async fn drain(&self, max_runs: usize) -> usize {
        let mut executed = 0;
        let slots = Arc::new(tokio::sync::Semaphore::new(1));
        while executed < max_runs {
            let now = self.config().now_ms();
            let lease = i64::try_from(self.config().lease.as_millis()).unwrap_or(i64::MAX);
            let Ok(Some(run)) = self.store().claim(self.owner(), now, now + lease).await else {
                break;
            };
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            super::execute(self.clone(), run, permit).await;
            executed += 1;
        }
        executed
    }
}
