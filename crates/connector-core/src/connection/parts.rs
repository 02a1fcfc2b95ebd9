//! What a connection is made of: the parts the pipeline reads on every call. They sit apart
//! from [`Connection`](super::Connection) so that the pipeline depends on them and the
//! connection on the pipeline, never the reverse.

use std::sync::Arc;
use std::time::Duration;

use ::url::Url;

use crate::auth::Authenticator;
use crate::clock::Clock;
use crate::limiter::RateLimiter;
use crate::pipeline::interceptor::Interceptor;
use crate::pipeline::{DryRunLog, Profile, TransportChoice};
use crate::retry::RetryPolicy;

/// The time limits of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// One attempt, from sending to the last byte of the answer (default 30 s).
    pub attempt: Duration,
    /// The whole call, waits for the limiter and for credentials, retries and their waits
    /// included (default 120 s).
    pub total: Duration,
}

impl Timeouts {
    /// Time limits for one attempt and for the whole call.
    pub fn new(attempt: Duration, total: Duration) -> Timeouts {
        Timeouts { attempt, total }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            attempt: Duration::from_secs(30),
            total: Duration::from_secs(120),
        }
    }
}

/// The parts of one connection, shared by its clones.
pub(crate) struct Inner {
    pub(crate) base_url: Url,
    pub(crate) auth: Arc<dyn Authenticator>,
    pub(crate) profile: Profile,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) policy: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_response_bytes: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) transport: TransportChoice,
    /// The connection's own interceptor (default headers, user agent) first, then those
    /// the connector and its user added.
    pub(crate) interceptors: Box<[Arc<dyn Interceptor>]>,
    pub(crate) dry_run: Option<DryRunLog>,
}
