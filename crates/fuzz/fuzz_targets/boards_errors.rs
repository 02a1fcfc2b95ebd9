//! The boards error parser through the parts the pipeline asks (`BoardsProfile::into_profile`): on any status, headers and
//! bytes, nothing panics, a failure is never taken for a success, and the error is typed
//! and bounded.
//!
//! Input: 2 bytes of status, 1 byte choosing the operation, 1 byte of header length, the
//! header lines (`Retry-After`, `Date`, `RateLimit`, `X-Request-Id` in turn), then the body.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use connector_boards::BoardsProfile;
use connector_core::pipeline::AttemptContext;
use connector_core::retry::Verdict;
use connector_core::{Connection, ErrorKind, HeaderMap, HeaderName, HeaderValue, Method, Profile, Response, RetryPolicy};
use libfuzzer_sys::fuzz_target;

const OPERATIONS: &[Option<&str>] = &[None, Some("boards"), Some("create_board"), Some("me")];
const HEADERS: &[&str] = &["retry-after", "date", "ratelimit", "x-request-id"];

fn connection() -> &'static Connection {
    static CONNECTION: OnceLock<Connection> = OnceLock::new();
    CONNECTION.get_or_init(|| {
        Connection::builder("https://api.monday.com/v2")
            .build()
            .expect("a valid base URL")
    })
}

fn profile() -> &'static Profile {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    PROFILE.get_or_init(|| BoardsProfile::for_token("fuzz-token").into_profile())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 1000;
    let operation = OPERATIONS[usize::from(data[2]) % OPERATIONS.len()];
    let header_len = usize::from(data[3]).min(data.len() - 4);
    let (header_bytes, body) = data[4..].split_at(header_len);
    let mut headers = HeaderMap::new();
    for (name, value) in HEADERS.iter().zip(header_bytes.split(|b| *b == b'\n')) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let asked_retry_after = headers.contains_key("retry-after");

    let mut request = connection().request(Method::POST, "/v2");
    if let Some(op) = operation {
        request = request.operation(op);
    }
    let response = Response::from_parts(
        status,
        headers,
        body.to_vec(),
        "https://api.monday.com/v2".parse().expect("a valid URL"),
    );
    let profile = profile();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for policy in [RetryPolicy::default(), RetryPolicy::never()] {
        let context = AttemptContext::new(&request, Ok(&response), &policy, now, 1);
        let verdict = profile.classify(&context);
        if !(200..300).contains(&status) {
            assert_ne!(verdict, Verdict::Success, "status {status}");
        }
        if status == 401 {
            assert_eq!(verdict, Verdict::Unauthorized);
        }
        if let Verdict::Retryable {
            after: Some(wait), ..
        } = verdict
            && !asked_retry_after
        {
            assert!(wait <= Duration::from_secs(86_400), "{wait:?}");
        }
    }
    let policy = RetryPolicy::default();
    let context = AttemptContext::new(&request, Ok(&response), &policy, now, 1);
    let _ = profile.feedback(&context);
    let _ = profile.request_id(&context);
    let error = profile.error(&context, &response);
    assert!(
        !matches!(
            error.kind(),
            ErrorKind::Transport | ErrorKind::Configuration
        ),
        "{error:?}"
    );
    assert!(!error.message().is_empty());
    let shown = error.to_string();
    assert!(
        shown.chars().count() < 12_000,
        "{} chars",
        shown.chars().count()
    );
    let _ = format!("{error:?}");
    let _ = error.to_json().to_string();
});
