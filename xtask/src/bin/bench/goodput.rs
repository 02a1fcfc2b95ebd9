//! What the rate-limit scenarios share: callers that loop until a deadline, and what they
//! count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::measure::Samples;

/// How one call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Failed,
}

/// What one approach did in one timed run.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Successful calls that ended before the deadline (what utilization counts).
    pub(crate) ok_in_time: u64,
    /// Successful calls in all, late ones included.
    pub(crate) ok: u64,
    /// Calls that ended in an error.
    pub(crate) failed: u64,
    /// Latency of every call, from the caller's start to its end (waits and retries in).
    pub(crate) latencies: Samples,
    /// From the start to the end of the last call.
    pub(crate) elapsed: Duration,
    /// When each successful call ended, from the start.
    pub(crate) done_at: Vec<Duration>,
}

impl Tally {
    pub(crate) fn add(&mut self, other: Tally) {
        self.ok_in_time += other.ok_in_time;
        self.ok += other.ok;
        self.failed += other.failed;
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
        self.done_at.extend(other.done_at);
    }

    /// Successful calls per `slot` of the run, as one line (`BENCH_TIMELINE=1`).
    pub(crate) fn timeline(&self, slot: Duration) -> String {
        let slots = (self.elapsed.as_secs_f64() / slot.as_secs_f64()).ceil() as usize;
        let mut counts = vec![0u32; slots.max(1)];
        for at in &self.done_at {
            let i = (at.as_secs_f64() / slot.as_secs_f64()) as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        counts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `callers` tasks, each calling `call(caller, n)` in a loop until `duration` has passed;
/// calls under way at the deadline finish (and count as failed or late), none start after.
pub(crate) async fn callers<F, Fut>(callers: usize, duration: Duration, call: F) -> Tally
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for caller in 0..callers {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                let outcome = call(caller, n).await;
                n += 1;
                let end = Instant::now();
                tally.latencies.push(end - t);
                match outcome {
                    Outcome::Ok => {
                        tally.ok += 1;
                        tally.done_at.push(end - start);
                        if end <= deadline {
                            tally.ok_in_time += 1;
                        }
                    }
                    Outcome::Failed => tally.failed += 1,
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        if let Ok(tally) = task.await {
            total.add(tally);
        }
    }
    total.elapsed = start.elapsed();
    total
}
