//! Whether and when to try again.
//!
//! Three separate concerns, as in tower and the AWS SDK's retry runtime:
//! a [classifier](crate::pipeline::Classifier) looks at one attempt's outcome and returns
//! a [`Verdict`] (which may carry the wait the service asked for); the [`RetryPolicy`] turns a
//! verdict into a [`RetryDecision`] (retry after a delay, or give up and why) with a pure
//! function; and admission is the [rate limiter](crate::limiter)'s job.

use std::time::Duration;

/// Why an attempt may be worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The service answered with a status the policy retries (429, 503, 504 by default).
    Status(u16),
    /// The connection could not be made: the request surely never reached the service.
    Connect,
    /// The request failed on the way (reset, timeout) and is safe to repeat.
    Transport,
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::Status(s) => write!(f, "status {s}"),
            RetryReason::Connect => f.write_str("connect error"),
            RetryReason::Transport => f.write_str("transport error on a request safe to repeat"),
        }
    }
}

/// A classifier's verdict on one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The attempt succeeded; return its answer.
    Success,
    /// The attempt may be repeated; `after` is the wait the service asked for, if it said.
    Retryable {
        /// Why.
        reason: RetryReason,
        /// The wait the service asked for (`Retry-After`, a reset header, a body field).
        after: Option<Duration>,
    },
    /// The credentials were refused; the pipeline refreshes them once if it can.
    Unauthorized,
    /// The attempt failed for good; map it to an error.
    Fail,
}

impl Verdict {
    /// Retryable for `reason`, after the policy's backoff.
    pub fn retry(reason: RetryReason) -> Verdict {
        Verdict::Retryable {
            reason,
            after: None,
        }
    }

    /// Retryable for `reason`, after the wait the service asked for (when it said).
    pub fn retry_after(reason: RetryReason, after: Option<Duration>) -> Verdict {
        Verdict::Retryable { reason, after }
    }
}

/// What the policy decided after a retryable verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Stop now.
    GiveUp(GiveUpReason),
}

/// Why the policy stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The retries allowed are spent.
    RetriesExhausted,
    /// The wait the service asked for would end past the retry window: failing now is better
    /// than sleeping in vain. Carries the wait asked for.
    WaitPastWindow(Duration),
    /// The next backoff would end past the retry window.
    WindowElapsed,
}

/// The retry policy: at most `max_retries` retries, all starting within `window` of the first
/// attempt, for the statuses in `retry_statuses`, waiting what the service asks or else an
/// exponential backoff with full jitter.
///
/// The default is the product's promise: 3 retries within one minute, on 429, 503 and 504.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3).
    pub max_retries: u32,
    /// Every retry must start within this long of the first attempt (default 60 s).
    pub window: Duration,
    /// The statuses worth retrying (default 429, 503, 504).
    pub retry_statuses: Vec<u16>,
    /// The first backoff's upper bound (default 1 s); it doubles with each retry.
    pub base_delay: Duration,
    /// No single backoff exceeds this (default 20 s).
    pub max_delay: Duration,
    /// Retry transport failures on requests that are safe to repeat (default true).
    pub retry_transport: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            window: Duration::from_secs(60),
            retry_statuses: vec![429, 503, 504],
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            retry_transport: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the window within which every retry must start.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets the statuses worth retrying.
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retry_statuses = statuses.into_iter().collect();
        self
    }

    /// Sets the backoff bounds.
    pub fn with_backoff(mut self, base_delay: Duration, max_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self.max_delay = max_delay;
        self
    }

    /// True when the policy retries answers with this status.
    pub fn retries_status(&self, status: u16) -> bool {
        self.retry_statuses.contains(&status)
    }

    /// The exponential backoff with full jitter before retry number `retry` (1-based):
    /// uniformly in `[0, min(max_delay, base_delay * 2^(retry-1))]`. `jitter` is a sample from
    /// `[0, 1)`, passed in so that the function stays pure.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        cap.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Decides what to do after a retryable outcome.
    ///
    /// `retries_done` counts the retries already made, `elapsed` the time since the first
    /// attempt started, `asked` the wait the service asked for (if any), `jitter` a sample
    /// from `[0, 1)`.
    pub fn decide(
        &self,
        retries_done: u32,
        elapsed: Duration,
        asked: Option<Duration>,
        jitter: f64,
    ) -> RetryDecision {
        if retries_done >= self.max_retries {
            return RetryDecision::GiveUp(GiveUpReason::RetriesExhausted);
        }
        let delay = match asked {
            Some(asked) => asked,
            None => self.backoff(retries_done + 1, jitter),
        };
        if elapsed.saturating_add(delay) >= self.window {
            return RetryDecision::GiveUp(match asked {
                Some(asked) => GiveUpReason::WaitPastWindow(asked),
                None => GiveUpReason::WindowElapsed,
            });
        }
        RetryDecision::RetryAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn retries_at_most_three_times_within_the_minute() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, S(0), Some(S(1)), 0.5),
            RetryDecision::RetryAfter(S(1))
        );
        assert_eq!(
            p.decide(2, S(10), Some(S(1)), 0.5),
            RetryDecision::RetryAfter(S(1))
        );
        assert_eq!(
            p.decide(3, S(10), Some(S(1)), 0.5),
            RetryDecision::GiveUp(GiveUpReason::RetriesExhausted)
        );
    }

    #[test]
    fn a_wait_ending_past_the_window_gives_up_at_once_with_the_wait() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, S(0), Some(S(61)), 0.5),
            RetryDecision::GiveUp(GiveUpReason::WaitPastWindow(S(61)))
        );
        assert_eq!(
            p.decide(1, S(50), Some(S(10)), 0.5),
            RetryDecision::GiveUp(GiveUpReason::WaitPastWindow(S(10)))
        );
        assert_eq!(
            p.decide(1, S(50), Some(S(9)), 0.5),
            RetryDecision::RetryAfter(S(9))
        );
    }

    #[test]
    fn the_service_s_wait_wins_over_backoff() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, S(0), Some(S(7)), 0.99),
            RetryDecision::RetryAfter(S(7))
        );
        assert_eq!(
            p.decide(0, S(0), Some(S(0)), 0.99),
            RetryDecision::RetryAfter(S(0))
        );
    }

    #[test]
    fn backoff_is_exponential_with_full_jitter_and_capped() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            let cap = S(1).saturating_mul(1 << (retry - 1)).min(S(20));
            assert_eq!(p.backoff(retry, 0.0), Duration::ZERO);
            assert_eq!(p.backoff(retry, 1.0), cap);
            let mid = p.backoff(retry, 0.5);
            assert!(
                mid <= cap && mid >= cap / 2 - Duration::from_millis(1),
                "{retry}: {mid:?}"
            );
        }
        // Out-of-range samples are clamped rather than trusted.
        assert_eq!(p.backoff(1, 7.0), S(1));
        assert_eq!(p.backoff(1, -1.0), Duration::ZERO);
    }

    #[test]
    fn backoff_without_an_asked_wait_uses_jitter_and_respects_the_window() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, S(0), None, 0.5),
            RetryDecision::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(
            p.decide(2, S(0), None, 1.0),
            RetryDecision::RetryAfter(S(4))
        );
        assert_eq!(
            p.decide(2, S(57), None, 1.0),
            RetryDecision::GiveUp(GiveUpReason::WindowElapsed)
        );
    }

    #[test]
    fn never_policy_does_not_retry() {
        assert_eq!(
            RetryPolicy::never().decide(0, S(0), None, 0.0),
            RetryDecision::GiveUp(GiveUpReason::RetriesExhausted)
        );
    }
}
