//! What one card's calls did on the wire: attempts, statuses, time waiting for the rate
//! limiter. This is the one place that knows how that is learned: core's
//! [`record_calls`](connector_core::pipeline::record_calls), which records every exchange the
//! pipeline makes inside a future.

use std::future::Future;
use std::time::Duration;

use connector_core::Result;
use connector_core::pipeline::{CallRecord, record_calls};

/// What a card's calls did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Attempts on the wire, retries included.
    pub attempts: u32,
    /// Attempts answered 429.
    pub rate_limited: u32,
    /// Time spent waiting for the rate limiter.
    pub limiter_wait: Duration,
    /// The status of each exchange (`None`: no answer).
    pub statuses: Vec<Option<u16>>,
    /// The status of each attempt on the wire, retries included (`None`: no answer).
    pub attempt_statuses: Vec<Option<u16>>,
}

impl Observed {
    /// Attempts beyond the first of each exchange.
    pub(crate) fn retries(&self) -> u32 {
        self.attempts
            .saturating_sub(u32::try_from(self.statuses.len()).unwrap_or(u32::MAX))
    }

    fn from_records(records: &[CallRecord]) -> Observed {
        Observed {
            attempts: records.iter().map(|r| r.attempts).sum(),
            rate_limited: records.iter().map(|r| r.rate_limited).sum(),
            limiter_wait: records.iter().map(|r| r.limiter_wait).sum(),
            statuses: records.iter().map(|r| r.status).collect(),
            attempt_statuses: records
                .iter()
                .flat_map(|r| r.attempt_statuses.iter().copied())
                .collect(),
        }
    }
}

/// Runs `fut` and reports what its calls did.
pub(crate) async fn observe<T>(fut: impl Future<Output = Result<T>>) -> (Result<T>, Observed) {
    let (result, records) = record_calls(fut).await;
    (result, Observed::from_records(&records))
}
