//! One key's window: what the limiter knows of a quota, shared by the limiter that spends it
//! and the anchoring that tightens it from the service's answers.

use std::time::{Duration, Instant};

/// The state of one quota key.
#[derive(Debug)]
pub(super) struct Bucket {
    pub(super) limit: Option<u64>,
    pub(super) window: Duration,
    pub(super) window_end: Option<Instant>,
    pub(super) remaining: u64,
    pub(super) next_at: Option<Instant>,
    pub(super) admitted_in_window: u64,
    /// The largest `remaining + cost` reported: the limit when the service does not say it.
    pub(super) capacity: u64,
    /// The service's window as anchored on the answer to the call that opened it.
    pub(super) anchor_began: Option<Instant>,
    pub(super) anchor_end: Option<Instant>,
}

impl Bucket {
    /// A bucket for a key with `limit` units per `window` (`None`: not known yet), full
    /// and with no window open.
    pub(super) fn new(limit: Option<u64>, window: Duration) -> Self {
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
        }
    }
}
