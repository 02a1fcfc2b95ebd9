//! Admission ahead of the service: spend a rate limit evenly instead of drawing 429s.
//!
//! The contract ([`RateLimiter`]) has two calls, both async so that a limiter shared by
//! several processes (on Redis, say) can keep it with one round trip each:
//!
//! - [`acquire`](RateLimiter::acquire) waits until `cost` units of a [`LimitKey`] may be
//!   spent, in arrival order, and never longer than the wait the caller allows: when
//!   admission cannot come in time it fails at once, so nothing is sent late.
//! - [`observe`](RateLimiter::observe) hands back what the service said about the key
//!   ([`Feedback`]) together with what the pipeline knows of the attempt
//!   ([`Observation`]: the estimate it acquired, when it was admitted). Every time in
//!   either is wall-clock time or a duration, never a process-local instant, so another
//!   process can use it.
//!
//! Keys are typed: a [`LimitKind::Quota`] key spends units of a window, a
//! [`LimitKind::Concurrency`] key holds a slot for the attempt's duration.
//!
//! [`MemoryLimiter`] is the in-process implementation and the default. A limiter for
//! several processes is made from the same [`LimiterSpec`] by a [`LimiterBackend`].
//!
//! Long on purpose: the limiter contract connector authors implement, with its key and
//! feedback types and their documentation.

mod anchor;
mod bucket;
mod memory;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::clock::{Clock, TokioClock};
use crate::error::{Error, ErrorKind, Result};

pub use memory::MemoryLimiter;

/// What a key limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// Units (requests or weighted points) per window.
    Quota,
    /// Attempts in flight at once.
    Concurrency,
}

/// A rate-limit key: a name (the service's bucket, per org or token) and what it limits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    kind: LimitKind,
    name: Arc<str>,
}

impl LimitKey {
    /// A key whose units are spent per window (`okta:https://acme.okta.com GET /api/v1/users/{id}`).
    pub fn quota(name: impl Into<Arc<str>>) -> LimitKey {
        LimitKey {
            kind: LimitKind::Quota,
            name: name.into(),
        }
    }

    /// A key that caps attempts in flight.
    pub fn concurrency(name: impl Into<Arc<str>>) -> LimitKey {
        LimitKey {
            kind: LimitKind::Concurrency,
            name: name.into(),
        }
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the key limits.
    pub fn kind(&self) -> LimitKind {
        self.kind
    }
}

impl fmt::Debug for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({})", self.kind, self.name)
    }
}

impl fmt::Display for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// What a response said about a rate-limit key: only what the service said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Feedback {
    /// The limit of the window, in the key's unit (requests or points).
    pub limit: Option<u64>,
    /// What is left in the current window after this request.
    pub remaining: Option<u64>,
    /// How long until the window resets, from when the answer arrived.
    pub reset_after: Option<Duration>,
    /// What this request really cost, when the service says (boards' `complexity.query`).
    pub charged: Option<u64>,
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

/// What the pipeline knows of the attempt an answer belongs to, passed beside the service's
/// [`Feedback`] (never mixed into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// The units acquired for the attempt (the estimate).
    pub estimated: u64,
    /// When the limiter admitted the attempt ([`Permit::admitted_at`]), in wall-clock time.
    /// It tells answers about the current window from late answers about the one before.
    pub admitted_at: Option<SystemTime>,
    /// When the answer arrived, in wall-clock time.
    pub received_at: SystemTime,
}

impl Observation {
    /// An observation of an answer received at `received_at` for an attempt that acquired
    /// `estimated` units.
    pub fn new(estimated: u64, received_at: SystemTime) -> Observation {
        Observation {
            estimated,
            admitted_at: None,
            received_at,
        }
    }

    /// Sets when the attempt was admitted.
    pub fn with_admitted_at(mut self, admitted_at: Option<SystemTime>) -> Observation {
        self.admitted_at = admitted_at;
        self
    }
}

/// Admission granted for one attempt; dropping it releases whatever it holds (a
/// concurrency slot, a shared limiter's lease).
#[derive(Default)]
pub struct Permit {
    guard: Guard,
    admitted_at: Option<SystemTime>,
}

/// What a permit holds until the attempt ends (held only to be dropped).
#[derive(Default)]
enum Guard {
    #[default]
    Nothing,
    /// A concurrency slot (the common case, kept without a box).
    Slot(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit),
    /// Anything else a limiter keeps reserved.
    Other(#[allow(dead_code)] Box<dyn std::any::Any + Send + Sync>),
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("holds", &!matches!(self.guard, Guard::Nothing))
            .field("admitted_at", &self.admitted_at)
            .finish()
    }
}

impl Permit {
    /// A permit that holds nothing.
    pub fn free() -> Permit {
        Permit::default()
    }

    /// A permit that holds `guard` until the attempt ends, then drops it: how a limiter
    /// keeps a slot reserved for exactly the attempt's duration. A wrapper may hold the inner
    /// limiter's permit too, as `Permit::holding((own_slot, inner_permit))`.
    pub fn holding(guard: impl Send + Sync + 'static) -> Permit {
        Permit {
            guard: Guard::Other(Box::new(guard)),
            admitted_at: None,
        }
    }

    /// A permit that holds a semaphore's slot until the attempt ends (as [`holding`](Self::holding),
    /// without boxing it).
    pub fn slot(slot: tokio::sync::OwnedSemaphorePermit) -> Permit {
        Permit {
            guard: Guard::Slot(slot),
            admitted_at: None,
        }
    }

    /// Gives back what the permit holds (the attempt has its answer), keeping its admission
    /// time for the answer's feedback.
    pub(crate) fn release(&mut self) {
        self.guard = Guard::Nothing;
    }

    /// Stamps the permit with the wall-clock time of admission.
    pub fn with_admitted_at(mut self, at: Option<SystemTime>) -> Permit {
        self.admitted_at = at;
        self
    }

    /// When the limiter admitted the attempt (for keys it keeps windows for).
    pub fn admitted_at(&self) -> Option<SystemTime> {
        self.admitted_at
    }
}

/// Admission control shared by every request of a connection (or of several processes).
#[async_trait]
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until `cost` units of `key` may be spent, then spends them. Waiters on one key
    /// are admitted in arrival order. When admission cannot come within `max_wait` the call
    /// fails at once ([`wait_exceeded`] makes the usual error), so that nothing is sent past
    /// the caller's deadline.
    async fn acquire(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit>;

    /// Corrects the key's state from what an answer reported.
    async fn observe(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation);

    /// Admits at once, without waiting and without a future, when nobody waits on the key
    /// and its budget allows the cost: the common case of a call well within its limits.
    /// `None` sends the caller to [`acquire`](RateLimiter::acquire), which is always
    /// correct; the default never admits at once.
    fn try_acquire(&self, key: &LimitKey, cost: u64) -> Option<Permit> {
        let _ = (key, cost);
        None
    }

    /// Corrects the key's state at once when that needs no I/O, returning true; false
    /// sends the caller to [`observe`](RateLimiter::observe). The default returns false.
    fn observe_now(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) -> bool {
        let _ = (key, feedback, observation);
        false
    }
}

/// Says that a caller is about to wait `wait` for `key`: a wait of [`PROGRESS_WAIT`](crate::PROGRESS_WAIT)
/// or more at info on [`PROGRESS_TARGET`](crate::PROGRESS_TARGET) (a command line shows it as
/// progress), a shorter one at trace. Every limiter calls it before it sleeps.
pub fn announce_wait(key: &LimitKey, cost: u64, wait: Duration) {
    if wait >= crate::PROGRESS_WAIT {
        tracing::info!(
            target: crate::PROGRESS_TARGET,
            key = key.name(),
            wait_ms = wait.as_millis() as u64,
            "waiting for the rate limit"
        );
    } else {
        tracing::trace!(
            key = key.name(),
            cost,
            wait_ms = wait.as_millis() as u64,
            "rate limiter: waiting"
        );
    }
}

/// The error of an admission that would come too late: `rate_limited`, carrying the wait
/// when the limiter knows it.
pub fn wait_exceeded(key: &LimitKey, wait: Option<Duration>) -> Error {
    let error = Error::new(
        ErrorKind::RateLimited,
        match wait {
            Some(wait) => format!(
                "the rate limit of {key} would admit this call only in {:.1} s, past the call's deadline; nothing was sent",
                wait.as_secs_f64()
            ),
            None => format!(
                "the rate limit of {key} did not admit this call before its deadline; nothing was sent"
            ),
        },
    );
    match wait {
        Some(wait) => error.with_retry_after(wait),
        None => error,
    }
}

/// A limiter that admits everything at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

#[async_trait]
impl RateLimiter for Unlimited {
    async fn acquire(&self, _key: &LimitKey, _cost: u64, _max_wait: Duration) -> Result<Permit> {
        Ok(Permit::free())
    }

    async fn observe(&self, _key: &LimitKey, _feedback: &Feedback, _observation: &Observation) {}

    fn try_acquire(&self, _key: &LimitKey, _cost: u64) -> Option<Permit> {
        Some(Permit::free())
    }

    fn observe_now(
        &self,
        _key: &LimitKey,
        _feedback: &Feedback,
        _observation: &Observation,
    ) -> bool {
        true
    }
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

/// What a connector asks of its limiter, whatever implements it: the limits it knows ahead
/// of the service's feedback, and how to pace.
#[derive(Clone)]
#[non_exhaustive]
pub struct LimiterSpec {
    /// Names the budget's owner (`okta:https://acme.okta.com`, `boards:<token hash>`): a
    /// shared limiter prefixes its keys with it. Never a credential.
    pub namespace: String,
    /// Limits by key name: exact, or a prefix ending in `*` (the longest prefix wins).
    pub limits: Vec<(String, Limit)>,
    /// The window assumed for limits learned from feedback (default 60 s).
    pub default_window: Duration,
    /// Spread a window's budget evenly up to its reset (default true).
    pub pacing: bool,
    /// The fraction of a window by which admissions may run ahead of the even pace
    /// (default 0.1).
    pub burst: f64,
    /// The clock waits are measured on.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for LimiterSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimiterSpec")
            .field("namespace", &self.namespace)
            .field("limits", &self.limits)
            .field("default_window", &self.default_window)
            .field("pacing", &self.pacing)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl LimiterSpec {
    /// A spec with no limits, pacing on, on tokio's clock.
    pub fn new(namespace: impl Into<String>) -> LimiterSpec {
        LimiterSpec {
            namespace: namespace.into(),
            limits: Vec::new(),
            default_window: Duration::from_secs(60),
            pacing: true,
            burst: 0.1,
            clock: Arc::new(TokioClock),
        }
    }

    /// Adds a limit for a key name, or for every key with a prefix when `key` ends in `*`.
    pub fn with_limit(mut self, key: impl Into<String>, limit: Limit) -> LimiterSpec {
        self.limits.push((key.into(), limit));
        self
    }

    /// Sets the window assumed for limits learned from feedback.
    pub fn with_default_window(mut self, window: Duration) -> LimiterSpec {
        self.default_window = window;
        self
    }

    /// Turns pacing on or off.
    pub fn with_pacing(mut self, pacing: bool) -> LimiterSpec {
        self.pacing = pacing;
        self
    }

    /// Sets the burst allowance (clamped to 0..=1).
    pub fn with_burst(mut self, fraction: f64) -> LimiterSpec {
        self.burst = fraction.clamp(0.0, 1.0);
        self
    }

    /// Sets the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> LimiterSpec {
        self.clock = clock;
        self
    }

    /// The limit configured for a key name: exact match first, then the longest prefix.
    pub fn configured(&self, key: &str) -> Option<Limit> {
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
}

/// Makes limiters from specs: how a program chooses, once, where every connection's budget
/// lives (in memory, or shared on Redis).
pub trait LimiterBackend: Send + Sync + fmt::Debug {
    /// A limiter for one connection.
    fn limiter(&self, spec: LimiterSpec) -> Result<Arc<dyn RateLimiter>>;
}

/// The default backend: a [`MemoryLimiter`] per connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryBackend;

impl LimiterBackend for MemoryBackend {
    fn limiter(&self, spec: LimiterSpec) -> Result<Arc<dyn RateLimiter>> {
        Ok(Arc::new(MemoryLimiter::from_spec(spec)))
    }
}
