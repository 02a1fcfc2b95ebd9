//! A prototype measured beside the shipped limiter: window ends anchored on the answer to
//! the request that opened the service's window, instead of read from whole-second resets.
//!
//! Okta's `X-Rate-Limit-Reset` is whole epoch seconds rounded up, measured against a `Date`
//! in whole seconds; the boards service's `reset_in_x_seconds` is rounded up too. Each answer
//! therefore gives an upper bound of the window's end that is late by up to a second or
//! two. `MemoryLimiter::observe` keeps the *later* of its own end and each new bound, so
//! every answer pushes the end out again: with 60 s windows that costs a few per cent, with
//! the bench's 1 s windows up to half the budget.
//!
//! Both services open a window at the first call after the previous one ended. The answer
//! to that call is recognisable (`remaining + cost == limit`), and it left the service after
//! the window opened, so `its arrival + window length` is an upper bound of the window's
//! end that is late by one round trip at most. This wrapper:
//!
//! - rewrites `reset_after` to that bound while the service's rounded figure agrees with it
//!   (the rounded figure is never earlier, and at most two seconds later);
//! - drops `remaining` and `reset_after` from answers to calls admitted before the current
//!   window began: they describe the window before (spent, ending now), and fed to the
//!   limiter after its own reset they would cut the new window short.
//!
//! Which call an answer belongs to is not in [`Feedback`] today; the prototype learns the
//! admission instant from its permit, which the pipeline drops right before it calls
//! `observe` on the same thread (see `Connection::send`). In core this would be a field of
//! `Feedback` (the attempt's admission instant), filled in by the pipeline as `estimated` is.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connector_core::{Feedback, Permit, RateLimiter, Result};

thread_local! {
    /// The admission instant of the attempt whose permit was just dropped, by key.
    static ADMITTED: RefCell<HashMap<String, Instant>> = RefCell::new(HashMap::new());
}

/// Records the admission instant of an attempt when its permit is dropped.
struct Stamp {
    key: String,
    admitted: Instant,
}

impl Drop for Stamp {
    fn drop(&mut self) {
        let key = std::mem::take(&mut self.key);
        let admitted = self.admitted;
        ADMITTED.with(|a| a.borrow_mut().insert(key, admitted));
    }
}

/// How much later than the truth a whole-second reset can be: rounded up, measured from a
/// `Date` rounded down, plus a little for the answer's way back.
const ROUNDING: Duration = Duration::from_millis(2_050);

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

#[derive(Debug)]
pub(crate) struct AnchoredWindows {
    inner: Arc<dyn RateLimiter>,
    window: Duration,
    anchors: Mutex<HashMap<String, Anchor>>,
}

#[derive(Debug, Default)]
struct Anchor {
    /// The largest `remaining + cost` seen: the limit, when the service does not say it.
    capacity: u64,
    /// When the window opened by one of our calls began (the previous window's end).
    began: Option<Instant>,
    /// When it ends, at the latest.
    end: Option<Instant>,
}

impl AnchoredWindows {
    /// Wraps `inner`, whose windows are `window` long (its default window must match).
    pub(crate) fn new(inner: Arc<dyn RateLimiter>, window: Duration) -> AnchoredWindows {
        AnchoredWindows {
            inner,
            window,
            anchors: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl RateLimiter for AnchoredWindows {
    async fn acquire(&self, key: &str, cost: u64) -> Result<Permit> {
        let permit = self.inner.acquire(key, cost).await?;
        let stamp = Stamp {
            key: key.to_owned(),
            admitted: now(),
        };
        Ok(Permit::holding((permit, stamp)))
    }

    fn observe(&self, key: &str, feedback: &Feedback) {
        let now = now();
        let admitted = ADMITTED.with(|a| a.borrow_mut().remove(key));
        let mut feedback = feedback.clone();
        if let Some(remaining) = feedback.remaining {
            let mut anchors = self.anchors.lock().unwrap_or_else(|e| e.into_inner());
            let anchor = anchors.entry(key.to_owned()).or_default();
            let spent = feedback.charged.unwrap_or(feedback.estimated.max(1));
            anchor.capacity = anchor.capacity.max(remaining + spent);
            let capacity = feedback.limit.filter(|l| *l > 0).unwrap_or(anchor.capacity);
            let opener = remaining > 0 && remaining + spent == capacity;
            // The start of the window we are in: the anchored end once it has passed.
            let boundary = match anchor.end {
                Some(end) if end <= now => Some(end),
                _ => anchor.began,
            };
            if opener {
                anchor.began = Some(anchor.end.unwrap_or(now).min(now));
                anchor.end = Some(now + self.window);
            } else if let (Some(admitted), Some(boundary)) = (admitted, boundary)
                && admitted < boundary
            {
                // About the window before: nothing to learn for this one.
                feedback.remaining = None;
                feedback.reset_after = None;
            }
            if let Some(reported) = feedback.reset_after {
                // Every figure here is an upper bound of the window's end; the tightest wins.
                // The reported one is late by up to two seconds of rounding; past that, our
                // idea of the window is wrong and only the reported one is kept.
                let mut bound = reported;
                if reported <= self.window + ROUNDING {
                    // The window this answer counted in began before it was sent back.
                    bound = bound.min(self.window);
                }
                if let Some(end) = anchor.end.filter(|end| *end > now)
                    && reported <= (end - now) + ROUNDING
                {
                    bound = bound.min(end - now);
                }
                feedback.reset_after = Some(bound);
            }
        }
        self.inner.observe(key, &feedback);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the feedback the wrapper passes on.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<Feedback>>);

    #[async_trait]
    impl RateLimiter for Recorder {
        async fn acquire(&self, _key: &str, _cost: u64) -> Result<Permit> {
            Ok(Permit::free())
        }

        fn observe(&self, _key: &str, feedback: &Feedback) {
            self.0.lock().unwrap().push(feedback.clone());
        }
    }

    fn okta(remaining: u64, reset_secs: u64) -> Feedback {
        let mut fb = Feedback::remaining(remaining, Duration::from_secs(reset_secs)).with_limit(50);
        fb.estimated = 1;
        fb
    }

    /// One attempt: admitted now, answered after `flight`, as the pipeline does it.
    async fn attempt(limiter: &AnchoredWindows, flight: Duration, feedback: Feedback) {
        let permit = limiter.acquire("k", 1).await.unwrap();
        tokio::time::sleep(flight).await;
        drop(permit);
        limiter.observe("k", &feedback);
    }

    // Paused time: the sleeps only move the clock.
    #[tokio::test(start_paused = true)]
    async fn the_opening_answer_anchors_the_end_and_stale_answers_are_ignored() {
        let recorder = Arc::new(Recorder::default());
        let limiter = AnchoredWindows::new(recorder.clone(), Duration::from_secs(1));
        let ms = Duration::from_millis;
        // The call that opened the window: it ends a window after the answer, whatever the
        // rounded reset says (2 s here).
        attempt(&limiter, ms(5), okta(49, 2)).await;
        // Answered at 310 ms: the rounded figure still says 2 s, the anchor (1,005 ms) 695 ms.
        tokio::time::sleep(ms(300)).await;
        attempt(&limiter, ms(5), okta(30, 2)).await;
        // Admitted at 990 ms, answered after the end: about the window before.
        tokio::time::sleep(ms(680)).await;
        attempt(&limiter, ms(20), okta(0, 1)).await;
        let seen = recorder.0.lock().unwrap().clone();
        assert_eq!(seen[0].reset_after, Some(ms(1000)));
        assert_eq!(seen[1].reset_after, Some(ms(695)));
        assert_eq!(seen[1].remaining, Some(30));
        assert_eq!((seen[2].remaining, seen[2].reset_after), (None, None));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reported_reset_far_past_the_window_is_kept() {
        let recorder = Arc::new(Recorder::default());
        let limiter = AnchoredWindows::new(recorder.clone(), Duration::from_secs(1));
        // Not an opening call, and a reset no 1 s window can have: our window length is
        // wrong, so the service's figure stands.
        attempt(&limiter, Duration::from_millis(5), okta(10, 60)).await;
        let seen = recorder.0.lock().unwrap().clone();
        assert_eq!(seen[0].reset_after, Some(Duration::from_secs(60)));
    }
}
