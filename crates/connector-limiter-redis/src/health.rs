//! Whether Redis is answering, as the limiters of one backend see it: one warning when it
//! goes away, one note when it is back, and a probe at most every few seconds meanwhile.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a limiter that fell back to memory asks Redis again.
pub(crate) const PROBE_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub(crate) struct Health {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    down: bool,
    last_try: Option<Instant>,
}

impl Health {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing under this lock can panic half-way through an update.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a call should go to Redis: always while it answers, and once per
    /// [`PROBE_EVERY`] while it does not (the other calls use the fallback at once instead
    /// of each waiting for a connection that is not coming).
    pub(crate) fn should_try(&self) -> bool {
        let mut inner = self.lock();
        if !inner.down {
            return true;
        }
        let now = Instant::now();
        if inner
            .last_try
            .is_none_or(|at| now.duration_since(at) >= PROBE_EVERY)
        {
            inner.last_try = Some(now);
            return true;
        }
        false
    }

    /// Redis did not answer: the first failure of an outage logs a warning, the others
    /// nothing. `closed` says what callers get meanwhile.
    pub(crate) fn failed(&self, target: &str, error: &str, closed: bool) {
        let mut inner = self.lock();
        inner.last_try = Some(Instant::now());
        if inner.down {
            return;
        }
        inner.down = true;
        drop(inner);
        if closed {
            tracing::warn!(
                redis = target,
                error,
                "the shared rate limiter on Redis is unreachable; calls fail while it is away \
                 (CONNECTOR_RATE_LIMIT_FAIL=closed)"
            );
        } else {
            tracing::warn!(
                redis = target,
                error,
                "the shared rate limiter on Redis is unreachable; each process keeps its own \
                 limits in memory until Redis answers again"
            );
        }
    }

    /// Redis answered.
    pub(crate) fn succeeded(&self, target: &str) {
        let mut inner = self.lock();
        if inner.down {
            inner.down = false;
            drop(inner);
            tracing::info!(
                redis = target,
                "the shared rate limiter on Redis answers again"
            );
        }
    }

    /// Whether the last call found Redis away.
    pub(crate) fn is_down(&self) -> bool {
        self.lock().down
    }
}
