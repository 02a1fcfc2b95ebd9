//! Every part of the pipeline reads one parse of a boards answer: classification, the
//! complexity feedback, the error mapper, the request id and the client's own decoding.

use crate::common;

use common::{TOKEN, in_turn};
use connector_boards::Boards;
use connector_core::ErrorKind;
use connector_core::clock::ManualClock;
use connector_core::testing::body_parses_on_this_thread;
use httpmock::MockServer;
use serde_json::json;
use std::sync::Arc;

fn client(server: &MockServer) -> Boards {
    Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_successful_answer_is_parsed_once() {
    let server = MockServer::start_async().await;
    let body = json!({
        "data": { "boards": [{ "id": "1", "name": "Plan" }], "complexity": { "query": 1_010, "after": 9_000_000, "reset_in_x_seconds": 42 } },
        "extensions": { "request_id": "r-1" }
    });
    in_turn(&server, vec![(200, vec![], body)]).await;
    let boards = client(&server);
    let before = body_parses_on_this_thread();
    boards.read_board("1").await.unwrap();
    assert_eq!(body_parses_on_this_thread() - before, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_answer_is_parsed_once_per_attempt() {
    let server = MockServer::start_async().await;
    let limited = json!({
        "errors": [{ "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 1 } }],
        "extensions": { "request_id": "r-2" }
    });
    let not_found = json!({
        "errors": [{ "message": "Board not found", "extensions": { "code": "InvalidBoardIdException" } }],
        "extensions": { "request_id": "r-3" }
    });
    in_turn(
        &server,
        vec![(429, vec![], limited), (200, vec![], not_found)],
    )
    .await;
    let boards = client(&server);
    let before = body_parses_on_this_thread();
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.attempts(), 2, "{error}");
    assert_ne!(error.kind(), ErrorKind::InvalidResponse, "{error}");
    // Two attempts: classification, feedback, request id and the error all read one parse
    // of each answer.
    assert_eq!(body_parses_on_this_thread() - before, 2);
}
