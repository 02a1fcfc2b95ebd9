//! The wait parsers (`Retry-After` in seconds or as an HTTP date, Okta's epoch-seconds
//! `X-Rate-Limit-Reset` against the answer's `Date`): never panic, and agree with each other.
//!
//! Input: 8 bytes of "now" (seconds since the epoch, bounded), then the header value; the
//! value's lines are the reset and the `Date` for `delay_until_epoch_reset`.
#![no_main]

use std::time::{Duration, SystemTime};

use connector_core::headers::{delay_until_epoch_reset, parse_http_date, parse_retry_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (clock, rest) = data.split_at(8);
    let secs = u64::from_le_bytes(clock.try_into().expect("8 bytes")) % 300_000_000_000;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    let value = String::from_utf8_lossy(rest);

    let wait = parse_retry_after(&value, now);
    let trimmed = value.trim();
    if let Some(at) = parse_http_date(&value) {
        // A date is measured against now; one already past means no wait.
        if !trimmed.is_empty() && trimmed.parse::<f64>().is_err() {
            assert_eq!(
                wait,
                Some(at.duration_since(now).unwrap_or(Duration::ZERO)),
                "{value:?}"
            );
        }
    }
    if let Some(wait) = wait
        && !trimmed.bytes().all(|b| b.is_ascii_digit())
        && trimmed.parse::<f64>().is_ok()
    {
        // Fractional seconds are accepted only when sane.
        assert!(
            wait < Duration::from_secs(1_000_000_000),
            "{value:?} -> {wait:?}"
        );
    }

    let mut lines = value.lines();
    let reset = lines.next().unwrap_or_default();
    let date = lines.next();
    let delay = delay_until_epoch_reset(reset, date, now);
    if let Some(delay) = delay {
        let reset: u64 = reset
            .trim()
            .parse()
            .expect("a reset was read, so it is a number");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
        let base = date.and_then(parse_http_date).unwrap_or(now);
        assert_eq!(
            delay,
            at.duration_since(base).unwrap_or(Duration::ZERO),
            "{value:?}"
        );
    }
});
