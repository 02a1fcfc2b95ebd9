//! The in-memory limiter: per-key quotas with pacing, windows synchronised with the
//! service's feedback, concurrency caps, and waiters admitted in arrival order.
//!
//! Long on purpose: admission, pacing and feedback share one lock-protected table per key,
//! and their locking is easiest to check when it reads in one place.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Semaphore;

/// The limiter's per-key tables (a fast hash: they are read several times a call).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use super::anchor::anchor;
use super::bucket::Bucket;
use super::{
    Feedback, Limit, LimitKey, LimitKind, LimiterSpec, Observation, Permit, RateLimiter,
    wait_exceeded,
};
use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Result};

/// The in-memory [`RateLimiter`].
///
/// Keys are matched exactly first, then by the longest configured prefix ending in `*`
/// (`"okta:GET /api/v1/users/*"`); quota keys with no configured limit are admitted freely
/// until the service's feedback reveals one (Okta's `X-Rate-Limit-Limit`), concurrency keys
/// with no configured cap are not capped.
///
/// Waiters on one key are served in arrival order: each key has a queue, and only its head
/// waits for the window or the pace, so the tail latency of many callers stays near the
/// fair schedule.
pub struct MemoryLimiter {
    pub(super) spec: LimiterSpec,
    buckets: Mutex<HashMap<String, Bucket>>,
    queues: Mutex<HashMap<String, Queue>>,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Wakes waiting callers when feedback moves a window's end or its remainder.
    changed: tokio::sync::Notify,
}

/// The callers waiting on one key, in arrival order, and when the head expects admission.
#[derive(Debug, Default)]
struct Queue {
    next_ticket: u64,
    waiting: std::collections::VecDeque<u64>,
    head_until: Option<Instant>,
}

/// A caller's place in a key's queue; leaving (admitted, given up or cancelled) frees it.
struct Place<'a> {
    limiter: &'a MemoryLimiter,
    key: &'a str,
    ticket: u64,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        {
            let mut queues = self.limiter.lock_queues();
            if let Some(queue) = queues.get_mut(self.key) {
                queue.waiting.retain(|t| *t != self.ticket);
                queue.head_until = None;
            }
        }
        // The next in line is now the head.
        self.limiter.changed.notify_waiters();
    }
}

impl fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("limits", &self.spec.limits)
            .field("pacing", &self.spec.pacing)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        MemoryLimiter::new()
    }
}

impl MemoryLimiter {
    /// A limiter with no configured limits, pacing on, on tokio's clock.
    pub fn new() -> MemoryLimiter {
        MemoryLimiter::from_spec(LimiterSpec::new("memory"))
    }

    /// A limiter following a connector's [`LimiterSpec`].
    pub fn from_spec(spec: LimiterSpec) -> MemoryLimiter {
        MemoryLimiter {
            spec,
            buckets: Mutex::new(HashMap::default()),
            queues: Mutex::new(HashMap::default()),
            semaphores: Mutex::new(HashMap::default()),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Configures a limit for a key, or for every key with a prefix when `key` ends in `*`.
    pub fn with_limit(mut self, key: impl Into<String>, limit: Limit) -> MemoryLimiter {
        self.spec = self.spec.with_limit(key, limit);
        self
    }

    /// Turns pacing on or off. With pacing, a window's budget is spread evenly up to its
    /// reset (with a burst allowance of a tenth of the window) instead of spent at once.
    pub fn with_pacing(mut self, pacing: bool) -> MemoryLimiter {
        self.spec.pacing = pacing;
        self
    }

    /// Sets the burst allowance: the fraction of a window by which admissions may run ahead
    /// of the even pace (default 0.1).
    pub fn with_burst(mut self, fraction: f64) -> MemoryLimiter {
        self.spec = self.spec.with_burst(fraction);
        self
    }

    /// The window assumed for limits learned from feedback (default 60 s).
    pub fn with_default_window(mut self, window: Duration) -> MemoryLimiter {
        self.spec.default_window = window;
        self
    }

    /// Uses another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> MemoryLimiter {
        self.spec.clock = clock;
        self
    }

    fn lock_buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bucket>> {
        // Nothing under this lock can panic half-way through an update.
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bucket<'a>(&self, buckets: &'a mut HashMap<String, Bucket>, key: &str) -> &'a mut Bucket {
        if !buckets.contains_key(key) {
            let (limit, window) = match self.spec.configured(key) {
                Some(Limit::Quota { limit, window }) => (Some(limit), window),
                _ => (None, self.spec.default_window),
            };
            buckets.insert(key.to_owned(), Bucket::new(limit, window));
        }
        // Inserted just above when it was missing.
        buckets.get_mut(key).expect("bucket exists")
    }

    /// Tries to admit `cost` units now; on refusal returns the instant worth waiting for.
    fn try_admit(&self, key: &str, cost: u64) -> std::result::Result<(), Instant> {
        let now = self.spec.clock.now();
        let mut buckets = self.lock_buckets();
        let pacing = self.spec.pacing;
        let burst = self.spec.burst;
        let bucket = self.bucket(&mut buckets, key);
        let Some(limit) = bucket.limit else {
            return Ok(());
        };
        if bucket.window_end.is_some_and(|end| now >= end) {
            bucket.window_end = None;
            bucket.remaining = limit;
            bucket.next_at = None;
            bucket.admitted_in_window = 0;
        }
        let end = *bucket.window_end.get_or_insert(now + bucket.window);
        // A single request costing more than the whole limit may still go alone into a full
        // window; refusing it forever would help nobody.
        let cost = cost.min(limit.max(1));
        if bucket.remaining < cost {
            return Err(end);
        }
        // Pacing is a GCRA over what is left of the window: `next_at` is the theoretical
        // arrival time of the next unit, and admissions may run ahead of it by the burst
        // tolerance (a tenth of the window by default).
        let tolerance = bucket.window.mul_f64(burst);
        if pacing
            && let Some(next_at) = bucket.next_at
            && now + tolerance < next_at
        {
            return Err(next_at - tolerance);
        }
        let before = bucket.remaining;
        bucket.remaining -= cost;
        bucket.admitted_in_window += cost;
        if pacing {
            // Spread what is left evenly until the reset: each unit earns 1/remaining of the
            // time left.
            let left = end.saturating_duration_since(now);
            let interval = left.mul_f64(cost as f64 / before.max(1) as f64);
            let base = bucket.next_at.map_or(now, |t| t.max(now));
            bucket.next_at = Some(base + interval);
        }
        Ok(())
    }

    fn semaphore(&self, key: &str, size: usize) -> Arc<Semaphore> {
        let mut sems = self.semaphores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(semaphore) = sems.get(key) {
            return semaphore.clone();
        }
        sems.entry(key.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(size.max(1))))
            .clone()
    }

    fn lock_queues(&self) -> std::sync::MutexGuard<'_, HashMap<String, Queue>> {
        // Nothing under this lock can panic half-way through an update.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits at once when nobody waits on the key and the bucket allows it (`None`: the
    /// common case takes one lock, no ticket and wakes nobody); otherwise joins the queue.
    fn admit_or_join<'a>(&'a self, key: &'a str, cost: u64) -> Option<Place<'a>> {
        let mut queues = self.lock_queues();
        let nobody_waits = queues.get(key).is_none_or(|q| q.waiting.is_empty());
        if nobody_waits && self.try_admit(key, cost).is_ok() {
            return None;
        }
        let queue = match queues.get_mut(key) {
            Some(queue) => queue,
            None => queues.entry(key.to_owned()).or_default(),
        };
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push_back(ticket);
        Some(Place {
            limiter: self,
            key,
            ticket,
        })
    }

    /// Admits the head of the queue if it may go now. `Ok(None)`: admitted; `Ok(Some(t))`:
    /// the head waits until `t`; `Err(t)`: not the head, whose turn is expected at `t`.
    fn try_turn(
        &self,
        place: &Place<'_>,
        cost: u64,
    ) -> std::result::Result<Option<Instant>, Option<Instant>> {
        let mut queues = self.lock_queues();
        // A place's queue lives as long as the limiter: it was made when the place joined.
        let Some(queue) = queues.get_mut(place.key) else {
            return Err(None);
        };
        if queue.waiting.front() != Some(&place.ticket) {
            return Err(queue.head_until);
        }
        match self.try_admit(place.key, cost) {
            Ok(()) => Ok(None),
            Err(until) => {
                queue.head_until = Some(until);
                Ok(Some(until))
            }
        }
    }

    /// The units still admissible in the key's current window, as the limiter sees it
    /// (`None` for unlimited keys).
    pub fn remaining(&self, key: &str) -> Option<u64> {
        let mut buckets = self.lock_buckets();
        let bucket = self.bucket(&mut buckets, key);
        bucket.limit.map(|_| bucket.remaining)
    }

    async fn acquire_slot(&self, key: &LimitKey, max_wait: Duration) -> Result<Permit> {
        let Some(Limit::Concurrency(size)) = self.spec.configured(key.name()) else {
            return Ok(Permit::free());
        };
        let semaphore = self.semaphore(key.name(), size);
        // How long a slot takes to free up is not known ahead: the wait is bounded on the
        // runtime's timer (a test clock's sleep would move its time instead of waiting).
        let slot = tokio::time::timeout(max_wait, semaphore.acquire_owned())
            .await
            .map_err(|_| wait_exceeded(key, None))?
            .map_err(|_| Error::new(ErrorKind::Configuration, "the limiter was closed"))?;
        Ok(Permit::slot(slot))
    }

    async fn acquire_units(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        let clock = &self.spec.clock;
        let deadline = clock.now() + max_wait;
        // Arrival order: callers queue per key; only the head is admitted, the others sleep
        // until the head's expected turn (or until the queue or the feedback changes). Every
        // wait is a sleep on the injected clock, so simulated time sees every caller asleep.
        let Some(place) = self.admit_or_join(key.name(), cost) else {
            return Ok(Permit::free().with_admitted_at(Some(clock.system_time())));
        };
        loop {
            // Registered before looking, so that a change between the look and the sleep
            // still wakes this caller.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = clock.now();
            let until = match self.try_turn(&place, cost) {
                Ok(None) => {
                    drop(place);
                    return Ok(Permit::free().with_admitted_at(Some(clock.system_time())));
                }
                Ok(Some(until)) if until > deadline => {
                    return Err(wait_exceeded(
                        key,
                        Some(until.saturating_duration_since(now)),
                    ));
                }
                Ok(Some(until)) => until,
                Err(_) if now >= deadline => return Err(wait_exceeded(key, None)),
                // Behind the head: wake no later than its turn, nor than our deadline.
                Err(head) => head.unwrap_or(now + Duration::from_millis(1)).min(deadline),
            };
            let wait = until.saturating_duration_since(now);
            super::announce_wait(key, cost, wait);
            // Never spin: a zero wait still yields.
            tokio::select! {
                _ = clock.sleep(wait.max(Duration::from_millis(1))) => {}
                _ = changed => {}
            }
        }
    }
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn acquire(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        match key.kind() {
            LimitKind::Concurrency => self.acquire_slot(key, max_wait).await,
            _ => self.acquire_units(key, cost, max_wait).await,
        }
    }

    async fn observe(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) {
        self.observe_now(key, feedback, observation);
    }

    fn try_acquire(&self, key: &LimitKey, cost: u64) -> Option<Permit> {
        match key.kind() {
            LimitKind::Concurrency => {
                let Some(Limit::Concurrency(size)) = self.spec.configured(key.name()) else {
                    return Some(Permit::free());
                };
                let slot = self.semaphore(key.name(), size).try_acquire_owned().ok()?;
                Some(Permit::slot(slot))
            }
            _ => {
                let queues = self.lock_queues();
                let nobody_waits = queues.get(key.name()).is_none_or(|q| q.waiting.is_empty());
                (nobody_waits && self.try_admit(key.name(), cost).is_ok())
                    .then(|| Permit::free().with_admitted_at(Some(self.spec.clock.system_time())))
            }
        }
    }

    fn observe_now(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) -> bool {
        if key.kind() != LimitKind::Concurrency {
            self.observe_quota(key.name(), feedback, observation);
        }
        true
    }
}

impl MemoryLimiter {
    fn observe_quota(&self, key: &str, feedback: &Feedback, observation: &Observation) {
        let now = self.spec.clock.now();
        // The admission's wall-clock time, back on this limiter's monotonic clock (the
        // answer's arrival is "now" on the wall clock).
        let admitted_at = observation.admitted_at.map(|at| {
            let ago = observation
                .received_at
                .duration_since(at)
                .unwrap_or_default();
            now.checked_sub(ago).unwrap_or(now)
        });
        let mut buckets = self.lock_buckets();
        let bucket = self.bucket(&mut buckets, key);
        let before = (bucket.window_end, bucket.remaining, bucket.limit);
        // Okta reports a concurrency rejection as limit 0 / remaining 0: that says nothing
        // about the bucket's size, so it must not shrink it.
        if let Some(limit) = feedback.limit.filter(|l| *l > 0) {
            if bucket.limit.is_none() {
                bucket.remaining = limit;
            }
            bucket.limit = Some(limit);
        }
        if bucket.limit.is_none() {
            return;
        }
        let feedback = &anchor(bucket, feedback, observation.estimated, admitted_at, now);
        if let Some(charged) = feedback.charged {
            // Correct the estimate we charged at admission by what the service really charged.
            bucket.remaining = (bucket.remaining + observation.estimated).saturating_sub(charged);
        }
        if let Some(reset_after) = feedback.reset_after {
            let server_end = now + reset_after;
            match bucket.window_end {
                // Same window as ours (resets are reported in whole seconds): keep the later end.
                Some(end)
                    if server_end.max(end) - server_end.min(end) <= Duration::from_millis(1500) =>
                {
                    bucket.window_end = Some(end.max(server_end));
                }
                _ => {
                    bucket.window_end = Some(server_end);
                    bucket.next_at = None;
                }
            }
        }
        if let Some(remaining) = feedback.remaining {
            bucket.remaining = bucket.remaining.min(remaining);
        }
        let window_sooner = match (before.0, bucket.window_end) {
            (Some(old), Some(new)) => new < old,
            (None, Some(_)) => true,
            _ => false,
        };
        let more_left = bucket.remaining > before.1 || bucket.limit != before.2;
        drop(buckets);
        if window_sooner || more_left {
            // Callers asleep on the old estimate re-check now instead of oversleeping.
            self.changed.notify_waiters();
        }
    }
}
