//! Time, injected: the pipeline and the limiter never read the clock or sleep directly.
//!
//! [`TokioClock`] (the default) follows tokio's clock, so tests that need no I/O can pause it.
//! `ManualClock` (behind the `test-util` feature) never sleeps for real: every sleep moves
//! its time forward at once and is recorded, so tests of retries over real loopback sockets
//! can assert on the waits.

#[cfg(any(test, feature = "test-util"))]
mod manual;
#[cfg(any(test, feature = "test-util"))]
mod simulated;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime};

#[cfg(any(test, feature = "test-util"))]
pub use manual::ManualClock;
#[cfg(any(test, feature = "test-util"))]
pub use simulated::{SimWorker, SimulatedClock};

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

    #[cfg(any(test, feature = "test-util"))]
    fn system_time(&self) -> SystemTime {
        // The wall clock, moved by however far tokio's clock is from the real one: the same
        // as `SystemTime::now()` in a running program, and in step with `now()` when tests
        // pause and advance tokio's time, so wall-clock and monotonic readings agree.
        let tokio_now = tokio::time::Instant::now().into_std();
        let real_now = Instant::now();
        let wall = SystemTime::now();
        match tokio_now.checked_duration_since(real_now) {
            Some(ahead) => wall + ahead,
            None => wall - real_now.duration_since(tokio_now),
        }
    }

    /// The system's wall clock. (With the `test-util` feature, which lets tests pause
    /// tokio's clock, it is moved in step with tokio's; a program's clock is never paused,
    /// so one reading is enough here.)
    #[cfg(not(any(test, feature = "test-util")))]
    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}
