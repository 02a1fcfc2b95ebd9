//! Hostile-input properties: the relative-URL guard never lets a request leave the origin,
//! and the header parsers never panic and never invent absurd waits.

use std::time::{Duration, SystemTime};

use connector_core::Connection;
use connector_core::custom::build_custom_request;
use connector_core::custom::{CustomApiInput, check_relative_url};
use connector_core::headers::{delay_until_epoch_reset, parse_http_date, parse_retry_after};
use proptest::prelude::*;

/// Strings built from the characters that URL tricks are made of.
fn tricky() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "/",
        "//",
        "\\",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2f",
        "%2F",
        "%5c",
        "%25",
        "%00",
        "%0d%0a",
        "@",
        ":",
        "?",
        "#",
        "http:",
        "https://evil.example",
        "evil.example",
        "api",
        "v1",
        "users",
        "%",
        "%zz",
        " ",
        "\t",
        "\r\n",
        "\0",
        "user:pw@",
        "[::1]",
        "127.0.0.1",
        "é",
        ";",
        "&",
        "=",
    ]);
    prop::collection::vec(atoms, 0..12).prop_map(|parts| parts.concat())
}

fn decoded_segments(path: &str) -> Vec<String> {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .split('/')
        .map(str::to_owned)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_guard_never_lets_a_request_leave_the_origin(rel in prop_oneof![tricky(), any::<String>()]) {
        let conn = Connection::builder("https://acme.okta.com/base").build().unwrap();
        let input = CustomApiInput { relative_url: Some(rel.clone()), ..CustomApiInput::default() };
        if let Ok(request) = build_custom_request(&conn, &input, None) {
            let url = request.url();
            prop_assert_eq!(url.origin(), conn.base_url().origin(), "{:?}", rel);
            prop_assert!(url.username().is_empty() && url.password().is_none());
            prop_assert!(url.fragment().is_none());
            let segments = decoded_segments(url.path());
            prop_assert!(!segments.iter().any(|s| s == ".." || s == "."), "{:?} -> {}", rel, url);
            prop_assert!(!segments.iter().any(|s| s.contains('/') || s.contains('\\')), "{:?} -> {}", rel, url);
            // What was accepted is sent as given (up to percent-encoding): the path is not
            // rewritten into another one.
            let (path, _) = check_relative_url(&rel).unwrap();
            prop_assert_eq!(decoded_segments(url.path()), decoded_segments(&path), "{:?} -> {}", rel, url);
        }
    }

    #[test]
    fn retry_after_never_panics_and_never_exceeds_what_it_says(value in any::<String>()) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        if let Some(wait) = parse_retry_after(&value, now) {
            prop_assert!(wait < Duration::from_secs(1_000_000_000) || value.trim().bytes().all(|b| b.is_ascii_digit()));
        }
        let _ = parse_http_date(&value);
        let _ = delay_until_epoch_reset(&value, Some(&value), now);
    }

    #[test]
    fn retry_after_seconds_round_trip(secs in 0u64..10_000_000) {
        prop_assert_eq!(parse_retry_after(&secs.to_string(), SystemTime::now()), Some(Duration::from_secs(secs)));
    }

    #[test]
    fn http_dates_round_trip_against_the_date_header(offset in 0u64..100_000, base in 0u64..4_000_000_000) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(base);
        let at = now + Duration::from_secs(offset);
        let text = httpdate_fmt(at);
        prop_assert_eq!(parse_retry_after(&text, now), Some(Duration::from_secs(offset)));
        let reset = (base + offset).to_string();
        prop_assert_eq!(delay_until_epoch_reset(&reset, Some(&httpdate_fmt(now)), SystemTime::UNIX_EPOCH), Some(Duration::from_secs(offset)));
    }
}

fn httpdate_fmt(t: SystemTime) -> String {
    // The same formatter services use (IMF-fixdate).
    httpdate::fmt_http_date(t)
}
