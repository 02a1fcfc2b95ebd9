//! Hostile ids and echoes: a boards id is 1 to 20 decimal digits (as a string or a number)
//! or `invalid_input` before anything is sent, and no error quotes more than 200 bytes of
//! any input, whether the connector or the service wrote the message.

use crate::common;

use common::{TOKEN, answer, client, fallback};
use connector_boards::connector;
use connector_core::ErrorKind;
use connector_core::error::QUOTE_LIMIT;
use httpmock::prelude::*;
use serde_json::{Value, json};

/// The longest message an error may carry when its input was 100 KB: the connector's own
/// words plus at most [`QUOTE_LIMIT`] bytes of the input and the marks of the cut.
const MESSAGE_ROOM: usize = QUOTE_LIMIT + 300;

/// Each action with an id field, the input to put a bad id into, and where it goes.
fn inputs_with(bad: &Value) -> Vec<(&'static str, Value)> {
    vec![
        ("read-board", json!({ "boardId": bad })),
        ("archive-board", json!({ "boardId": bad })),
        ("delete-board", json!({ "boardId": bad })),
        (
            "add-user-to-board",
            json!({ "boardId": bad, "userIds": ["42"] }),
        ),
        (
            "add-user-to-board",
            json!({ "boardId": "1", "userIds": ["42", bad] }),
        ),
        (
            "delete-user-from-board",
            json!({ "boardId": bad, "userIds": ["42"] }),
        ),
        (
            "delete-user-from-board",
            json!({ "boardId": "1", "userIds": [bad] }),
        ),
        (
            "create-board",
            json!({ "name": "x", "kind": "public", "workspaceId": bad }),
        ),
        (
            "create-board",
            json!({ "name": "x", "kind": "public", "folderId": bad }),
        ),
        (
            "create-board",
            json!({ "name": "x", "kind": "public", "templateId": bad }),
        ),
        (
            "create-board",
            json!({ "name": "x", "kind": "public", "ownerIds": [bad] }),
        ),
        (
            "create-board",
            json!({ "name": "x", "kind": "public", "subscriberIds": ["7", bad] }),
        ),
        ("list-boards", json!({ "workspaceId": bad })),
        ("read-user", json!({ "id": bad })),
    ]
}

#[tokio::test]
async fn an_id_that_is_not_1_to_20_decimal_digits_is_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let huge = "9".repeat(100_000);
    let bad_ids = [
        json!(""),
        json!("12a4"),
        json!("-42"),
        json!("+42"),
        json!(" 42"),
        json!("42\n"),
        json!("４２"),
        json!("1".repeat(21)),
        json!(huge),
        json!(-42),
        json!("1e3"),
    ];
    for bad in &bad_ids {
        for (action, input) in inputs_with(bad) {
            let error = connector()
                .run(&boards, action, input.clone())
                .await
                .expect_err(action);
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{action}: {error}");
            let message = error.message();
            assert!(
                message.contains("is not an id") || message.contains("is empty"),
                "{action}: refused for the id, not for something else: {message}"
            );
            assert_eq!(error.attempts(), 0, "{action}");
            assert!(
                error.to_string().len() <= MESSAGE_ROOM,
                "{action} echoed {} bytes",
                error.to_string().len()
            );
        }
    }
    assert_eq!(
        unexpected.calls_async().await,
        0,
        "a bad id reached the service"
    );
}

#[tokio::test]
async fn ids_of_up_to_20_digits_as_strings_or_numbers_are_sent_as_strings() {
    let server = MockServer::start_async().await;
    let twenty = "1".repeat(20);
    let board = json!({ "id": twenty, "name": "Roadmap", "state": "active" });
    let as_string = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .json_body_includes(json!({ "variables": { "boardId": twenty } }).to_string());
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("archive_board", board.clone(), "r-1"));
        })
        .await;
    let as_number = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .json_body_includes(
                    json!({ "variables": { "boardId": "1234567890" } }).to_string(),
                );
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("archive_board", board.clone(), "r-2"));
        })
        .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    connector()
        .run(&boards, "archive-board", json!({ "boardId": twenty }))
        .await
        .expect("20 digits is an id");
    connector()
        .run(
            &boards,
            "archive-board",
            json!({ "boardId": 1_234_567_890_u64 }),
        )
        .await
        .expect("a whole number is an id");
    as_string.assert_async().await;
    as_number.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn read_user_not_found_by_a_100_kb_email_quotes_at_most_200_bytes_of_it() {
    let server = MockServer::start_async().await;
    let email = format!("{}@example.com", "a".repeat(100_000));
    let empty = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").header("authorization", TOKEN);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("users", json!([]), "r-0"));
        })
        .await;
    let (boards, _) = client(&server);
    let error = connector()
        .run(&boards, "read-user", json!({ "email": email }))
        .await
        .unwrap_err();
    empty.assert_async().await;
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let shown = error.to_string();
    assert!(shown.contains("aaaa"), "the email is quoted: {shown}");
    assert!(
        shown.len() <= MESSAGE_ROOM,
        "{} bytes: {shown}",
        shown.len()
    );
}

#[tokio::test]
async fn read_board_not_found_names_the_board() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").header("authorization", TOKEN);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("boards", json!([]), "r-0"));
        })
        .await;
    let (boards, _) = client(&server);
    let error = connector()
        .run(&boards, "read-board", json!({ "boardId": "1234567890" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(error.message().contains("\"1234567890\""), "{error}");
}

#[tokio::test]
async fn a_service_message_that_echoes_a_100_kb_input_is_cut_to_200_bytes() {
    let server = MockServer::start_async().await;
    let name = "b".repeat(100_000);
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").header("authorization", TOKEN);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "errors": [{
                        "message": format!("Board name {name} is not valid"),
                        "extensions": { "code": "InvalidArgumentException" }
                    }],
                    "account_id": 9_876_543
                }));
        })
        .await;
    let (boards, _) = client(&server);
    let error = connector()
        .run(
            &boards,
            "create-board",
            json!({ "name": name, "kind": "public" }),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let shown = error.to_string();
    assert!(
        shown.contains("bbbb"),
        "the service's words are kept: {shown}"
    );
    assert!(shown.len() <= MESSAGE_ROOM, "{} bytes", shown.len());
}
