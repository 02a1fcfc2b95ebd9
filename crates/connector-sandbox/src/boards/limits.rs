//! Fixed windows per token: the complexity budget, the request limit and the
//! `create_board` limit all use the same shape. A window opens at the first call after
//! the previous one ended, like the service's "resets 60 s after the first call".
//!
//! Time comes from `tokio::time::Instant`, so tests running with a paused clock can
//! advance past a window without sleeping.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// One open window: when it started and how much of it was used.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u64,
}

/// What a successful charge reports, in the terms of the `complexity` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Charged {
    /// Left before this charge.
    pub(crate) before: u64,
    /// Left after this charge.
    pub(crate) after: u64,
    /// Whole seconds (rounded up) until the window ends.
    pub(crate) reset_in: u64,
}

/// A refused charge: the window has less left than asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    /// Whole seconds (rounded up, at least 1) until the window ends.
    pub(crate) retry_in: u64,
}

/// A limit of `capacity` units per `length`, kept separately for each token.
#[derive(Debug)]
pub(crate) struct WindowedLimit {
    capacity: u64,
    length: Duration,
    open: HashMap<String, Window>,
}

/// Seconds until `end`, rounded up.
fn seconds_until(end: Instant, now: Instant) -> u64 {
    let left = end.saturating_duration_since(now);
    let whole = left.as_secs();
    if left.subsec_nanos() > 0 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

impl WindowedLimit {
    /// A limit of `capacity` units per `length`.
    pub(crate) fn new(capacity: u64, length: Duration) -> Self {
        Self {
            capacity,
            length,
            open: HashMap::new(),
        }
    }

    /// The capacity of one window.
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Changes capacity and length and forgets every open window.
    pub(crate) fn reconfigure(&mut self, capacity: u64, length: Duration) {
        self.capacity = capacity;
        self.length = length;
        self.open.clear();
    }

    /// Forgets every open window.
    pub(crate) fn clear(&mut self) {
        self.open.clear();
    }

    /// Spends `units` of `token`'s window at `now`, opening a new window if none is open.
    ///
    /// `on_close` receives the units used by a window that ended, so callers can keep
    /// statistics. A refused charge spends nothing.
    pub(crate) fn charge(
        &mut self,
        token: &str,
        units: u64,
        now: Instant,
        mut on_close: impl FnMut(u64),
    ) -> Result<Charged, Refused> {
        let length = self.length;
        let expired = self
            .open
            .get(token)
            .is_some_and(|window| now >= window.started + length);
        if expired && let Some(old) = self.open.remove(token) {
            on_close(old.used);
        }
        let window = self.open.entry(token.to_owned()).or_insert(Window {
            started: now,
            used: 0,
        });
        let end = window.started + length;
        let before = self.capacity.saturating_sub(window.used);
        if units > before {
            return Err(Refused {
                retry_in: seconds_until(end, now).max(1),
            });
        }
        window.used = window.used.saturating_add(units);
        Ok(Charged {
            before,
            after: before - units,
            reset_in: seconds_until(end, now),
        })
    }

    /// Units used in each window still open, whether or not it has ended yet.
    pub(crate) fn open_usage(&self) -> impl Iterator<Item = u64> + '_ {
        self.open.values().map(|window| window.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_capacity_and_reopens_after_the_window() {
        let mut limit = WindowedLimit::new(10, Duration::from_secs(2));
        let start = Instant::now();
        let mut closed = Vec::new();
        let first = limit.charge("t", 6, start, |used| closed.push(used));
        assert_eq!(
            first,
            Ok(Charged {
                before: 10,
                after: 4,
                reset_in: 2
            })
        );
        let later = start + Duration::from_millis(500);
        assert_eq!(
            limit.charge("t", 5, later, |used| closed.push(used)),
            Err(Refused { retry_in: 2 })
        );
        let next_window = start + Duration::from_secs(2);
        assert_eq!(
            limit.charge("t", 5, next_window, |used| closed.push(used)),
            Ok(Charged {
                before: 10,
                after: 5,
                reset_in: 2
            })
        );
        assert_eq!(closed, vec![6]);
    }

    #[test]
    fn tokens_have_separate_windows() {
        let mut limit = WindowedLimit::new(1, Duration::from_secs(60));
        let now = Instant::now();
        assert!(limit.charge("a", 1, now, |_| {}).is_ok());
        assert!(limit.charge("b", 1, now, |_| {}).is_ok());
        assert!(limit.charge("a", 1, now, |_| {}).is_err());
    }
}
