//! One rate-limit budget shared by every process: a Redis-backed
//! [`RateLimiter`](connector_core::limiter::RateLimiter) for the connectors toolkit.
//!
//! Okta's limits are per org and bucket, the boards service's complexity budget per token,
//! whatever the number of processes spending them. With a [`RedisBackend`], every
//! connection of every process pointed at the same server spends one budget: quotas are
//! admitted and paced by a server-side script, the services' feedback (`remaining`, `reset`,
//! the charged cost) is written back so that all processes pace from what any of them last
//! saw, a 429 seen by one blocks the key for all until the reset, and concurrency caps are
//! leases that a crashed process cannot keep.
//!
//! ```no_run
//! use connector_core::Env;
//! use connector_limiter_redis::RedisBackend;
//! use std::sync::Arc;
//!
//! # fn example() -> connector_core::Result<()> {
//! // CONNECTOR_RATE_LIMIT_URL=redis://127.0.0.1:6379/0 (and CONNECTOR_RATE_LIMIT_FAIL=closed
//! // to fail rather than fall back to in-memory limits while Redis is away).
//! let env = Env::from_process();
//! if let Some(backend) = RedisBackend::from_env(&env)? {
//!     let env = env.with_limiter_backend(Arc::new(backend));
//!     let okta = connector_okta_like_builder(&env);
//! }
//! # Ok(())
//! # }
//! # fn connector_okta_like_builder(_: &Env) {}
//! ```
//!
//! Failure policy: while Redis does not answer, each limiter falls back to an in-memory
//! limiter made from the same spec (one warning in the log per outage) and asks Redis again
//! at most every two seconds; with [`FailPolicy::Closed`] calls fail with an `unavailable`
//! error instead and nothing is sent. A Redis restart loses the windows' state: processes
//! start a fresh window at the full limit and the services' feedback corrects it within
//! the window, so at most one window's worth of state is lost.

mod backend;
mod health;
mod lease;
mod limiter;
mod scripts;
mod shared;
#[cfg(feature = "test-util")]
pub mod testing;

pub use backend::{DEFAULT_LEASE_TIME, RedisBackend};
pub use limiter::RedisLimiter;
pub use shared::{FAIL_VARIABLE, FailPolicy, URL_VARIABLE};
