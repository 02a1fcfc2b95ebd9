//! What one card's calls did on the wire: attempts, statuses, time waiting for the rate
//! limiter. This is the one place that knows how that is learned, so that a better source
//! replaces it here only.
//!
//! Today the facts come from the card's result: a failure carries the attempts the
//! pipeline made and the last status; a success counts as one answered attempt.

use std::future::Future;
use std::time::Duration;

use connector_core::{Error, Result};

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
}

impl Observed {
    /// Attempts beyond the first of each exchange.
    pub(crate) fn retries(&self) -> u32 {
        self.attempts
            .saturating_sub(u32::try_from(self.statuses.len()).unwrap_or(u32::MAX))
    }
}

/// Runs `fut` and reports what its calls did.
pub(crate) async fn observe<T>(fut: impl Future<Output = Result<T>>) -> (Result<T>, Observed) {
    let result = fut.await;
    let observed = match &result {
        Ok(_) => Observed {
            attempts: 1,
            statuses: vec![Some(200)],
            ..Observed::default()
        },
        Err(error) => from_error(error),
    };
    (result, observed)
}

fn from_error(error: &Error) -> Observed {
    let status = error.status();
    Observed {
        attempts: error.attempts().max(1),
        rate_limited: u32::from(status == Some(429)),
        limiter_wait: Duration::ZERO,
        statuses: vec![status],
    }
}
