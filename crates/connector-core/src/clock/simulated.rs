//! Virtual time shared by concurrent tasks (tests).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::{Clock, Sleep};

/// Virtual time for concurrent tasks that do real I/O: a discrete-event simulation.
///
/// Time moves only when every registered worker task is asleep, straight to the earliest
/// wake-up. [`ManualClock`](super::ManualClock) moves time at each sleep, so while one task's request is on the
/// wire the others' sleeps would run the clock far ahead; tokio's paused clock likewise
/// jumps whenever the runtime waits on I/O. Neither can say "no time passes while a request
/// is in flight", which is what a rate-limit test over a loopback socket needs.
///
/// Each task that sleeps on this clock holds a [`SimWorker`] (from [`SimulatedClock::worker`])
/// for as long as it may still sleep.
#[derive(Clone)]
pub struct SimulatedClock {
    sim: Arc<Mutex<Sim>>,
    origin: Instant,
    origin_system: SystemTime,
}

struct Sim {
    now: Duration,
    workers: usize,
    next_id: u64,
    sleepers: Vec<(Duration, u64, tokio::sync::oneshot::Sender<()>)>,
}

/// Takes a sleep that was abandoned (its future dropped, say by a `select!`) off the list,
/// so that its task no longer counts as asleep.
struct Abandon {
    clock: SimulatedClock,
    id: u64,
}

impl Drop for Abandon {
    fn drop(&mut self) {
        let mut sim = self.clock.lock();
        sim.sleepers.retain(|(_, id, _)| *id != self.id);
    }
}

/// Counts a task as a worker of a [`SimulatedClock`] while it lives.
pub struct SimWorker(SimulatedClock);

impl Drop for SimWorker {
    fn drop(&mut self) {
        let mut sim = self.0.lock();
        sim.workers -= 1;
        Sim::advance_if_all_asleep(&mut sim);
    }
}

impl fmt::Debug for SimWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimWorker")
    }
}

impl Sim {
    fn advance_if_all_asleep(sim: &mut Sim) {
        while sim.workers > 0 && sim.sleepers.len() >= sim.workers {
            let Some(next) = sim.sleepers.iter().map(|(at, _, _)| *at).min() else {
                return;
            };
            sim.now = sim.now.max(next);
            let now = sim.now;
            let (due, later): (Vec<_>, Vec<_>) =
                sim.sleepers.drain(..).partition(|(at, _, _)| *at <= now);
            sim.sleepers = later;
            for (_, _, wake) in due {
                let _ = wake.send(());
            }
        }
    }
}

impl SimulatedClock {
    /// A clock at time zero with no workers.
    pub fn new() -> SimulatedClock {
        SimulatedClock {
            sim: Arc::new(Mutex::new(Sim {
                now: Duration::ZERO,
                workers: 0,
                next_id: 0,
                sleepers: Vec::new(),
            })),
            origin: Instant::now(),
            origin_system: SystemTime::now(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sim> {
        // Updates under this lock cannot panic half-way; a poisoned lock is still consistent.
        self.sim.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the calling task as a worker until the guard is dropped.
    pub fn worker(&self) -> SimWorker {
        self.lock().workers += 1;
        SimWorker(self.clone())
    }

    /// Virtual time elapsed since the clock was made.
    pub fn elapsed(&self) -> Duration {
        self.lock().now
    }
}

impl Default for SimulatedClock {
    fn default() -> Self {
        SimulatedClock::new()
    }
}

impl fmt::Debug for SimulatedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Instant {
        self.origin + self.elapsed()
    }

    fn system_time(&self) -> SystemTime {
        self.origin_system + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let (wake, woken) = tokio::sync::oneshot::channel();
        let id = {
            let mut sim = self.lock();
            let at = sim.now + duration;
            let id = sim.next_id;
            sim.next_id += 1;
            sim.sleepers.push((at, id, wake));
            Sim::advance_if_all_asleep(&mut sim);
            id
        };
        let abandon = Abandon {
            clock: self.clone(),
            id,
        };
        Box::pin(async move {
            let _abandon = abandon;
            let _ = woken.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn simulated_time_moves_only_when_every_worker_sleeps() {
        let clock = SimulatedClock::new();
        let a = clock.worker();
        let b = clock.worker();
        let c1 = clock.clone();
        let first = tokio::spawn(async move {
            let _w = a;
            c1.sleep(Duration::from_secs(5)).await;
            c1.elapsed()
        });
        tokio::task::yield_now().await;
        // One worker sleeps, the other is "busy": time stands still.
        assert_eq!(clock.elapsed(), Duration::ZERO);
        let c2 = clock.clone();
        let second = tokio::spawn(async move {
            let _w = b;
            c2.sleep(Duration::from_secs(2)).await;
            c2.elapsed()
        });
        assert_eq!(second.await.unwrap(), Duration::from_secs(2));
        assert_eq!(first.await.unwrap(), Duration::from_secs(5));
    }
}
