//! Readers for the headers services use to say when to come back.

use std::time::{Duration, SystemTime};

/// Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
///
/// A date is measured against `now`, which callers take from the response's own `Date`
/// header when it has one, so that a skewed local clock does not distort the wait. A date in
/// the past means "now" (zero). Anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    // Some services send fractional seconds; accept them when they are finite and sane.
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && (0.0..1e9).contains(&seconds))
            .then(|| Duration::from_secs_f64(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT` and the two obsolete forms).
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value.trim()).ok()
}

/// The wait until a reset given as UTC epoch seconds (Okta's `X-Rate-Limit-Reset`),
/// measured against the response's `Date` when present, else against `now`.
///
/// A reset already past yields zero.
pub fn delay_until_epoch_reset(
    reset: &str,
    date: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    let reset = reset.trim().parse::<u64>().ok()?;
    let reset = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(reset))?;
    let now = date.and_then(parse_http_date).unwrap_or(now);
    Some(reset.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("7", at(0)), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", at(0)), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", at(0)),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_http_date_is_measured_against_now() {
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        let now = at(784_111_777 - 30);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(784_111_777 + 5)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for v in [
            "",
            "soon",
            "-1",
            "NaN",
            "inf",
            "1e300",
            "Sun, 99 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(v, at(0)), None, "{v}");
        }
    }

    #[test]
    fn epoch_reset_is_measured_against_the_date_header() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        // The local clock is an hour off; the server's Date wins.
        let local = at(784_111_777 + 3600);
        assert_eq!(
            delay_until_epoch_reset("784111789", Some(date), local),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            delay_until_epoch_reset("784111789", None, at(784_111_780)),
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            delay_until_epoch_reset("100", Some(date), local),
            Some(Duration::ZERO)
        );
        assert_eq!(delay_until_epoch_reset("x", Some(date), local), None);
    }
}
