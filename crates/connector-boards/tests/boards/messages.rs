//! What the errors say: the call named sensibly, each service message said once, advice
//! that fits what happened, and the boards path in a refused `relativeUrl`.

use crate::common;

use common::{Canned, client, fallback, in_turn};
use connector_boards::connector;
use connector_core::ErrorKind;
use httpmock::MockServer;
use serde_json::json;

async fn read_board_error(answers: Vec<Canned>) -> connector_core::Error {
    let server = MockServer::start_async().await;
    in_turn(&server, answers).await;
    let (boards, _) = client(&server);
    boards.read_board("1").await.unwrap_err()
}

#[tokio::test]
async fn a_refused_token_is_said_plainly_without_naming_boards_twice() {
    let error = read_board_error(vec![(
        401,
        vec![],
        json!({ "errors": [{ "message": "Not Authenticated", "extensions": { "code": "UNAUTHENTICATED" } }] }),
    )])
    .await;
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(
        error.message(),
        "the boards service refused the token (401 unauthorized): Not Authenticated; check BOARDS_API_TOKEN"
    );
}

#[tokio::test]
async fn a_refusal_names_the_query_it_refused() {
    let error = read_board_error(vec![(
        200,
        vec![],
        json!({ "errors": [{ "message": "User unauthorized to perform action", "extensions": { "code": "UserUnauthorizedException" } }] }),
    )])
    .await;
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    let message = error.message();
    assert!(
        message.starts_with("the boards service refused the `boards` query: User unauthorized"),
        "{message}"
    );
    assert!(!message.contains("refused boards"), "{message}");
}

#[tokio::test]
async fn a_message_repeated_by_the_service_is_said_once() {
    let exhausted = json!({ "errors": [
        { "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 61 } },
        "Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 61 seconds",
        { "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED" } }
    ] });
    let error = read_board_error(vec![(429, vec![], exhausted)]).await;
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let message = error.message();
    assert_eq!(
        message.matches("Complexity budget exhausted").count(),
        1,
        "{message}"
    );
    assert!(
        message.contains("query cost 30001"),
        "the fullest one is kept: {message}"
    );
}

/// A `Retry-After` past the minute: the call fails at once, after one attempt.
fn wait() -> Vec<(&'static str, String)> {
    vec![("retry-after", "61".to_owned())]
}

#[tokio::test]
async fn a_429_does_not_blame_concurrent_calls_unless_the_service_counted_them() {
    let rate = json!({ "errors": [{ "message": "Rate Limit Exceeded", "extensions": { "code": "Rate Limit Exceeded", "retry_in_seconds": 61 } }] });
    let bare = json!({});
    let budget = json!({ "errors": [{ "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 61 } }] });
    for body in [rate, bare, budget] {
        let error = read_board_error(vec![(429, wait(), body.clone())]).await;
        assert_eq!(error.kind(), ErrorKind::RateLimited, "{body}");
        assert_eq!(error.attempts(), 1, "the wait is past the minute: {body}");
        assert!(
            !error.message().contains("concurrent"),
            "{}",
            error.message()
        );
    }
    let concurrency = json!({ "errors": [{ "message": "Max concurrency exceeded", "extensions": { "code": "maxConcurrencyExceeded", "retry_in_seconds": 61 } }] });
    let error = read_board_error(vec![(429, wait(), concurrency)]).await;
    assert!(
        error.message().ends_with("; make fewer concurrent calls"),
        "{}",
        error.message()
    );
}

#[tokio::test]
async fn a_refused_relative_url_suggests_the_boards_path() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    for url in ["v2", "/v2/../users", "https://api.example.com/v2"] {
        let error = connector()
            .run(&boards, "custom-api-action", json!({ "relativeUrl": url }))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{url}");
        let message = error.message();
        assert!(message.contains("such as /v2"), "{message}");
        assert!(!message.contains("/api/v1/users"), "{message}");
    }
    assert_eq!(unexpected.calls_async().await, 0);
}
