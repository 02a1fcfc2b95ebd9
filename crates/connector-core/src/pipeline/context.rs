//! What every part of the pipeline reads about one attempt.

use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::transport::TransportFailure;
use crate::headers::{parse_http_date, parse_retry_after};
use crate::http::{Request, Response};
use crate::retry::RetryPolicy;

#[cfg(any(test, feature = "test-util"))]
thread_local! {
    static BODY_PARSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many answer bodies [`AttemptContext::json`] has parsed on this thread: tests use it to
/// show that every part of the pipeline shares one parse per attempt.
#[cfg(any(test, feature = "test-util"))]
pub fn body_parses_on_this_thread() -> u64 {
    BODY_PARSES.with(std::cell::Cell::get)
}

/// `Retry-After` in seconds or as a date measured against the answer's `Date` (else `now`).
pub fn standard_retry_after(response: &Response, now: SystemTime) -> Option<Duration> {
    let now = response
        .header("date")
        .and_then(parse_http_date)
        .unwrap_or(now);
    parse_retry_after(response.header("retry-after")?, now)
}

/// Parses an answer's body, counting the parse for [`body_parses_on_this_thread`].
pub(crate) fn parse_counted(body: &[u8]) -> Option<Value> {
    // The counter is a test aid, kept only with `test-util` (which the `connector` binary
    // turns on so that the README's two commands share one build: one thread-local add).
    #[cfg(any(test, feature = "test-util"))]
    BODY_PARSES.with(|n| n.set(n.get() + 1));
    serde_json::from_slice(body).ok()
}

/// One attempt as the parts of a [`Profile`](super::Profile) see it: the request, the answer
/// or how the attempt failed, the policy and the time, and the answer's body parsed at most
/// once whoever asks for it.
pub struct AttemptContext<'a> {
    request: &'a Request,
    outcome: std::result::Result<&'a Response, &'a TransportFailure>,
    policy: &'a RetryPolicy,
    now: SystemTime,
    attempt: u32,
    json: OnceLock<Option<Value>>,
    views: Mutex<Vec<Arc<dyn Any + Send + Sync>>>,
}

impl<'a> AttemptContext<'a> {
    /// The context of attempt number `attempt` (1-based) of `request`.
    pub fn new(
        request: &'a Request,
        outcome: std::result::Result<&'a Response, &'a TransportFailure>,
        policy: &'a RetryPolicy,
        now: SystemTime,
        attempt: u32,
    ) -> AttemptContext<'a> {
        AttemptContext {
            request,
            outcome,
            policy,
            now,
            attempt,
            json: OnceLock::new(),
            views: Mutex::new(Vec::new()),
        }
    }

    /// The request.
    pub fn request(&self) -> &'a Request {
        self.request
    }

    /// The answer, when one came.
    pub fn response(&self) -> Option<&'a Response> {
        self.outcome.ok()
    }

    /// How the attempt failed before an answer came.
    pub fn failure(&self) -> Option<&'a TransportFailure> {
        self.outcome.err()
    }

    /// The answer's status, when one came.
    pub fn status(&self) -> Option<u16> {
        self.response().map(Response::status)
    }

    /// The retry policy of the connection.
    pub fn policy(&self) -> &'a RetryPolicy {
        self.policy
    }

    /// The wall-clock time the attempt ended, on the connection's clock.
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// The attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The answer's body as JSON, parsed on first use and shared by every part after that;
    /// `None` when there is no answer or its body is not JSON.
    pub fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| {
                let response = self.response()?;
                if response.body().is_empty() {
                    return None;
                }
                parse_counted(response.body())
            })
            .as_ref()
    }

    /// The body as parsed by the parts, if any asked for it (handed on with the answer).
    pub(crate) fn into_json(self) -> Option<Value> {
        self.json.into_inner().flatten()
    }

    /// A value derived from the attempt (a service's error envelope, say), made on first use
    /// by `make` and shared by every part after that, one per type.
    pub fn view<T: Any + Send + Sync>(&self, make: impl FnOnce(&Self) -> T) -> Arc<T> {
        let found = {
            let views = self.views.lock().unwrap_or_else(|e| e.into_inner());
            views.iter().find_map(|v| v.clone().downcast::<T>().ok())
        };
        if let Some(view) = found {
            return view;
        }
        // Made outside the lock: `make` may ask for other views.
        let view = Arc::new(make(self));
        self.views
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(view.clone());
        view
    }

    /// The wait the answer asks for in `Retry-After` (seconds, or a date measured against
    /// the answer's own `Date`).
    pub fn retry_after(&self) -> Option<Duration> {
        standard_retry_after(self.response()?, self.now)
    }
}
