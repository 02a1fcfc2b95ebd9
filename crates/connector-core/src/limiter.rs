//! Admission ahead of the service: spend a rate limit evenly instead of drawing 429s.
//!
//! The pipeline asks the [`RateLimiter`] for a [`Permit`] per key before each attempt and
//! tells it what the service reported afterwards ([`Feedback`]). [`MemoryLimiter`] is the
//! in-process implementation: per-key quotas (requests or weighted points per window), a
//! window synchronised with the service's reset, pacing so the budget lasts until the reset,
//! and concurrency caps. A limiter shared by several workers (for example on Redis) implements
//! the same trait.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::clock::{Clock, TokioClock};
use crate::error::{Error, ErrorKind, Result};

/// What a response said about a rate-limit key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Feedback {
    /// The limit of the window, in the key's unit (requests or points).
    pub limit: Option<u64>,
    /// What is left in the current window after this request.
    pub remaining: Option<u64>,
    /// How long until the window resets.
    pub reset_after: Option<Duration>,
    /// What this request really cost, when the service says (boards' `complexity.query`).
    pub charged: Option<u64>,
    /// What the pipeline acquired for this request (the estimate), filled in by the pipeline.
    pub estimated: u64,
    /// When the limiter admitted the attempt this answer belongs to, on the limiter's own
    /// clock ([`Permit::admitted_at`]), filled in by the pipeline. It tells answers about
    /// the current window from late answers about the one before.
    pub admitted_at: Option<Instant>,
}

impl Feedback {
    /// Feedback with a remaining count and a reset.
    pub fn remaining(remaining: u64, reset_after: Duration) -> Feedback {
        Feedback {
            remaining: Some(remaining),
            reset_after: Some(reset_after),
            ..Feedback::default()
        }
    }

    /// Sets the limit.
    pub fn with_limit(mut self, limit: u64) -> Feedback {
        self.limit = Some(limit);
        self
    }

    /// Sets the real cost of the request.
    pub fn with_charged(mut self, charged: u64) -> Feedback {
        self.charged = Some(charged);
        self
    }
}

/// Admission granted for one attempt; dropping it releases any concurrency slot it holds.
#[derive(Debug, Default)]
pub struct Permit {
    // Held only to be dropped: dropping releases the concurrency slot.
    _slot: Option<OwnedSemaphorePermit>,
    // Held only to be dropped: whatever another limiter keeps reserved for the attempt.
    _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
    admitted_at: Option<Instant>,
}

impl Permit {
    /// A permit that holds nothing.
    pub fn free() -> Permit {
        Permit::default()
    }

    /// A permit that holds `guard` until the attempt ends, then drops it: how a limiter
    /// outside this crate (a wrapper, a shared limiter's lease) keeps a slot reserved for
    /// exactly the attempt's duration. A wrapper may hold the inner limiter's permit too,
    /// as `Permit::holding((own_slot, inner_permit))`.
    pub fn holding(guard: impl Send + Sync + 'static) -> Permit {
        Permit {
            _slot: None,
            _guard: Some(Box::new(guard)),
            admitted_at: None,
        }
    }

    /// Stamps the permit with the instant of admission, on the limiter's clock.
    pub fn with_admitted_at(mut self, at: Option<Instant>) -> Permit {
        self.admitted_at = at;
        self
    }

    /// When the limiter admitted the attempt (for keys it keeps windows for).
    pub fn admitted_at(&self) -> Option<Instant> {
        self.admitted_at
    }
}

/// Admission control shared by every request of a connection (or of several workers).
#[async_trait]
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until `cost` units of `key` may be spent, then spends them.
    async fn acquire(&self, key: &str, cost: u64) -> Result<Permit>;
    /// Corrects the key's state from what a response reported.
    fn observe(&self, key: &str, feedback: &Feedback);
}

/// A limiter that admits everything at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

#[async_trait]
impl RateLimiter for Unlimited {
    async fn acquire(&self, _key: &str, _cost: u64) -> Result<Permit> {
        Ok(Permit::free())
    }

    fn observe(&self, _key: &str, _feedback: &Feedback) {}
}

/// A limit configured for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// At most `limit` units per window of `window`; the window starts at the first use.
    Quota {
        /// Units per window.
        limit: u64,
        /// The window's length.
        window: Duration,
    },
    /// At most this many attempts in flight at once.
    Concurrency(usize),
}

impl Limit {
    /// `limit` units per `window`.
    pub fn per(window: Duration, limit: u64) -> Limit {
        Limit::Quota { limit, window }
    }

    /// `limit` units per minute.
    pub fn per_minute(limit: u64) -> Limit {
        Limit::per(Duration::from_secs(60), limit)
    }
}

/// The in-memory [`RateLimiter`].
///
/// Keys are matched exactly first, then by the longest configured prefix ending in `*`
/// (`"okta:GET /api/v1/users/*"`); keys with no configured limit are admitted freely until the
/// service's feedback reveals one (Okta's `X-Rate-Limit-Limit`).
pub struct MemoryLimiter {
    limits: Vec<(String, Limit)>,
    default_window: Duration,
    pacing: bool,
    burst: f64,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<String, Bucket>>,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Wakes waiting callers when feedback moves a window's end or its remainder.
    changed: tokio::sync::Notify,
}

#[derive(Debug)]
struct Bucket {
    limit: Option<u64>,
    window: Duration,
    window_end: Option<Instant>,
    remaining: u64,
    next_at: Option<Instant>,
    admitted_in_window: u64,
    /// The largest `remaining + cost` reported: the limit when the service does not say it.
    capacity: u64,
    /// The service's window as anchored on the answer to the call that opened it.
    anchor_began: Option<Instant>,
    anchor_end: Option<Instant>,
}

impl fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("limits", &self.limits)
            .field("pacing", &self.pacing)
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
        MemoryLimiter {
            limits: Vec::new(),
            default_window: Duration::from_secs(60),
            pacing: true,
            burst: 0.1,
            clock: Arc::new(TokioClock),
            buckets: Mutex::new(HashMap::new()),
            semaphores: Mutex::new(HashMap::new()),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Configures a limit for a key, or for every key with a prefix when `key` ends in `*`.
    pub fn with_limit(mut self, key: impl Into<String>, limit: Limit) -> MemoryLimiter {
        self.limits.push((key.into(), limit));
        self
    }

    /// Turns pacing on or off. With pacing, a window's budget is spread evenly up to its
    /// reset (with a burst allowance of a tenth of the window) instead of spent at once.
    pub fn with_pacing(mut self, pacing: bool) -> MemoryLimiter {
        self.pacing = pacing;
        self
    }

    /// Sets the burst allowance: the fraction of a window by which admissions may run ahead
    /// of the even pace (default 0.1).
    pub fn with_burst(mut self, fraction: f64) -> MemoryLimiter {
        self.burst = fraction.clamp(0.0, 1.0);
        self
    }

    /// The window assumed for limits learned from feedback (default 60 s).
    pub fn with_default_window(mut self, window: Duration) -> MemoryLimiter {
        self.default_window = window;
        self
    }

    /// Uses another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> MemoryLimiter {
        self.clock = clock;
        self
    }

    fn configured(&self, key: &str) -> Option<Limit> {
        if let Some((_, limit)) = self.limits.iter().find(|(k, _)| k == key) {
            return Some(*limit);
        }
        self.limits
            .iter()
            .filter_map(|(k, limit)| {
                let prefix = k.strip_suffix('*')?;
                key.starts_with(prefix).then_some((prefix.len(), *limit))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, limit)| limit)
    }

    fn lock_buckets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bucket>> {
        // Nothing under this lock can panic half-way through an update.
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bucket<'a>(&self, buckets: &'a mut HashMap<String, Bucket>, key: &str) -> &'a mut Bucket {
        if !buckets.contains_key(key) {
            let (limit, window) = match self.configured(key) {
                Some(Limit::Quota { limit, window }) => (Some(limit), window),
                _ => (None, self.default_window),
            };
            buckets.insert(
                key.to_owned(),
                Bucket {
                    limit,
                    window,
                    window_end: None,
                    remaining: limit.unwrap_or(0),
                    next_at: None,
                    admitted_in_window: 0,
                    capacity: 0,
                    anchor_began: None,
                    anchor_end: None,
                },
            );
        }
        // Inserted just above when it was missing.
        buckets.get_mut(key).expect("bucket exists")
    }

    /// Tries to admit `cost` units now; on refusal returns the instant worth waiting for.
    fn try_admit(&self, key: &str, cost: u64) -> std::result::Result<(), Instant> {
        let now = self.clock.now();
        let mut buckets = self.lock_buckets();
        let pacing = self.pacing;
        let burst = self.burst;
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
        sems.entry(key.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(size.max(1))))
            .clone()
    }

    /// The units still admissible in the key's current window, as the limiter sees it
    /// (`None` for unlimited keys).
    pub fn remaining(&self, key: &str) -> Option<u64> {
        let mut buckets = self.lock_buckets();
        let bucket = self.bucket(&mut buckets, key);
        bucket.limit.map(|_| bucket.remaining)
    }
}

/// How much later than the truth a reset given in whole seconds can be: rounded up, measured
/// from a `Date` rounded down, plus a little for the answer's way back.
const ROUNDING: Duration = Duration::from_millis(2_050);

/// Tightens what an answer says about its window, and drops what it says about a window
/// already over.
///
/// Resets come in whole seconds (Okta's `X-Rate-Limit-Reset` rounded up against a `Date`
/// rounded down; the boards service's `reset_in_x_seconds` rounded up), so each is an upper
/// bound of the window's end, late by up to two seconds: with a 60 s window that wastes a
/// few per cent of the budget, with a short one up to half. Both services open a window at
/// the first call after the previous one ended, and the answer to that call is
/// recognisable (`remaining + cost == limit`): it left the service after the window opened,
/// so its arrival plus the window's length bounds the end within one round trip. Answers
/// to calls admitted before the current window began describe the window before; fed to
/// the bucket after its own reset they would cut the new window short, so their remaining
/// and reset are ignored.
fn anchor(bucket: &mut Bucket, feedback: &Feedback, now: Instant) -> Feedback {
    let mut feedback = feedback.clone();
    let Some(remaining) = feedback.remaining else {
        return feedback;
    };
    let spent = feedback.charged.unwrap_or(feedback.estimated.max(1));
    bucket.capacity = bucket.capacity.max(remaining + spent);
    let capacity = feedback.limit.filter(|l| *l > 0).unwrap_or(bucket.capacity);
    let opener = remaining > 0 && remaining + spent == capacity;
    // Where the window we are in began: the anchored end, once it has passed.
    let boundary = match bucket.anchor_end {
        Some(end) if end <= now => Some(end),
        _ => bucket.anchor_began,
    };
    if opener {
        bucket.anchor_began = Some(bucket.anchor_end.unwrap_or(now).min(now));
        bucket.anchor_end = Some(now + bucket.window);
    } else if let (Some(admitted), Some(boundary)) = (feedback.admitted_at, boundary)
        && admitted < boundary
    {
        feedback.remaining = None;
        feedback.reset_after = None;
    }
    if let Some(reported) = feedback.reset_after {
        // Every figure here is an upper bound of the window's end; the tightest wins. The
        // reported one is late by up to two seconds of rounding; past that, our idea of the
        // window is wrong and the reported one stands alone.
        let mut bound = reported;
        if reported <= bucket.window + ROUNDING {
            bound = bound.min(bucket.window);
        }
        if let Some(end) = bucket.anchor_end.filter(|end| *end > now)
            && reported <= (end - now) + ROUNDING
        {
            bound = bound.min(end - now);
        }
        feedback.reset_after = Some(bound);
    }
    feedback
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn acquire(&self, key: &str, cost: u64) -> Result<Permit> {
        if let Some(Limit::Concurrency(size)) = self.configured(key) {
            let permit = self
                .semaphore(key, size)
                .acquire_owned()
                .await
                .map_err(|_| Error::new(ErrorKind::Configuration, "the limiter was closed"))?;
            return Ok(Permit {
                _slot: Some(permit),
                _guard: None,
                admitted_at: None,
            });
        }
        loop {
            // Registered before looking, so that feedback arriving between the look and the
            // sleep still wakes this caller.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.try_admit(key, cost) {
                Ok(()) => return Ok(Permit::free().with_admitted_at(Some(self.clock.now()))),
                Err(until) => {
                    let wait = until.saturating_duration_since(self.clock.now());
                    tracing::trace!(
                        key,
                        cost,
                        wait_ms = wait.as_millis() as u64,
                        "rate limiter: waiting"
                    );
                    // Sleep until the computed time, or until feedback changes what is known
                    // (a reset sooner than assumed). Never spin: a zero wait still yields.
                    tokio::select! {
                        _ = self.clock.sleep(wait.max(Duration::from_millis(1))) => {}
                        _ = changed => {}
                    }
                }
            }
        }
    }

    fn observe(&self, key: &str, feedback: &Feedback) {
        if matches!(self.configured(key), Some(Limit::Concurrency(_))) {
            return;
        }
        let now = self.clock.now();
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
        let feedback = &anchor(bucket, feedback, now);
        if let Some(charged) = feedback.charged {
            // Correct the estimate we charged at admission by what the service really charged.
            bucket.remaining = (bucket.remaining + feedback.estimated).saturating_sub(charged);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test(start_paused = true)]
    async fn no_window_admits_more_than_the_quota_and_4n_calls_take_about_4_windows() {
        const N: u64 = 25;
        let window = Duration::from_secs(1);
        let limiter = Arc::new(MemoryLimiter::new().with_limit("k", Limit::per(window, N)));
        let start = tokio::time::Instant::now();
        let per_window: Arc<Vec<AtomicU64>> =
            Arc::new((0..16).map(|_| AtomicU64::new(0)).collect());
        let mut tasks = Vec::new();
        for t in 0..32u64 {
            let limiter = limiter.clone();
            let per_window = per_window.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..(4 * N / 32 + u64::from(t < (4 * N) % 32)) {
                    limiter.acquire("k", 1).await.unwrap();
                    let w = (tokio::time::Instant::now() - start).as_millis() / 1000;
                    per_window[w as usize].fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let counts: Vec<u64> = per_window
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect();
        assert_eq!(counts.iter().sum::<u64>(), 4 * N);
        assert!(counts.iter().all(|c| *c <= N), "{counts:?}");
        let elapsed = tokio::time::Instant::now() - start;
        assert!(
            elapsed >= Duration::from_secs(3) && elapsed <= Duration::from_millis(4100),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn feedback_of_an_empty_bucket_makes_callers_wait_for_the_reset() {
        let limiter = MemoryLimiter::new();
        // Unknown key: free until the service reveals a limit.
        limiter.acquire("k", 1).await.unwrap();
        limiter.observe(
            "k",
            &Feedback::remaining(0, Duration::from_secs(2)).with_limit(10),
        );
        let start = tokio::time::Instant::now();
        limiter.acquire("k", 1).await.unwrap();
        assert!(tokio::time::Instant::now() - start >= Duration::from_secs(2));
        assert_eq!(limiter.remaining("k"), Some(9));
    }

    #[tokio::test(start_paused = true)]
    async fn weighted_costs_are_corrected_by_the_charged_cost() {
        let limiter = MemoryLimiter::new()
            .with_limit("points", Limit::per(Duration::from_secs(60), 10_000))
            .with_pacing(false);
        limiter.acquire("points", 1_000).await.unwrap();
        assert_eq!(limiter.remaining("points"), Some(9_000));
        let mut fb = Feedback::default().with_charged(300);
        fb.estimated = 1_000;
        limiter.observe("points", &fb);
        assert_eq!(limiter.remaining("points"), Some(9_700));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_limit_caps_permits_in_flight() {
        let limiter = Arc::new(MemoryLimiter::new().with_limit("c", Limit::Concurrency(2)));
        let a = limiter.acquire("c", 1).await.unwrap();
        let _b = limiter.acquire("c", 1).await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(10), limiter.acquire("c", 1)).await;
        assert!(third.is_err(), "a third permit must wait");
        drop(a);
        tokio::time::timeout(Duration::from_millis(10), limiter.acquire("c", 1))
            .await
            .expect("a released slot admits the next")
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_spreads_a_window_instead_of_bursting() {
        let limiter = MemoryLimiter::new()
            .with_limit("k", Limit::per(Duration::from_secs(10), 100))
            .with_burst(0.0);
        let start = tokio::time::Instant::now();
        for _ in 0..50 {
            limiter.acquire("k", 1).await.unwrap();
        }
        let elapsed = tokio::time::Instant::now() - start;
        // 50 of 100 units spread over a 10 s window take about 5 s, not 0.
        assert!(
            elapsed >= Duration::from_millis(4000) && elapsed <= Duration::from_millis(6000),
            "{elapsed:?}"
        );
    }

    #[test]
    fn a_holding_permit_keeps_its_guard_until_dropped() {
        let slot = Arc::new(Semaphore::new(1));
        let permit = Permit::holding(slot.clone().try_acquire_owned().unwrap());
        assert_eq!(slot.available_permits(), 0);
        drop(permit);
        assert_eq!(slot.available_permits(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_allows_a_burst_of_a_tenth_of_the_window_first() {
        let limiter =
            MemoryLimiter::new().with_limit("k", Limit::per(Duration::from_secs(10), 100));
        let start = tokio::time::Instant::now();
        for _ in 0..10 {
            limiter.acquire("k", 1).await.unwrap();
        }
        // A tenth of the window is ten units' worth of pace: no waiting for those.
        assert!(tokio::time::Instant::now() - start < Duration::from_millis(200));
        for _ in 0..40 {
            limiter.acquire("k", 1).await.unwrap();
        }
        let elapsed = tokio::time::Instant::now() - start;
        assert!(
            elapsed >= Duration::from_secs(3) && elapsed <= Duration::from_secs(5),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_caller_wakes_when_feedback_brings_the_reset_closer() {
        let limiter = Arc::new(
            MemoryLimiter::new()
                .with_limit("k", Limit::per_minute(1))
                .with_pacing(false),
        );
        limiter.acquire("k", 1).await.unwrap();
        let start = tokio::time::Instant::now();
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter
                    .acquire("k", 1)
                    .await
                    .map(|_| tokio::time::Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        // The service says its window ends in one second, not in a minute.
        limiter.observe("k", &Feedback::remaining(0, Duration::from_secs(1)));
        let admitted = waiter.await.unwrap().unwrap();
        assert!(
            admitted - start < Duration::from_secs(3),
            "{:?}",
            admitted - start
        );
    }

    fn okta_feedback(remaining: u64, reset_secs: u64, admitted_at: Option<Instant>) -> Feedback {
        let mut fb = Feedback::remaining(remaining, Duration::from_secs(reset_secs)).with_limit(50);
        fb.estimated = 1;
        fb.admitted_at = admitted_at;
        fb
    }

    #[tokio::test(start_paused = true)]
    async fn the_answer_that_opened_a_window_anchors_its_end_despite_whole_second_resets() {
        let limiter = MemoryLimiter::new()
            .with_default_window(Duration::from_secs(1))
            .with_pacing(false);
        let ms = Duration::from_millis;
        let admitted = limiter.acquire("k", 1).await.unwrap().admitted_at();
        tokio::time::sleep(ms(5)).await;
        // Remaining 49 of 50 after one call: this call opened the window. The reset says 2 s
        // (rounded up against a Date rounded down); the window surely ends 1 s after now.
        limiter.observe("k", &okta_feedback(49, 2, admitted));
        let opened = tokio::time::Instant::now();
        for _ in 0..49 {
            limiter.acquire("k", 1).await.unwrap();
        }
        limiter.acquire("k", 1).await.unwrap();
        let waited = tokio::time::Instant::now() - opened;
        assert!(
            waited <= ms(1_001),
            "waited {waited:?}: the rounded 2 s reset was trusted"
        );
        assert!(waited >= ms(999), "waited {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_answer_about_the_previous_window_does_not_cut_the_new_one_short() {
        let limiter = MemoryLimiter::new()
            .with_default_window(Duration::from_secs(1))
            .with_pacing(false);
        let ms = Duration::from_millis;
        let first = limiter.acquire("k", 1).await.unwrap().admitted_at();
        limiter.observe("k", &okta_feedback(49, 1, first));
        // A call admitted at 990 ms, in the first window...
        tokio::time::sleep(ms(990)).await;
        let late = limiter.acquire("k", 1).await.unwrap().admitted_at();
        // ...answers after that window ended, saying "0 left": about the window before.
        tokio::time::sleep(ms(30)).await;
        limiter.observe("k", &okta_feedback(0, 1, late));
        assert!(
            limiter.remaining("k").unwrap() > 0,
            "a stale answer emptied the new window"
        );
    }

    #[test]
    fn prefix_limits_match_the_longest_prefix() {
        let limiter = MemoryLimiter::new()
            .with_limit("a:*", Limit::per_minute(1))
            .with_limit("a:b*", Limit::per_minute(2))
            .with_limit("a:bc", Limit::Concurrency(3));
        assert_eq!(limiter.configured("a:x"), Some(Limit::per_minute(1)));
        assert_eq!(limiter.configured("a:bd"), Some(Limit::per_minute(2)));
        assert_eq!(limiter.configured("a:bc"), Some(Limit::Concurrency(3)));
        assert_eq!(limiter.configured("z"), None);
    }
}
