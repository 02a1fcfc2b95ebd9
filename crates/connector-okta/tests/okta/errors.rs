//! Okta's refusals as errors: kinds, codes, causes, request ids; retries with Okta's
//! headers and waits (on a manual clock: nothing sleeps for real); odd answers.

use crate::common;

use std::time::Duration;

use common::{Harness, TOKEN, fixture, fixture_json};
use connector_core::{ErrorKind, RetryPolicy};
use httpmock::Method::{GET, POST};
use serde_json::json;

/// Sun, 06 Nov 1994 08:49:37 GMT, as epoch seconds.
const DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
const DATE_EPOCH: u64 = 784_111_777;

#[tokio::test]
async fn a_400_is_invalid_input_with_okta_s_code_causes_and_request_id() {
    let h = Harness::start().await;
    let create = h
        .server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/users");
            then.status(400)
                .header("x-okta-request-id", "XfkLd3cJm2fmaaHdqnB9WAAACEo")
                .body(fixture("error_400_too_many_groups.json"));
        })
        .await;
    h.fallback().await;
    let profile = connector_okta::UserProfile::new("a@example.com");
    let e = h
        .okta()
        .create_user(connector_okta::CreateUserInput::new(profile))
        .await
        .unwrap_err();
    create.assert_calls_async(1).await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.code(), Some("E0000093"));
    assert_eq!(e.request_id(), Some("XfkLd3cJm2fmaaHdqnB9WAAACEo"));
    assert_eq!(e.attempts(), 1);
    assert_eq!(
        e.message(),
        "okta answered 400: Target count limit exceeded (The number of group targets is too large)"
    );
    let json = e.to_json();
    assert_eq!(json["kind"], "invalid_input");
    assert_eq!(json["requestId"], "XfkLd3cJm2fmaaHdqnB9WAAACEo");
}

#[tokio::test]
async fn statuses_map_to_kinds_and_none_of_them_is_retried() {
    let cases = [
        (
            401,
            "E0000011",
            "Invalid token provided",
            ErrorKind::Authentication,
        ),
        (
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            "E0000007",
            "Not found: Resource not found: nobody (User)",
            ErrorKind::NotFound,
        ),
        (409, "E0000092", "Conflict", ErrorKind::Conflict),
        (
            500,
            "E0000009",
            "Internal Server Error",
            ErrorKind::Upstream,
        ),
    ];
    for (status, code, summary, kind) in cases {
        let h = Harness::start().await;
        let read = h
            .server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v1/users/nobody");
                then.status(status)
                    .header("x-okta-request-id", format!("req-{status}"))
                    .json_body(
                        json!({"errorCode": code, "errorSummary": summary, "errorLink": code,
                                      "errorId": "oae1", "errorCauses": []}),
                    );
            })
            .await;
        h.fallback().await;
        let e = h.okta().read_user("nobody").await.unwrap_err();
        read.assert_calls_async(1).await;
        assert_eq!(e.kind(), kind, "{status}");
        assert_eq!(e.code(), Some(code));
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.attempts(), 1);
        assert_eq!(
            e.request_id().map(str::to_owned),
            Some(format!("req-{status}"))
        );
        assert!(e.message().contains(summary), "{e}");
    }
}

#[tokio::test]
async fn a_429_is_retried_after_the_reset_measured_against_date_with_okta_s_retry_headers() {
    let h = Harness::start().await;
    // The first attempt is limited; the retry must say which request it repeats.
    let limited = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header_missing("x-okta-retry-count");
            then.status(429)
                .header("date", DATE)
                .header("x-rate-limit-limit", "600")
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", (DATE_EPOCH + 3).to_string())
                .header("x-okta-request-id", "first-request")
                .body(fixture("error_429.json"));
        })
        .await;
    let retried = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("x-okta-retry-for", "first-request")
                .header("x-okta-retry-count", "1");
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
    let user = h.okta().read_user("00u1").await.unwrap();
    assert_eq!(user.id, "00ub0oNGTSWTBKOLGLNR");
    limited.assert_calls_async(1).await;
    retried.assert_calls_async(1).await;
    // Three seconds to the reset (by the server's Date, not the local clock) and one more.
    assert!(
        h.clock.sleeps().contains(&Duration::from_secs(4)),
        "{:?}",
        h.clock.sleeps()
    );
    assert!(
        h.clock.elapsed() < Duration::from_secs(10),
        "{:?}",
        h.clock.sleeps()
    );
}

#[tokio::test]
async fn a_429_that_persists_is_rate_limited_after_three_retries() {
    let h = Harness::start().await;
    let limited = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            then.status(429)
                .header("date", DATE)
                .header("x-rate-limit-limit", "600")
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", (DATE_EPOCH + 1).to_string())
                .body(fixture("error_429.json"));
        })
        .await;
    h.fallback().await;
    let e = h.okta().read_user("00u1").await.unwrap_err();
    limited.assert_calls_async(4).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.code(), Some("E0000047"));
    assert_eq!(e.attempts(), 4);
    let counts: Vec<_> = h
        .seen()
        .iter()
        .map(|s| s.header("x-okta-retry-count").map(str::to_owned))
        .collect();
    assert_eq!(
        counts,
        [None, Some("1".into()), Some("2".into()), Some("3".into())]
    );
}

#[tokio::test]
async fn a_wait_past_the_minute_fails_at_once_as_rate_limited_with_the_wait() {
    let h = Harness::start().await;
    let limited = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            then.status(429)
                .header("date", DATE)
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", (DATE_EPOCH + 90).to_string())
                .body(fixture("error_429.json"));
        })
        .await;
    h.fallback().await;
    let e = h.okta().read_user("00u1").await.unwrap_err();
    limited.assert_calls_async(1).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(91)));
    assert!(
        h.clock.sleeps().is_empty(),
        "no sleeping in vain: {:?}",
        h.clock.sleeps()
    );
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_and_a_500_is_not() {
    let h = Harness::start().await;
    let unavailable = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header_missing("x-okta-retry-count");
            then.status(503)
                .body("<html><body>Service Unavailable</body></html>");
        })
        .await;
    let retried = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("x-okta-retry-count", "1");
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    let broken = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u2");
            then.status(500).body("");
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    okta.read_user("00u1").await.unwrap();
    unavailable.assert_calls_async(1).await;
    retried.assert_calls_async(1).await;
    let e = okta.read_user("00u2").await.unwrap_err();
    broken.assert_calls_async(1).await;
    assert_eq!(e.kind(), ErrorKind::Upstream);
    assert_eq!(e.message(), "okta answered 500");
}

#[tokio::test]
async fn odd_answers_are_errors_never_panics() {
    let h = Harness::start().await;
    let answers = [
        (
            "html",
            200,
            "<!DOCTYPE html><html><body>Sign in</body></html>",
        ),
        ("empty", 200, ""),
        ("array", 200, "[]"),
        ("wrong", 200, r#"{"id": 5, "profile": "none"}"#),
        ("truncated", 200, r#"{"id": "00u1", "profile": {"login": "#),
        ("html-error", 502, "<html><body>Bad Gateway</body></html>"),
        (
            "odd-error",
            404,
            r#"{"errorCode": ["E0000007"], "errorCauses": {"x": 1}}"#,
        ),
    ];
    for (id, status, body) in answers {
        h.server
            .mock_async(move |when, then| {
                when.method(GET).path(format!("/api/v1/users/{id}"));
                then.status(status).body(body);
            })
            .await;
    }
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users");
            then.status(200).json_body(fixture_json("get_user.json"));
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/users/00u1/roles");
            then.status(201).json_body(json!({"label": "no id"}));
        })
        .await;
    h.fallback().await;
    let okta = h
        .builder()
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    for (id, status, _) in answers {
        let e = okta.read_user(id).await.unwrap_err();
        let expected = match status {
            200 => ErrorKind::InvalidResponse,
            502 => ErrorKind::Unavailable,
            _ => ErrorKind::NotFound,
        };
        assert_eq!(e.kind(), expected, "{id}: {e}");
        assert!(!e.to_string().contains("<html"), "{id}: {e}");
    }
    // Lists and role answers of the wrong shape too.
    let e = okta
        .search_users(&connector_okta::SearchUsersInput::all())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    let e = okta
        .add_user_to_admin_role("00u1", "HELP_DESK_ADMIN")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
}
