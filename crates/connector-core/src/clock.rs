//! Time, injected: the pipeline and the limiter never read the clock or sleep directly.
//!
//! [`TokioClock`] (the default) follows tokio's clock, so tests that need no I/O can pause it.
//! [`ManualClock`] never sleeps for real: every sleep moves its time forward at once and is
//! recorded, so tests of retries over real loopback sockets can assert on the waits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A boxed sleep future.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of time and of sleeps.
pub trait Clock: Send + Sync + fmt::Debug {
    /// A monotonic reading.
    fn now(&self) -> Instant;
    /// The wall-clock time, for comparing with the HTTP dates services send.
    fn system_time(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The default clock: tokio's (pausable in tests) monotonic time and the system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

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
