//! Errors in the service's three shapes, 200-with-errors, limits and their waits, and
//! statuses that are never retried.

use crate::common;

use std::time::{Duration, SystemTime};

use common::{Canned, Hooks, answer, client, in_turn};
use connector_core::pipeline::TransportFailure;
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{ErrorKind, HeaderMap, Request, Response, RetryPolicy};
use httpmock::MockServer;
use proptest::prelude::*;
use serde_json::{Value, json};

fn ok(body: Value) -> Canned {
    (200, vec![], body)
}

fn board_answer() -> Canned {
    ok(answer(
        "boards",
        json!([{ "id": "1", "name": "Plan" }]),
        "req-ok",
    ))
}

#[tokio::test]
async fn current_shape_200_with_errors_is_a_failure_with_code_and_request_id_and_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![ok(json!({
            "errors": [{
                "message": "Board not found",
                "locations": [{ "line": 3, "column": 3 }],
                "path": ["archive_board"],
                "extensions": { "code": "InvalidBoardIdException", "error_data": { "board_id": 999 }, "status_code": 200 }
            }],
            "data": { "archive_board": null },
            "account_id": 9876543,
            "extensions": { "request_id": "req-err-1" }
        }))],
    )
    .await;
    let (boards, clock) = client(&server);
    let error = boards.archive_board("999").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.code(), Some("InvalidBoardIdException"));
    assert_eq!(error.request_id(), Some("req-err-1"));
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.attempts(), 1);
    assert!(error.message().contains("Board not found"), "{error}");
    assert_eq!(
        error.response().unwrap().body["extensions"]["request_id"],
        "req-err-1"
    );
    assert_eq!(mock.calls_async().await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn partial_data_with_errors_is_still_a_failure() {
    let server = MockServer::start_async().await;
    in_turn(
        &server,
        vec![ok(json!({
            "data": { "boards": [{ "id": "1", "name": "Plan" }], "complexity": null },
            "errors": [{ "message": "Field 'owners' failed", "extensions": { "code": "InternalServerException", "status_code": 500 } }],
            "extensions": { "request_id": "req-partial" }
        }))],
    )
    .await;
    let (boards, _) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Upstream);
    assert_eq!(error.code(), Some("InternalServerException"));
    assert_eq!(error.request_id(), Some("req-partial"));
}

#[tokio::test]
async fn legacy_top_level_error_shape_is_read() {
    let server = MockServer::start_async().await;
    in_turn(
        &server,
        vec![ok(json!({
            "error_code": "UserUnauthorizedException",
            "error_message": "User unauthorized to perform action",
            "error_data": {},
            "status_code": 403,
            "account_id": 9876543
        }))],
    )
    .await;
    let (boards, _) = client(&server);
    let error = boards.delete_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(error.code(), Some("UserUnauthorizedException"));
    assert!(
        error
            .message()
            .contains("User unauthorized to perform action"),
        "{error}"
    );
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn legacy_string_errors_about_the_complexity_budget_wait_the_reset_then_succeed() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            ok(json!({
                "errors": ["Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 3 seconds"],
                "account_id": 9876543
            })),
            board_answer(),
        ],
    )
    .await;
    let (boards, clock) = client(&server);
    let board = boards.read_board("1").await.unwrap();
    assert_eq!(board.name, "Plan");
    assert_eq!(mock.calls_async().await, 2);
    assert!(
        clock.sleeps().contains(&Duration::from_secs(3)),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn legacy_string_errors_of_another_kind_fail_with_their_text() {
    let server = MockServer::start_async().await;
    in_turn(
        &server,
        vec![ok(
            json!({ "errors": ["Parse error on \"}\" (RCURLY) at [1, 20]"] }),
        )],
    )
    .await;
    let (boards, _) = client(&server);
    let error = boards
        .graphql("query { boards { id } } }", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.message().contains("Parse error"), "{error}");
}

#[tokio::test]
async fn a_429_with_retry_in_seconds_is_retried_after_that_wait_then_succeeds() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            (
                429,
                vec![("retry-after", "30".to_owned())],
                json!({
                    "errors": [{
                        "message": "Complexity budget exhausted",
                        "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "complexity": 1010, "complexity_budget_left": 0, "retry_in_seconds": 7 }
                    }],
                    "account_id": 9876543,
                    "extensions": { "request_id": "req-429" }
                }),
            ),
            board_answer(),
        ],
    )
    .await;
    let (boards, clock) = client(&server);
    let board = boards.read_board("1").await.unwrap();
    assert_eq!(board.id, "1");
    assert_eq!(mock.calls_async().await, 2);
    // retry_in_seconds (7) wins over Retry-After (30); nothing slept for real.
    assert!(
        clock.sleeps().contains(&Duration::from_secs(7)),
        "{:?}",
        clock.sleeps()
    );
    assert!(
        !clock.sleeps().contains(&Duration::from_secs(30)),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn field_limit_exceeded_takes_its_wait_from_error_data() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            (
                429,
                vec![],
                json!({
                    "errors": [{
                        "message": "Field limit exceeded",
                        "extensions": { "code": "FIELD_LIMIT_EXCEEDED", "error_data": { "retry_in_seconds": 11 } }
                    }]
                }),
            ),
            board_answer(),
        ],
    )
    .await;
    let (boards, clock) = client(&server);
    boards.read_board("1").await.unwrap();
    assert_eq!(mock.calls_async().await, 2);
    assert!(
        clock.sleeps().contains(&Duration::from_secs(11)),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn a_429_without_a_body_wait_uses_retry_after() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            (429, vec![("retry-after", "5".to_owned())], json!({ "errors": [{ "message": "Rate Limit Exceeded", "extensions": { "code": "Rate Limit Exceeded" } }] })),
            board_answer(),
        ],
    )
    .await;
    let (boards, clock) = client(&server);
    boards.read_board("1").await.unwrap();
    assert_eq!(mock.calls_async().await, 2);
    assert!(
        clock.sleeps().contains(&Duration::from_secs(5)),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn limits_that_persist_fail_as_rate_limited_after_three_retries() {
    let server = MockServer::start_async().await;
    let limited: Canned = (
        429,
        vec![],
        json!({ "errors": [{ "message": "Max concurrency exceeded", "extensions": { "code": "maxConcurrencyExceeded", "retry_in_seconds": 2 } }], "extensions": { "request_id": "req-c" } }),
    );
    let mock = in_turn(&server, vec![limited]).await;
    let (boards, _) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.code(), Some("maxConcurrencyExceeded"));
    assert_eq!(error.attempts(), 4);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(mock.calls_async().await, 4);
}

#[tokio::test]
async fn a_wait_past_the_retry_window_fails_at_once_as_rate_limited() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![(
            429,
            vec![],
            json!({ "errors": [{ "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 61 } }] }),
        )],
    )
    .await;
    let (boards, clock) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(61)));
    assert_eq!(error.attempts(), 1);
    assert_eq!(mock.calls_async().await, 1);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[tokio::test]
async fn daily_limit_exceeded_fails_at_once_as_rate_limited() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![(
            429,
            vec![],
            json!({ "errors": [{ "message": "Daily limit exceeded", "extensions": { "code": "DAILY_LIMIT_EXCEEDED", "retry_in_seconds": 3600 } }], "extensions": { "request_id": "req-day" } }),
        )],
    )
    .await;
    let (boards, clock) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.code(), Some("DAILY_LIMIT_EXCEEDED"));
    assert_eq!(error.request_id(), Some("req-day"));
    assert_eq!(error.attempts(), 1);
    assert_eq!(mock.calls_async().await, 1);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[tokio::test]
async fn a_500_is_not_retried_and_is_upstream() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![(
            500,
            vec![],
            json!({ "error_message": "Internal server error", "status_code": 500 }),
        )],
    )
    .await;
    let (boards, clock) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Upstream);
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.attempts(), 1);
    assert_eq!(mock.calls_async().await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_401_is_authentication_and_says_which_variable_to_check() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![(401, vec![], json!({ "errors": [{ "message": "Not Authenticated", "extensions": { "code": "UNAUTHENTICATED" } }] }))],
    )
    .await;
    let (boards, _) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.status(), Some(401));
    assert!(error.message().contains("BOARDS_API_TOKEN"), "{error}");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_504_from_the_gateway_is_retried() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            (504, vec![], json!({ "message": "Gateway Timeout" })),
            board_answer(),
        ],
    )
    .await;
    let (boards, clock) = client(&server);
    boards.read_board("1").await.unwrap();
    assert_eq!(mock.calls_async().await, 2);
    // No wait asked for: a backoff of at most the first step (1 s, with jitter), plus at most
    // the limiter's pacing of calls per minute (60 ms at 1,000 a minute).
    let sleeps = clock.sleeps();
    assert!(!sleeps.is_empty(), "{sleeps:?}");
    let waited: Duration = sleeps.iter().sum();
    assert!(waited <= Duration::from_millis(1_060), "{sleeps:?}");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_invalid_response_not_a_panic() {
    let server = MockServer::start_async().await;
    in_turn(
        &server,
        vec![ok(
            json!({ "data": { "boards": [{ "id": { "nested": true } }] } }),
        )],
    )
    .await;
    let (boards, _) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("boards"), "{error}");
}

// Classification and mapping without a server.

fn request(operation: Option<&str>) -> Request {
    common::probe_request(operation)
}

fn response(status: u16, body: &[u8]) -> Response {
    Response::from_parts(
        status,
        HeaderMap::new(),
        body.to_vec(),
        "https://api.monday.com/v2".parse().unwrap(),
    )
}

#[test]
fn service_codes_map_to_error_kinds() {
    let profile = Hooks::of("t");
    for (code, status, kind) in [
        ("InvalidBoardIdException", 200, ErrorKind::NotFound),
        ("InvalidUserIdException", 200, ErrorKind::NotFound),
        ("ResourceNotFoundException", 200, ErrorKind::NotFound),
        ("InvalidItemIdException", 200, ErrorKind::NotFound),
        (
            "UserUnauthorizedException",
            200,
            ErrorKind::PermissionDenied,
        ),
        ("USER_ACCESS_DENIED", 200, ErrorKind::PermissionDenied),
        (
            "missingRequiredPermissions",
            200,
            ErrorKind::PermissionDenied,
        ),
        ("InvalidArgumentException", 200, ErrorKind::InvalidInput),
        ("RecordInvalidException", 200, ErrorKind::InvalidInput),
        ("undefinedField", 200, ErrorKind::InvalidInput),
        ("DeleteLastGroupException", 200, ErrorKind::Conflict),
        ("COMPLEXITY_BUDGET_EXHAUSTED", 429, ErrorKind::RateLimited),
        ("IP_RATE_LIMIT_EXCEEDED", 429, ErrorKind::RateLimited),
        ("DAILY_LIMIT_EXCEEDED", 429, ErrorKind::RateLimited),
        ("SomethingNew", 200, ErrorKind::Upstream),
        ("SomethingNew", 400, ErrorKind::InvalidInput),
    ] {
        let body = json!({ "errors": [{ "message": "m", "extensions": { "code": code } }], "extensions": { "request_id": "r" } });
        let error = profile.error(
            &request(Some("boards")),
            &response(status, body.to_string().as_bytes()),
        );
        assert_eq!(error.kind(), kind, "{code}");
        assert_eq!(error.code(), Some(code));
        assert_eq!(error.request_id(), Some("r"));
    }
}

#[test]
fn lost_answers_are_retried_for_queries_and_keyed_mutations_only() {
    let profile = Hooks::of("t");
    let policy = RetryPolicy::default();
    let now = SystemTime::now();
    let broken = TransportFailure::Broken("connection reset".into());
    assert!(matches!(
        profile.classify(&request(Some("boards")), Err(&broken), &policy, now),
        Verdict::Retryable {
            reason: RetryReason::Transport,
            ..
        }
    ));
    assert_eq!(
        profile.classify(&request(Some("create_board")), Err(&broken), &policy, now),
        Verdict::Fail
    );
    assert_eq!(
        profile.classify(&request(None), Err(&broken), &policy, now),
        Verdict::Fail
    );
    // A mutation carrying an Idempotency-Key is marked repeatable: the key makes a repeat
    // harmless.
    let keyed = request(Some("create_board"))
        .repeatable(true)
        .changes_state();
    assert!(matches!(
        profile.classify(&keyed, Err(&broken), &policy, now),
        Verdict::Retryable {
            reason: RetryReason::Transport,
            ..
        }
    ));
    let refused = TransportFailure::Connect("refused".into());
    assert!(matches!(
        profile.classify(&request(Some("create_board")), Err(&refused), &policy, now),
        Verdict::Retryable {
            reason: RetryReason::Connect,
            ..
        }
    ));
}

#[test]
fn a_policy_that_does_not_retry_429_fails_limits_at_once() {
    let profile = Hooks::of("t");
    let body = br#"{"errors":[{"message":"m","extensions":{"code":"COMPLEXITY_BUDGET_EXHAUSTED","retry_in_seconds":1}}]}"#;
    let verdict = profile.classify(
        &request(Some("boards")),
        Ok(&response(429, body)),
        &RetryPolicy::never().with_retry_statuses([503]),
        SystemTime::now(),
    );
    assert_eq!(verdict, Verdict::Fail);
}

/// Runs every hook of the profile on one answer; none may panic.
fn every_hook(status: u16, body: &[u8]) {
    let profile = Hooks::of("t");
    let request = request(Some("boards"));
    let response = response(status, body);
    let now = SystemTime::now();
    let _ = profile.classify(&request, Ok(&response), &RetryPolicy::default(), now);
    let error = profile.error(&request, &response);
    let _ = error.to_string();
    let _ = profile.feedback(&request, &response, now);
    let _ = profile.request_id(&response);
    let _ = profile.retry_after(&response, now);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("COMPLEXITY_BUDGET_EXHAUSTED".to_owned()),
            Just("Complexity budget exhausted, reset in 99999999999999999999 seconds".to_owned()),
            Just("retry_in_seconds".to_owned()),
            ".{0,40}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("errors".to_owned()),
                        Just("extensions".to_owned()),
                        Just("code".to_owned()),
                        Just("message".to_owned()),
                        Just("retry_in_seconds".to_owned()),
                        Just("error_data".to_owned()),
                        Just("error_code".to_owned()),
                        Just("error_message".to_owned()),
                        Just("status_code".to_owned()),
                        Just("request_id".to_owned()),
                        Just("data".to_owned()),
                        Just("complexity".to_owned()),
                        Just("query".to_owned()),
                        Just("after".to_owned()),
                        Just("reset_in_x_seconds".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                ),
                0..6,
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn no_bytes_make_the_profile_panic(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..512)) {
        every_hook(status, &body);
    }

    #[test]
    fn no_json_of_the_service_s_vocabulary_makes_the_profile_panic(status in prop_oneof![Just(200u16), Just(429u16), Just(500u16), 100u16..600], value in json_value()) {
        every_hook(status, value.to_string().as_bytes());
    }
}
