//! A clock whose sleeps return at once (tests).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::{Clock, Sleep};

/// A clock for tests: sleeps return at once, move time forward and are recorded.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualInner>>,
}

struct ManualInner {
    start: Instant,
    start_system: SystemTime,
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock that starts now.
    pub fn new() -> ManualClock {
        ManualClock {
            inner: Arc::new(Mutex::new(ManualInner {
                start: Instant::now(),
                start_system: SystemTime::now(),
                offset: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualInner> {
        // A panic while holding this lock can only come from a test's own assertion; the
        // data stays consistent, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves time forward without sleeping.
    pub fn advance(&self, duration: Duration) {
        self.lock().offset += duration;
    }

    /// Every sleep asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// How far time has moved since the clock was made.
    pub fn elapsed(&self) -> Duration {
        self.lock().offset
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let inner = self.lock();
        inner.start + inner.offset
    }

    fn system_time(&self) -> SystemTime {
        let inner = self.lock();
        inner.start_system + inner.offset
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        {
            let mut inner = self.lock();
            inner.offset += duration;
            inner.sleeps.push(duration);
        }
        Box::pin(tokio::task::yield_now())
    }
}
