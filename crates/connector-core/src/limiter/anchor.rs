//! Window anchoring: what an answer says about its window, tightened, and late answers
//! about the window before dropped.

use std::time::{Duration, Instant};

use super::Feedback;
use super::bucket::Bucket;

/// How much later than the truth a reset given in whole seconds can be: rounded up, measured
/// from a `Date` rounded down, plus a little for the answer's way back.
const ROUNDING: Duration = Duration::from_millis(2_050);

/// Tightens what an answer says about its window, and drops what it says about a window
/// already over.
///
/// Resets come in whole seconds (Okta's `X-Rate-Limit-Reset` rounded up against a `Date`
/// rounded down; the boards service's `reset_in_x_seconds` rounded up), so each is an upper
/// bound of the window's end, late by up to two seconds: with a 60 s window that wastes a
/// few per cent of the budget, with a short one up to half. Both services open a window at
/// the first call after the previous one ended, and the answer to that call is
/// recognisable (`remaining + cost == limit`): it left the service after the window opened,
/// so its arrival plus the window's length bounds the end within one round trip. Answers
/// to calls admitted before the current window began describe the window before; fed to
/// the bucket after its own reset they would cut the new window short, so their remaining
/// and reset are ignored.
pub(super) fn anchor(
    bucket: &mut Bucket,
    feedback: &Feedback,
    estimated: u64,
    admitted_at: Option<Instant>,
    now: Instant,
) -> Feedback {
    let mut feedback = feedback.clone();
    let Some(remaining) = feedback.remaining else {
        return feedback;
    };
    let spent = feedback.charged.unwrap_or(estimated.max(1));
    bucket.capacity = bucket.capacity.max(remaining + spent);
    let capacity = feedback.limit.filter(|l| *l > 0).unwrap_or(bucket.capacity);
    let opener = remaining > 0 && remaining + spent == capacity;
    // Where the window we are in began: the anchored end, once it has passed.
    let boundary = match bucket.anchor_end {
        Some(end) if end <= now => Some(end),
        _ => bucket.anchor_began,
    };
    if opener {
        bucket.anchor_began = Some(bucket.anchor_end.unwrap_or(now).min(now));
        bucket.anchor_end = Some(now + bucket.window);
    } else if let (Some(admitted), Some(boundary)) = (admitted_at, boundary)
        && admitted < boundary
    {
        feedback.remaining = None;
        feedback.reset_after = None;
    }
    if let Some(reported) = feedback.reset_after {
        // Every figure here is an upper bound of the window's end; the tightest wins. The
        // reported one is late by up to two seconds of rounding; past that, our idea of the
        // window is wrong and the reported one stands alone.
        let mut bound = reported;
        if reported <= bucket.window + ROUNDING {
            bound = bound.min(bucket.window);
        }
        if let Some(end) = bucket.anchor_end.filter(|end| *end > now)
            && reported <= (end - now) + ROUNDING
        {
            bound = bound.min(end - now);
        }
        feedback.reset_after = Some(bound);
    }
    feedback
}
