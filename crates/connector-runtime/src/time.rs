//! Wall-clock milliseconds and their RFC 3339 form.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch by the wall clock: the one definition the runtime and
/// the command line share (before the epoch, a broken host: the epoch).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `2026-11-29T16:08:43.123Z` for milliseconds since the epoch (before it: the epoch).
pub(crate) fn rfc3339(ms: i64) -> String {
    let at = UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

/// Milliseconds since the epoch of an RFC 3339 time (any offset); why not, in words.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            format!(
                "{} is not an RFC 3339 time such as 2026-12-01T09:00:00Z ({e})",
                connector_core::error::quote_input(text)
            )
        })
}

/// RFC 3339 text in UTC for milliseconds since the epoch, as expressions give datetimes:
/// `2026-12-01T09:00:00Z`, with the fraction only when there is one.
pub(crate) fn utc_text(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_795_968_523_123),
            "2026-11-29T16:08:43.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(super::utc_text(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc_text(951_782_400_250), "2000-02-29T00:00:00.250Z");
        assert_eq!(
            super::parse_rfc3339_ms("2000-02-29T01:00:00+01:00"),
            Ok(951_782_400_000)
        );
        assert!(super::parse_rfc3339_ms("tomorrow").is_err());
    }
}
