//! [`RedisLimiter`]: the contract of `connector_core::limiter::RateLimiter` kept in Redis.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use connector_core::Result;
use connector_core::limiter::{
    Feedback, Limit, LimitKey, LimitKind, LimiterSpec, MemoryLimiter, Observation, Permit,
    RateLimiter, wait_exceeded,
};

use crate::lease::Lease;
use crate::scripts::{ACQUIRE, LEASE, OBSERVE, PROBED};
use crate::shared::{FailPolicy, Shared};

/// Rounds of asking Redis for one admission: each refused round sleeps until a window's
/// reset (or a lease's pause), so the caller's `max_wait` ends the loop long before this.
const MAX_ROUNDS: u32 = 10_000;
/// The pause between asks for a concurrency slot: doubling from the first to the last.
const LEASE_PAUSE: (Duration, Duration) = (Duration::from_millis(2), Duration::from_millis(50));

/// A [`RateLimiter`] whose state lives in Redis, shared by every process that uses the same
/// server and namespace. Made by [`RedisBackend`](crate::RedisBackend).
///
/// - Quota keys: a hash `connectors:{namespace}:{key}` holding the window (limit, length,
///   end, remainder, next pace slot, the anchored window) with a TTL of its end plus one
///   window. One script admits and reserves a pace slot, another applies the service's
///   feedback; both read Redis's clock.
/// - Concurrency keys: a sorted set `connectors:{namespace}:{key}:leases` of lease ids
///   scored by expiry; the permit renews its lease while held and releases it on drop.
/// - While Redis does not answer, an in-memory limiter made from the same spec stands in
///   (or calls fail, with [`FailPolicy::Closed`]).
pub struct RedisLimiter {
    shared: Arc<Shared>,
    spec: LimiterSpec,
    prefix: String,
    fallback: MemoryLimiter,
    /// Wakes this process's callers waiting for a reset when feedback brings it sooner.
    changed: tokio::sync::Notify,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("redis", &self.shared)
            .field("namespace", &self.spec.namespace)
            .field("limits", &self.spec.limits)
            .finish_non_exhaustive()
    }
}

enum Round {
    /// Admitted into a slot this far ahead.
    Admitted(Permit, Duration),
    Wait(Duration),
}

impl RedisLimiter {
    pub(crate) fn new(shared: Arc<Shared>, spec: LimiterSpec) -> RedisLimiter {
        RedisLimiter {
            prefix: format!("connectors:{}:", spec.namespace),
            fallback: MemoryLimiter::from_spec(spec.clone()),
            shared,
            spec,
            changed: tokio::sync::Notify::new(),
        }
    }

    /// The Redis key holding a limiter key's state.
    pub fn redis_key(&self, key: &LimitKey) -> String {
        match key.kind() {
            LimitKind::Concurrency => format!("{}{}:leases", self.prefix, key.name()),
            _ => format!("{}{}", self.prefix, key.name()),
        }
    }

    /// Whether to ask Redis: always under the closed policy, else while it answers and once
    /// per probe interval while it does not.
    fn use_redis(&self) -> bool {
        self.shared.fail == FailPolicy::Closed || self.shared.health.should_try()
    }

    async fn quota_round(
        &self,
        key: &LimitKey,
        cost: u64,
        max_wait: Duration,
    ) -> std::result::Result<Round, String> {
        let (limit, window) = match self.spec.configured(key.name()) {
            Some(Limit::Quota { limit, window }) => (limit, window),
            _ => (0, self.spec.default_window),
        };
        let redis_key = self.redis_key(key);
        let mut invocation = ACQUIRE.prepare_invoke();
        invocation
            .key(&redis_key)
            .key(format!("{redis_key}:probe"))
            .arg(cost)
            .arg(millis(max_wait))
            .arg(limit)
            .arg(millis(window).max(1))
            .arg(if self.spec.pacing { 1 } else { 0 })
            .arg(self.spec.burst);
        let (admitted, wait, now, probe): (i64, i64, i64, i64) =
            self.shared.run(&invocation).await?;
        let wait = Duration::from_millis(wait.max(0) as u64);
        if admitted == 1 {
            let at = UNIX_EPOCH + Duration::from_millis(now.max(0) as u64) + wait;
            let permit = if probe == 1 {
                Permit::holding(Probe {
                    shared: self.shared.clone(),
                    key: redis_key,
                    remember: millis(window * 2),
                })
            } else {
                Permit::free()
            };
            return Ok(Round::Admitted(permit.with_admitted_at(Some(at)), wait));
        }
        Ok(Round::Wait(wait))
    }

    async fn acquire_units(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        let clock = &self.spec.clock;
        let deadline = clock.now() + max_wait;
        for _ in 0..MAX_ROUNDS {
            let left = deadline.saturating_duration_since(clock.now());
            if !self.use_redis() {
                return self.fallback.acquire(key, cost, left).await;
            }
            // Registered before asking, so that feedback arriving meanwhile still wakes us.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.quota_round(key, cost, left).await {
                Ok(Round::Admitted(permit, ahead)) => {
                    // The slot is reserved: sleeping until it keeps arrival order across
                    // every process. The wait is a duration on Redis's clock, so a host
                    // whose own clock is off still sleeps the right time.
                    if !ahead.is_zero() {
                        clock.sleep(ahead.min(left)).await;
                    }
                    return Ok(permit);
                }
                Ok(Round::Wait(wait)) => {
                    if wait > left {
                        return Err(wait_exceeded(key, Some(wait)));
                    }
                    connector_core::limiter::announce_wait(key, cost, wait);
                    tokio::select! {
                        _ = clock.sleep(wait.max(Duration::from_millis(1))) => {}
                        _ = changed => {}
                    }
                }
                Err(why) => {
                    let left = deadline.saturating_duration_since(clock.now());
                    return match self.shared.fail {
                        FailPolicy::Closed => Err(self.shared.closed_error(&why)),
                        _ => self.fallback.acquire(key, cost, left).await,
                    };
                }
            }
        }
        Err(wait_exceeded(key, None))
    }

    async fn acquire_slot(&self, key: &LimitKey, max_wait: Duration) -> Result<Permit> {
        let Some(Limit::Concurrency(cap)) = self.spec.configured(key.name()) else {
            return Ok(Permit::free());
        };
        let clock = &self.spec.clock;
        let deadline = clock.now() + max_wait;
        let redis_key = self.redis_key(key);
        let id = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let mut pause = LEASE_PAUSE.0;
        for _ in 0..MAX_ROUNDS {
            if !self.use_redis() {
                let left = deadline.saturating_duration_since(clock.now());
                return self.fallback.acquire(key, 1, left).await;
            }
            let mut invocation = LEASE.prepare_invoke();
            invocation
                .key(&redis_key)
                .arg(cap.max(1))
                .arg(millis(self.shared.lease_time))
                .arg(&id);
            match self.shared.run::<(i64, i64)>(&invocation).await {
                Ok((1, _)) => {
                    let lease = Lease::hold(self.shared.clone(), redis_key, id);
                    return Ok(Permit::holding(lease));
                }
                Ok(_) => {
                    if clock.now() + pause > deadline {
                        return Err(wait_exceeded(key, None));
                    }
                    clock.sleep(pause).await;
                    pause = (pause * 2).min(LEASE_PAUSE.1);
                }
                Err(why) => {
                    let left = deadline.saturating_duration_since(clock.now());
                    return match self.shared.fail {
                        FailPolicy::Closed => Err(self.shared.closed_error(&why)),
                        _ => self.fallback.acquire(key, 1, left).await,
                    };
                }
            }
        }
        Err(wait_exceeded(key, None))
    }

    async fn observe_quota(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) {
        if !self.use_redis() {
            self.fallback.observe(key, feedback, observation).await;
            return;
        }
        let (limit, window) = match self.spec.configured(key.name()) {
            Some(Limit::Quota { limit, window }) => (limit, window),
            _ => (0, self.spec.default_window),
        };
        let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let admitted = observation
            .admitted_at
            .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
            .map(|at| at.as_millis().to_string())
            .unwrap_or_default();
        let redis_key = self.redis_key(key);
        let mut invocation = OBSERVE.prepare_invoke();
        invocation
            .key(&redis_key)
            .key(format!("{redis_key}:probe"))
            .arg(opt(feedback.limit))
            .arg(opt(feedback.remaining))
            .arg(opt(feedback.reset_after.map(millis)))
            .arg(opt(feedback.charged))
            .arg(observation.estimated)
            .arg(admitted)
            .arg(limit)
            .arg(millis(window).max(1));
        match self.shared.run::<i64>(&invocation).await {
            Ok(1) => self.changed.notify_waiters(),
            Ok(_) => {}
            Err(_) if self.shared.fail == FailPolicy::Open => {
                self.fallback.observe(key, feedback, observation).await;
            }
            Err(_) => {}
        }
    }
}

/// Held by the learning probe of a key: its drop lifts the probe (see [`PROBED`]).
struct Probe {
    shared: Arc<Shared>,
    key: String,
    remember: u64,
}

impl Drop for Probe {
    fn drop(&mut self) {
        // Spawned: a permit drops in synchronous code. Without a runtime the probe expires.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (shared, key, remember) = (self.shared.clone(), self.key.clone(), self.remember);
            let done = handle.spawn({
                let shared = shared.clone();
                async move {
                    let mut invocation = PROBED.prepare_invoke();
                    invocation
                        .key(&key)
                        .key(format!("{key}:probe"))
                        .arg(remember);
                    let _ = shared.run::<i64>(&invocation).await;
                }
            });
            shared.track_release(done);
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn acquire(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        match key.kind() {
            LimitKind::Concurrency => self.acquire_slot(key, max_wait).await,
            _ => self.acquire_units(key, cost, max_wait).await,
        }
    }

    async fn observe(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) {
        if key.kind() != LimitKind::Concurrency {
            self.observe_quota(key, feedback, observation).await;
        }
    }
}
