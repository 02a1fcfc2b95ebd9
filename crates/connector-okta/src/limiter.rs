//! A learning gate in front of the rate limiter: one request at a time per bucket until the
//! first answer from that bucket has told the limiter its limit.
//!
//! Okta does not publish an org's limits ahead of time (they vary by plan, by add-on and by
//! the share given to each token); the `X-Rate-Limit-*` headers are the truth. Without the
//! gate, a cold client that starts 50 calls at once sends all 50 before hearing about a
//! bucket that had 10 left, and draws 40 429s. With it, the first call goes alone and the
//! other 49 are paced from what it learned.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use connector_core::{Feedback, Permit, RateLimiter, Result};
use tokio::sync::Semaphore;

use crate::profile::CONCURRENCY_KEY_PREFIX;

pub(crate) struct LearningGate {
    inner: Arc<dyn RateLimiter>,
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    learned: HashSet<String>,
    gates: HashMap<String, Arc<Semaphore>>,
}

impl fmt::Debug for LearningGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LearningGate")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl LearningGate {
    pub(crate) fn new(inner: Arc<dyn RateLimiter>) -> LearningGate {
        LearningGate {
            inner,
            state: Mutex::new(GateState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        // Nothing under this lock can panic half-way through an update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_learned(&self, key: &str) -> bool {
        self.lock().learned.contains(key)
    }

    /// The gate of a key that is still being learned, or `None` once it is known.
    fn gate(&self, key: &str) -> Option<Arc<Semaphore>> {
        if key.starts_with(CONCURRENCY_KEY_PREFIX) {
            return None;
        }
        let mut state = self.lock();
        if state.learned.contains(key) {
            return None;
        }
        Some(
            state
                .gates
                .entry(key.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone(),
        )
    }
}

#[async_trait]
impl RateLimiter for LearningGate {
    async fn acquire(&self, key: &str, cost: u64) -> Result<Permit> {
        if let Some(gate) = self.gate(key) {
            // A closed gate means the key was learned while we waited.
            if let Ok(slot) = gate.acquire_owned().await
                && !self.is_learned(key)
            {
                let inner = self.inner.acquire(key, cost).await?;
                let admitted_at = inner.admitted_at();
                return Ok(Permit::holding((slot, inner)).with_admitted_at(admitted_at));
            }
        }
        self.inner.acquire(key, cost).await
    }

    fn observe(&self, key: &str, feedback: &Feedback) {
        // Feed the limiter first, so that requests let through by the gate see the limit.
        self.inner.observe(key, feedback);
        let mut state = self.lock();
        state.learned.insert(key.to_owned());
        if let Some(gate) = state.gates.remove(key) {
            gate.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::Unlimited;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn one_request_at_a_time_until_the_first_answer_then_all() {
        let gate = Arc::new(LearningGate::new(Arc::new(Unlimited)));
        let first = gate.acquire("okta:x bucket", 1).await.unwrap();
        // A second caller waits while the first is in flight.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.acquire("okta:x bucket", 1).await.map(drop) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished());
        // Other keys and the concurrency key are not held up.
        drop(gate.acquire("okta:x other", 1).await.unwrap());
        drop(gate.acquire("okta-concurrency:x", 1).await.unwrap());
        gate.observe("okta:x bucket", &Feedback::default());
        waiting.await.unwrap().unwrap();
        drop(first);
        let a = gate.acquire("okta:x bucket", 1).await.unwrap();
        let b = gate.acquire("okta:x bucket", 1).await.unwrap();
        drop((a, b));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_attempt_lets_the_next_request_try() {
        let gate = LearningGate::new(Arc::new(Unlimited));
        // The first attempt got no answer (its permit is dropped without feedback).
        drop(gate.acquire("okta:x bucket", 1).await.unwrap());
        let second =
            tokio::time::timeout(Duration::from_secs(1), gate.acquire("okta:x bucket", 1)).await;
        assert!(second.is_ok());
    }
}
