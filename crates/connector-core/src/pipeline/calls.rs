//! A record of the HTTP calls made on behalf of one piece of work (a flow's card), for
//! history and metrics, without threading a collector through every typed method.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One call through the pipeline: every attempt of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallRecord {
    /// The method.
    pub method: String,
    /// The URL's path (no query: queries may hold personal data).
    pub path: String,
    /// The last answer's status, when one came.
    pub status: Option<u16>,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts answered 429.
    pub rate_limited: u32,
    /// From the call's start to its end, waits included.
    pub duration: Duration,
    /// Time spent waiting for the rate limiter's admission.
    pub limiter_wait: Duration,
    /// The service's request id of the last answer.
    pub request_id: Option<String>,
    /// Each attempt's status in order (`None`: no answer), retries included.
    pub attempt_statuses: Vec<Option<u16>>,
}

/// What one call has measured so far, for [`CallRecord`]s and logs.
pub(super) struct Tally {
    pub(super) started: Instant,
    pub(super) attempts: u32,
    pub(super) rate_limited: u32,
    pub(super) limiter_wait: Duration,
    pub(super) status: Option<u16>,
    pub(super) request_id: Option<String>,
    /// Each attempt's status, kept only when the call is recorded.
    pub(super) per_attempt: Option<Vec<Option<u16>>>,
}

impl Tally {
    /// Nothing measured yet for a call that started at `started`.
    pub(super) fn new(started: Instant) -> Self {
        Tally {
            started,
            attempts: 0,
            rate_limited: 0,
            limiter_wait: Duration::ZERO,
            status: None,
            request_id: None,
            per_attempt: None,
        }
    }

    /// The record of the call to `method` `path` that ended at `now`.
    pub(super) fn into_record(self, method: String, path: String, now: Instant) -> CallRecord {
        CallRecord {
            method,
            path,
            status: self.status,
            attempts: self.attempts,
            rate_limited: self.rate_limited,
            duration: now.saturating_duration_since(self.started),
            limiter_wait: self.limiter_wait,
            request_id: self.request_id,
            attempt_statuses: self.per_attempt.unwrap_or_default(),
        }
    }
}

tokio::task_local! {
    static CALLS: Arc<Mutex<Vec<CallRecord>>>;
}

/// Runs `work` and returns its output with every call the pipeline made inside it, in
/// order. Calls made by tasks `work` spawns are not included.
pub async fn record_calls<F: Future>(work: F) -> (F::Output, Vec<CallRecord>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let output = CALLS.scope(calls.clone(), work).await;
    let records = std::mem::take(&mut *calls.lock().unwrap_or_else(|e| e.into_inner()));
    (output, records)
}

/// True inside [`record_calls`]: the pipeline names its calls only then.
pub(crate) fn recording() -> bool {
    CALLS.try_with(|_| ()).is_ok()
}

pub(crate) fn push(record: CallRecord) {
    let _ = CALLS.try_with(|calls| calls.lock().unwrap_or_else(|e| e.into_inner()).push(record));
}
