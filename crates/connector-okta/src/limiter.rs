//! A learning gate in front of the rate limiter: one request at a time per bucket until the
//! first answer from that bucket has told the limiter its limit.
//!
//! Okta does not publish an org's limits ahead of time (they vary by plan, by add-on and by
//! the share given to each token); the `X-Rate-Limit-*` headers are the truth. Without the
//! gate, a cold client that starts 50 calls at once sends all 50 before hearing about a
//! bucket that had 10 left, and draws 40 429s. With it, the first call goes alone and the
//! other 49 are paced from what it learned.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use std::time::Duration;

use connector_core::Result;
use connector_core::limiter::{
    Feedback, LimitKey, LimitKind, Observation, Permit, RateLimiter, wait_exceeded,
};
use tokio::sync::Semaphore;

pub(crate) struct LearningGate {
    inner: Arc<dyn RateLimiter>,
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    learned: foldhash::HashSet<String>,
    gates: foldhash::HashMap<String, Arc<Semaphore>>,
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
    fn gate(&self, key: &LimitKey) -> Option<Arc<Semaphore>> {
        if key.kind() == LimitKind::Concurrency {
            return None;
        }
        let mut state = self.lock();
        if state.learned.contains(key.name()) {
            return None;
        }
        Some(
            state
                .gates
                .entry(key.name().to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone(),
        )
    }
}

#[async_trait]
impl RateLimiter for LearningGate {
    async fn acquire(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        if let Some(gate) = self.gate(key) {
            let started = tokio::time::Instant::now();
            let slot = tokio::time::timeout(max_wait, gate.acquire_owned())
                .await
                .map_err(|_| wait_exceeded(key, None))?;
            // A closed gate means the key was learned while we waited.
            if let Ok(slot) = slot
                && !self.is_learned(key.name())
            {
                let left = max_wait.saturating_sub(started.elapsed());
                let inner = self.inner.acquire(key, cost, left).await?;
                let admitted_at = inner.admitted_at();
                return Ok(Permit::holding((slot, inner)).with_admitted_at(admitted_at));
            }
        }
        self.inner.acquire(key, cost, max_wait).await
    }

    async fn observe(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) {
        // Feed the limiter first, so that requests let through by the gate see the limit.
        self.inner.observe(key, feedback, observation).await;
        self.learned(key);
    }

    fn try_acquire(&self, key: &LimitKey, cost: u64) -> Option<Permit> {
        // A key still being learned goes through its gate, which may have to wait.
        if key.kind() != LimitKind::Concurrency && !self.is_learned(key.name()) {
            return None;
        }
        self.inner.try_acquire(key, cost)
    }

    fn observe_now(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) -> bool {
        if !self.inner.observe_now(key, feedback, observation) {
            return false;
        }
        self.learned(key);
        true
    }
}

impl LearningGate {
    /// Marks `key` as learned and opens its gate for good.
    fn learned(&self, key: &LimitKey) {
        let mut state = self.lock();
        if state.learned.contains(key.name()) {
            return;
        }
        state.learned.insert(key.name().to_owned());
        if let Some(gate) = state.gates.remove(key.name()) {
            gate.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::limiter::Unlimited;

    const FOREVER: Duration = Duration::from_secs(3600);

    #[tokio::test(start_paused = true)]
    async fn one_request_at_a_time_until_the_first_answer_then_all() {
        let gate = Arc::new(LearningGate::new(Arc::new(Unlimited)));
        let first = gate
            .acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER)
            .await
            .unwrap();
        // A second caller waits while the first is in flight.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                gate.acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER)
                    .await
                    .map(drop)
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished());
        // Other keys and the concurrency key are not held up.
        drop(
            gate.acquire(&LimitKey::quota("okta:x other"), 1, FOREVER)
                .await
                .unwrap(),
        );
        drop(
            gate.acquire(&LimitKey::concurrency("okta-concurrency:x"), 1, FOREVER)
                .await
                .unwrap(),
        );
        gate.observe(
            &LimitKey::quota("okta:x bucket"),
            &Feedback::default(),
            &Observation::new(1, std::time::SystemTime::now()),
        )
        .await;
        waiting.await.unwrap().unwrap();
        drop(first);
        let a = gate
            .acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER)
            .await
            .unwrap();
        let b = gate
            .acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER)
            .await
            .unwrap();
        drop((a, b));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_attempt_lets_the_next_request_try() {
        let gate = LearningGate::new(Arc::new(Unlimited));
        // The first attempt got no answer (its permit is dropped without feedback).
        drop(
            gate.acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER)
                .await
                .unwrap(),
        );
        let second = tokio::time::timeout(
            Duration::from_secs(1),
            gate.acquire(&LimitKey::quota("okta:x bucket"), 1, FOREVER),
        )
        .await;
        assert!(second.is_ok());
    }
}
