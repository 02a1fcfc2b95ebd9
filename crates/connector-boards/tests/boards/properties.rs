//! Hostile-input properties of the boards error parser, through the public path the
//! pipeline takes: the parts of [`BoardsProfile::into_profile`] (classification, errors,
//! the wait asked for, feedback, request id) on a [`Response`]. Whatever the status, headers and bytes, nothing panics, an answer that
//! is not a success is never taken for one, and its error is typed and bounded.

use crate::common;

use std::time::{Duration, SystemTime};

use common::Hooks;
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{
    ErrorKind, HeaderMap, HeaderName, HeaderValue, Request, Response, RetryPolicy,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The clock the answers are read against: Tue, 14 Nov 2023 22:13:20 GMT.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn request(operation: Option<&str>) -> Request {
    common::probe_request(operation)
}

fn response(status: u16, headers: HeaderMap, body: Vec<u8>) -> Response {
    Response::from_parts(
        status,
        headers,
        body,
        "https://api.monday.com/v2".parse().unwrap(),
    )
}

/// Codes the service sends, with the kind each must become; `None` for codes the
/// connector does not know.
const CODES: &[(&str, Option<ErrorKind>)] = &[
    ("COMPLEXITY_BUDGET_EXHAUSTED", Some(ErrorKind::RateLimited)),
    ("ComplexityException", Some(ErrorKind::RateLimited)),
    ("Rate Limit Exceeded", Some(ErrorKind::RateLimited)),
    ("maxConcurrencyExceeded", Some(ErrorKind::RateLimited)),
    ("IP_RATE_LIMIT_EXCEEDED", Some(ErrorKind::RateLimited)),
    ("FIELD_LIMIT_EXCEEDED", Some(ErrorKind::RateLimited)),
    ("DAILY_LIMIT_EXCEEDED", Some(ErrorKind::RateLimited)),
    ("InvalidBoardIdException", Some(ErrorKind::NotFound)),
    ("InvalidUserIdException", Some(ErrorKind::NotFound)),
    ("InvalidWorkspaceIdException", Some(ErrorKind::NotFound)),
    ("ResourceNotFoundException", Some(ErrorKind::NotFound)),
    (
        "UserUnauthorizedException",
        Some(ErrorKind::PermissionDenied),
    ),
    ("USER_ACCESS_DENIED", Some(ErrorKind::PermissionDenied)),
    ("InvalidArgumentException", Some(ErrorKind::InvalidInput)),
    ("GRAPHQL_VALIDATION_FAILED", Some(ErrorKind::InvalidInput)),
    ("undefinedField", Some(ErrorKind::InvalidInput)),
    ("DeleteLastGroupException", Some(ErrorKind::Conflict)),
    ("SomethingNew", None),
    ("", None),
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 3 seconds".to_owned()),
        Just("Rate limit exceeded, retry in 99999999999999999999 seconds".to_owned()),
        Just("retry after -1 seconds".to_owned()),
        Just("Parse error on \"}\" (RCURLY) at [1, 2]".to_owned()),
        Just("x".repeat(5_000)),
        ".{0,40}",
    ]
}

/// Numbers as JSON allows them and as the service should not send them.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0u64..100_000).prop_map(Value::from),
        "-?[0-9]{0,25}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,4})?".prop_map(Value::from),
    ]
}

/// JSON in the service's vocabulary, nested and mistyped.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        prop::sample::select(CODES).prop_map(|(code, _)| Value::from(code)),
        text().prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "errors",
        "extensions",
        "code",
        "message",
        "retry_in_seconds",
        "error_data",
        "error_code",
        "error_message",
        "error",
        "status_code",
        "request_id",
        "data",
        "complexity",
        "query",
        "after",
        "reset_in_x_seconds",
        "account_id",
        "locations",
    ]);
    leaf.prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A body: raw bytes, the service's vocabulary, or that vocabulary cut short or padded.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (json_value(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let bytes = v.to_string().into_bytes();
            let at = cut.index(bytes.len() + 1);
            bytes[..at].to_vec()
        }),
        Just(b"<html><body>502 Bad Gateway</body></html>".to_vec()),
        Just(format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
    ]
}

/// Headers the pipeline reads, with values of any bytes a header may carry.
fn headers() -> impl Strategy<Value = HeaderMap> {
    let names = prop::sample::select(vec![
        "retry-after",
        "date",
        "ratelimit",
        "ratelimit-policy",
        "x-request-id",
        "content-type",
    ]);
    let values = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::sample::select(vec![
            "0",
            "7",
            "1.5",
            "-1",
            "18446744073709551616",
            "99999999999999999999",
            "NaN",
            "inf",
            "Tue, 14 Nov 2023 22:13:30 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 99 Nov 1994",
            "\"complexityMinute\";r=4950000;t=45",
            "\"complexityMinute\";r=;t=99999999999999999999",
            "\"complexityMinute\";r=0;t=18446744073709551615, \"a,b\";r=1",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec((names, values), 0..5).prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        map
    })
}

fn operation() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![None, Some("boards"), Some("create_board"), Some("me")])
}

/// Runs every hook the pipeline calls on one answer and checks what holds for any answer.
fn check_any_answer(
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    operation: Option<&str>,
) -> Result<(), TestCaseError> {
    let profile = Hooks::of("boards-property-token");
    let request = request(operation);
    let asked_retry_after = headers.contains_key("retry-after");
    let response = response(status, headers, body);
    for policy in [RetryPolicy::default(), RetryPolicy::never()] {
        let verdict = profile.classify(&request, Ok(&response), &policy, now());
        if !(200..300).contains(&status) {
            prop_assert_ne!(&verdict, &Verdict::Success, "status {}", status);
        }
        if status == 401 {
            prop_assert_eq!(&verdict, &Verdict::Unauthorized);
        }
        if let Verdict::Retryable {
            after: Some(wait), ..
        } = verdict
            && !asked_retry_after
        {
            // A wait read from the body is a sane one.
            prop_assert!(wait <= Duration::from_secs(86_400), "{:?}", wait);
        }
    }
    let _ = profile.feedback(&request, &response, now());
    let _ = profile.request_id(&response);
    if let Some(wait) = profile.retry_after(&response, now())
        && !asked_retry_after
    {
        prop_assert!(wait <= Duration::from_secs(86_400), "{:?}", wait);
    }

    let error = profile.error(&request, &response);
    prop_assert!(
        !matches!(
            error.kind(),
            ErrorKind::Transport | ErrorKind::Configuration
        ),
        "{:?}",
        error
    );
    prop_assert!(!error.message().is_empty());
    // Service messages are clipped: a hostile body cannot make an error of any size.
    let shown = error.to_string();
    prop_assert!(
        shown.chars().count() < 12_000,
        "{} chars",
        shown.chars().count()
    );
    let _ = format!("{error:?}");
    let _ = error.to_json().to_string();
    Ok(())
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn no_answer_makes_the_error_parser_panic_and_failures_stay_failures(
        status in prop_oneof![0u16..1000, Just(200u16), Just(401u16), Just(429u16), Just(500u16)],
        headers in headers(),
        body in body(),
        operation in operation(),
    ) {
        check_any_answer(status, headers, body, operation)?;
    }

    #[test]
    fn a_reported_error_is_a_typed_failure_whatever_its_shape(
        (code, kind) in prop::sample::select(CODES),
        shape in 0..4usize,
        status in prop::sample::select(vec![200u16, 400, 403, 404, 429, 500]),
        message in text(),
        request_id in prop::option::of("[a-z0-9-]{1,12}"),
        extra in prop::collection::vec((prop::sample::select(vec!["path", "locations", "data", "account_id"]), json_value()), 0..3),
    ) {
        let error = match shape {
            // The current shape: the code in the error's extensions.
            0 => json!({ "message": message, "extensions": { "code": code } }),
            // The code on the error itself.
            1 => json!({ "message": message, "code": code }),
            2 => json!({ "message": message, "error_code": code }),
            // The legacy top-level shape, handled below.
            _ => Value::Null,
        };
        let mut body = if shape < 3 {
            json!({ "errors": [error] })
        } else {
            json!({ "error_code": code, "error_message": message, "status_code": status })
        };
        for (key, value) in extra {
            body[key] = value;
        }
        if let Some(id) = &request_id {
            body["extensions"] = json!({ "request_id": id });
        }
        let profile = Hooks::of("t");
        let request = request(Some("boards"));
        let response = response(status, HeaderMap::new(), body.to_string().into_bytes());

        let verdict = profile.classify(&request, Ok(&response), &RetryPolicy::default(), now());
        prop_assert_ne!(&verdict, &Verdict::Success, "{}", body);
        let error = profile.error(&request, &response);
        if !code.is_empty() {
            prop_assert_eq!(error.code(), Some(code), "{}", body);
        }
        prop_assert_eq!(error.request_id(), request_id.as_deref(), "{}", body);
        match kind {
            Some(kind) => prop_assert_eq!(error.kind(), kind, "{}", body),
            None => {
                // Without a known code, the legacy messages still say what they are about;
                // any other error takes the status's kind (a 200 that failed: upstream).
                let lower = message.to_ascii_lowercase();
                let by_message = ["complexity budget exhausted", "rate limit exceeded", "parse error"]
                    .iter()
                    .any(|prefix| lower.starts_with(prefix));
                if !by_message {
                    let expected = if status >= 400 { ErrorKind::from_status(status) } else { ErrorKind::Upstream };
                    prop_assert_eq!(error.kind(), expected, "{}", body);
                }
            }
        }
    }

    #[test]
    fn the_wait_a_limit_asks_for_is_the_wait_retried_after(
        secs in 0u64..=86_400,
        shape in 0..5usize,
        as_text in any::<bool>(),
        status in prop::sample::select(vec![200u16, 429]),
    ) {
        let n = if as_text { Value::from(secs.to_string()) } else { Value::from(secs) };
        let body = match shape {
            0 => json!({ "errors": [{ "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": n } }] }),
            1 => json!({ "errors": [{ "message": "Field limit exceeded", "extensions": { "code": "FIELD_LIMIT_EXCEEDED", "error_data": { "retry_in_seconds": n } } }] }),
            2 => json!({ "errors": [{ "message": "Rate Limit Exceeded", "code": "RATE_LIMIT_EXCEEDED", "retry_in_seconds": n }] }),
            3 => json!({ "error_code": "ComplexityException", "error_message": "Complexity budget exhausted", "retry_in_seconds": n }),
            _ => json!({ "errors": [format!("Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in {secs} seconds")] }),
        };
        let profile = Hooks::of("t");
        let request = request(Some("boards"));
        let response = response(status, HeaderMap::new(), body.to_string().into_bytes());
        let wait = Duration::from_secs(secs);
        prop_assert_eq!(
            profile.classify(&request, Ok(&response), &RetryPolicy::default(), now()),
            Verdict::Retryable { reason: RetryReason::Status(429), after: Some(wait) },
            "{}", body
        );
        prop_assert_eq!(profile.retry_after(&response, now()), Some(wait));
        let error = profile.error(&request, &response);
        prop_assert_eq!(error.kind(), ErrorKind::RateLimited);
        prop_assert_eq!(error.retry_after(), Some(wait), "{}", body);
    }
}
