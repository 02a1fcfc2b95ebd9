//! Request shapes and outputs of every action: exact method, path, headers, document and
//! variables, and the output read from a realistic answer.

use crate::common;

use common::{TOKEN, answer, client, document, fallback};
use connector_boards::{Boards, connector};
use connector_core::{ErrorKind, HasConnection};
use httpmock::prelude::*;
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

/// Expects exactly one GraphQL call of `file` with `variables`, and answers `response`.
async fn expect<'a>(
    server: &'a MockServer,
    file: &str,
    variables: Value,
    response: Value,
) -> Mock<'a> {
    let query = document(file);
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .header("api-version", "2026-10")
                .header("content-type", "application/json")
                .json_body(json!({ "query": query, "variables": variables }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(response);
        })
        .await
}

async fn run(boards: &Boards, action: &str, input: Value) -> connector_core::Result<Value> {
    connector().run(boards, action, input).await
}

#[tokio::test]
async fn add_user_to_board_sends_ids_and_kind_as_variables_and_returns_the_users_added() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "add_users_to_board.graphql",
        json!({ "boardId": "1234567890", "userIds": ["42", "43"], "kind": "owner" }),
        answer(
            "add_users_to_board",
            json!([
                { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
                { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
            ]),
            "req-add-1",
        ),
    )
    .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "add-user-to-board",
        json!({ "boardId": "1234567890", "userIds": ["42", 43], "kind": "owner" }),
    )
    .await
    .unwrap();
    assert_eq!(
        output,
        json!({ "users": [
            { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
            { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
        ]})
    );
    mock.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn add_user_to_board_defaults_to_subscriber() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "add_users_to_board.graphql",
        json!({ "boardId": "1", "userIds": ["42"], "kind": "subscriber" }),
        answer(
            "add_users_to_board",
            json!([{ "id": 42, "name": "Ada", "email": "ada@example.com" }]),
            "r",
        ),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "add-user-to-board",
        json!({ "boardId": "1", "userIds": ["42"] }),
    )
    .await
    .unwrap();
    // A numeric id from the service comes out as a string.
    assert_eq!(output["users"][0]["id"], "42");
    mock.assert_async().await;
}

#[tokio::test]
async fn delete_user_from_board_returns_the_users_removed() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "delete_subscribers_from_board.graphql",
        json!({ "boardId": "1234567890", "userIds": ["42"] }),
        answer(
            "delete_subscribers_from_board",
            json!([{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }]),
            "req-del-1",
        ),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "delete-user-from-board",
        json!({ "boardId": "1234567890", "userIds": ["42"] }),
    )
    .await
    .unwrap();
    assert_eq!(
        output,
        json!({ "users": [{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }] })
    );
    mock.assert_async().await;
}

fn board_summary(state: &str) -> Value {
    json!({
        "id": "1234567890",
        "name": "Onboarding: Ada",
        "description": null,
        "board_kind": "private",
        "state": state,
        "permissions": "everyone",
        "workspace_id": "7",
        "board_folder_id": null,
        "url": "https://acme.monday.com/boards/1234567890",
        "updated_at": "2026-11-02T10:15:00Z"
    })
}

fn board_summary_output(state: &str) -> Value {
    json!({
        "id": "1234567890",
        "name": "Onboarding: Ada",
        "boardKind": "private",
        "state": state,
        "permissions": "everyone",
        "workspaceId": "7",
        "url": "https://acme.monday.com/boards/1234567890",
        "updatedAt": "2026-11-02T10:15:00Z"
    })
}

#[tokio::test]
async fn archive_board_returns_the_archived_board_in_camel_case() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "archive_board.graphql",
        json!({ "boardId": "1234567890" }),
        answer("archive_board", board_summary("archived"), "req-arch-1"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "archive-board", json!({ "boardId": "1234567890" }))
        .await
        .unwrap();
    assert_eq!(output, board_summary_output("archived"));
    mock.assert_async().await;
}

#[tokio::test]
async fn delete_board_returns_the_deleted_board() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "delete_board.graphql",
        json!({ "boardId": "1234567890" }),
        answer("delete_board", board_summary("deleted"), "req-delb-1"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "delete-board", json!({ "boardId": 1234567890u64 }))
        .await
        .unwrap();
    assert_eq!(output, board_summary_output("deleted"));
    mock.assert_async().await;
}

#[tokio::test]
async fn delete_board_with_a_null_answer_is_not_found() {
    let server = MockServer::start_async().await;
    expect(
        &server,
        "delete_board.graphql",
        json!({ "boardId": "999" }),
        answer("delete_board", Value::Null, "req-null"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let error = boards.delete_board("999").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.request_id(), Some("req-null"));
}

#[tokio::test]
async fn create_board_sends_every_field_as_a_variable_and_returns_the_board_with_its_people() {
    let server = MockServer::start_async().await;
    let mut created = board_summary("active");
    created["owners"] = json!([{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }]);
    created["subscribers"] = json!([
        { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
        null,
        { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
    ]);
    created["workspace"] = json!({ "id": "7", "name": "People" });
    let mock = expect(
        &server,
        "create_board.graphql",
        json!({
            "name": "Onboarding: Ada",
            "kind": "private",
            "workspaceId": "7",
            "folderId": "11",
            "templateId": "5551",
            "description": "First week",
            "ownerIds": ["42"],
            "subscriberIds": ["43"]
        }),
        answer("create_board", created, "req-create-1"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "create-board",
        json!({
            "name": "Onboarding: Ada",
            "kind": "private",
            "workspaceId": "7",
            "folderId": "11",
            "templateId": "5551",
            "description": "First week",
            "ownerIds": ["42"],
            "subscriberIds": ["43"]
        }),
    )
    .await
    .unwrap();
    let mut expected = board_summary_output("active");
    expected["owners"] =
        json!([{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }]);
    expected["subscribers"] = json!([
        { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
        { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
    ]);
    expected["workspace"] = json!({ "id": "7", "name": "People" });
    assert_eq!(output, expected);
    mock.assert_async().await;
}

#[tokio::test]
async fn create_board_leaves_out_the_variables_not_given() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "create_board.graphql",
        json!({ "name": "Plain", "kind": "public" }),
        answer(
            "create_board",
            json!({ "id": "1", "name": "Plain", "board_kind": "public" }),
            "r",
        ),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "create-board",
        json!({ "name": "Plain", "kind": "public" }),
    )
    .await
    .unwrap();
    assert_eq!(
        output,
        json!({ "id": "1", "name": "Plain", "boardKind": "public" })
    );
    mock.assert_async().await;
}

/// The injection test: a name made to break out of a document travels only in `variables`;
/// the document sent is the shipped one, byte for byte.
#[tokio::test]
async fn a_hostile_board_name_travels_only_in_variables() {
    let hostile = r#"x" } } mutation { delete_board(board_id: 1) { id } } # \" {{ }} ' `"#;
    let server = MockServer::start_async().await;
    let query = document("create_board.graphql");
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .is_true(move |req: &HttpMockRequest| {
                    let body: Value = serde_json::from_slice(req.body_ref()).unwrap_or(Value::Null);
                    body["query"] == query
                        && !body["query"].as_str().unwrap_or("").contains(hostile)
                        && body["variables"]["name"] == hostile
                });
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer(
                    "create_board",
                    json!({ "id": "1", "name": hostile }),
                    "r",
                ));
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "create-board",
        json!({ "name": hostile, "kind": "public" }),
    )
    .await
    .unwrap();
    assert_eq!(output["name"], hostile);
    mock.assert_async().await;
}

#[tokio::test]
async fn list_boards_reads_pages_until_a_short_page() {
    let server = MockServer::start_async().await;
    let base = json!({ "workspaceIds": ["7"], "state": "all", "kind": "private", "orderBy": "used_at", "limit": 2 });
    let page = |n: u32| {
        let mut v = base.clone();
        v["page"] = json!(n);
        v
    };
    let board = |id: &str| json!({ "id": id, "name": format!("Board {id}"), "state": "active" });
    let first = expect(
        &server,
        "list_boards.graphql",
        page(1),
        answer("boards", json!([board("1"), board("2")]), "p1"),
    )
    .await;
    let second = expect(
        &server,
        "list_boards.graphql",
        page(2),
        answer("boards", json!([board("3")]), "p2"),
    )
    .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "list-boards",
        json!({ "workspaceId": "7", "state": "all", "kind": "private", "orderBy": "used_at", "limit": 2 }),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = output["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        output["boards"][2],
        json!({ "id": "3", "name": "Board 3", "state": "active" })
    );
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn list_boards_stops_at_max_and_asks_for_no_more_than_max() {
    let server = MockServer::start_async().await;
    let board = |id: u32| json!({ "id": id.to_string(), "name": "b" });
    // max 3 with the default page size of 25: one page of 3 is enough.
    let only = expect(
        &server,
        "list_boards.graphql",
        json!({ "state": "active", "limit": 3, "page": 1 }),
        answer("boards", json!([board(1), board(2), board(3)]), "p1"),
    )
    .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "list-boards", json!({ "max": 3 }))
        .await
        .unwrap();
    assert_eq!(output["boards"].as_array().unwrap().len(), 3);
    only.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn list_boards_refuses_a_service_that_repeats_the_same_page() {
    let server = MockServer::start_async().await;
    let same = json!([{ "id": "1", "name": "a" }, { "id": "2", "name": "b" }]);
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("boards", same, "r"));
        })
        .await;
    let (boards, _) = client(&server);
    let error = run(&boards, "list-boards", json!({ "limit": 2 }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("same items"), "{error}");
}

#[tokio::test]
async fn read_board_returns_the_board_with_owners_subscribers_groups_and_workspace() {
    let server = MockServer::start_async().await;
    let board = json!({
        "id": "1234567890",
        "name": "Onboarding: Ada",
        "description": "First week",
        "board_kind": "public",
        "state": "active",
        "permissions": "everyone",
        "workspace_id": "7",
        "board_folder_id": "11",
        "url": "https://acme.monday.com/boards/1234567890",
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": "2026-11-02T10:15:00Z",
        "owners": [{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }],
        "subscribers": [
            { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
            { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
        ],
        "creator": { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
        "groups": [{ "id": "topics", "title": "Week 1" }],
        "tags": [],
        "workspace": { "id": "7", "name": "People" }
    });
    let mock = expect(
        &server,
        "read_board.graphql",
        json!({ "boardId": "1234567890" }),
        answer("boards", json!([board]), "r1"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "read-board", json!({ "boardId": "1234567890" }))
        .await
        .unwrap();
    assert_eq!(
        output,
        json!({
            "id": "1234567890",
            "name": "Onboarding: Ada",
            "description": "First week",
            "boardKind": "public",
            "state": "active",
            "permissions": "everyone",
            "workspaceId": "7",
            "boardFolderId": "11",
            "url": "https://acme.monday.com/boards/1234567890",
            "createdAt": "2026-11-01T09:00:00Z",
            "updatedAt": "2026-11-02T10:15:00Z",
            "owners": [{ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" }],
            "subscribers": [
                { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
                { "id": "43", "name": "Grace Hopper", "email": "grace@example.com" }
            ],
            "creator": { "id": "42", "name": "Ada Lovelace", "email": "ada@example.com" },
            "groups": [{ "id": "topics", "title": "Week 1" }],
            "tags": [],
            "workspace": { "id": "7", "name": "People" }
        })
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn read_board_with_an_empty_answer_is_not_found_with_the_request_id() {
    let server = MockServer::start_async().await;
    expect(
        &server,
        "read_board.graphql",
        json!({ "boardId": "404" }),
        answer("boards", json!([]), "req-empty-1"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let error = run(&boards, "read-board", json!({ "boardId": "404" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.request_id(), Some("req-empty-1"));
    assert_eq!(error.attempts(), 1);
    assert!(error.message().contains("404"), "{error}");
}

fn ada() -> Value {
    json!({
        "id": "42",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "title": "Engineer",
        "url": "https://acme.monday.com/users/42",
        "kind": "member",
        "status": "ACTIVE",
        "created_at": "2026-01-05T08:00:00Z",
        "became_active_at": "2026-01-05T09:00:00Z",
        "is_email_confirmed": true,
        "time_zone_identifier": "Europe/London",
        "phone": null,
        "mobile_phone": "+44 20 7946 0000",
        "photo_url": { "original": "https://cdn.example.com/o.png", "small": null, "thumb": "https://cdn.example.com/t.png" },
        "teams": [{ "id": "9", "name": "Platform" }]
    })
}

fn ada_output() -> Value {
    json!({
        "id": "42",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "title": "Engineer",
        "url": "https://acme.monday.com/users/42",
        "kind": "member",
        "status": "ACTIVE",
        "createdAt": "2026-01-05T08:00:00Z",
        "becameActiveAt": "2026-01-05T09:00:00Z",
        "isEmailConfirmed": true,
        "timeZoneIdentifier": "Europe/London",
        "mobilePhone": "+44 20 7946 0000",
        "photoUrl": { "original": "https://cdn.example.com/o.png", "thumb": "https://cdn.example.com/t.png" },
        "teams": [{ "id": "9", "name": "Platform" }]
    })
}

#[tokio::test]
async fn read_user_by_id_returns_the_user() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "read_user_by_id.graphql",
        json!({ "id": "42" }),
        answer("users", json!([ada()]), "r"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "read-user", json!({ "id": "42" }))
        .await
        .unwrap();
    assert_eq!(output, ada_output());
    mock.assert_async().await;
}

#[tokio::test]
async fn read_user_by_email_returns_the_user() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        "read_user_by_email.graphql",
        json!({ "email": "ada@example.com" }),
        answer("users", json!([ada()]), "r"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "read-user", json!({ "email": "ada@example.com" }))
        .await
        .unwrap();
    assert_eq!(output, ada_output());
    mock.assert_async().await;
}

#[tokio::test]
async fn read_user_that_matches_nobody_is_not_found() {
    let server = MockServer::start_async().await;
    expect(
        &server,
        "read_user_by_email.graphql",
        json!({ "email": "nobody@example.com" }),
        answer("users", json!([]), "r-0"),
    )
    .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let error = run(
        &boards,
        "read-user",
        json!({ "email": "nobody@example.com" }),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.request_id(), Some("r-0"));
}

#[tokio::test]
async fn read_user_needs_exactly_one_of_id_and_email_and_sends_nothing_otherwise() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    for input in [
        json!({}),
        json!({ "id": "1", "email": "a@example.com" }),
        json!({ "email": "not-an-email" }),
    ] {
        let error = run(&boards, "read-user", input.clone()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{input}");
        assert_eq!(error.attempts(), 0);
    }
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn search_users_sends_name_and_kind_and_reads_every_page() {
    let server = MockServer::start_async().await;
    let user = |id: &str| json!({ "id": id, "name": format!("Ada {id}"), "email": format!("ada{id}@example.com") });
    let first = expect(
        &server,
        "search_users.graphql",
        json!({ "name": "ada", "kind": "non_guests", "limit": 2, "page": 1 }),
        answer("users", json!([user("1"), user("2")]), "s1"),
    )
    .await;
    let second = expect(
        &server,
        "search_users.graphql",
        json!({ "name": "ada", "kind": "non_guests", "limit": 2, "page": 2 }),
        answer("users", json!([]), "s2"),
    )
    .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "search-users",
        json!({ "name": "ada", "kind": "non_guests", "limit": 2 }),
    )
    .await
    .unwrap();
    assert_eq!(
        output,
        json!({ "users": [
            { "id": "1", "name": "Ada 1", "email": "ada1@example.com" },
            { "id": "2", "name": "Ada 2", "email": "ada2@example.com" }
        ]})
    );
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn search_users_stops_after_max_users() {
    let server = MockServer::start_async().await;
    let user = |id: u32| json!({ "id": id.to_string(), "name": "n", "email": "e@example.com" });
    let first = expect(
        &server,
        "search_users.graphql",
        json!({ "limit": 2, "page": 1 }),
        answer("users", json!([user(1), user(2)]), "s1"),
    )
    .await;
    let second = expect(
        &server,
        "search_users.graphql",
        json!({ "limit": 2, "page": 2 }),
        answer("users", json!([user(3), user(4)]), "s2"),
    )
    .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "search-users", json!({ "limit": 2, "max": 3 }))
        .await
        .unwrap();
    let ids: Vec<&str> = output["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn custom_api_action_posts_to_v2_by_default_with_the_token_and_the_connection_s_version() {
    let server = MockServer::start_async().await;
    let body = json!({ "query": "query { me { id } }", "variables": {} });
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .header("api-version", "2026-10")
                .json_body(body.clone());
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({ "data": { "me": { "id": "42" } }, "extensions": { "request_id": "c1" } }));
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(&boards, "custom-api-action", json!({ "body": body }))
        .await
        .unwrap();
    assert_eq!(output["statusCode"], 200);
    assert_eq!(output["body"]["data"]["me"]["id"], "42");
    mock.assert_async().await;
}

#[tokio::test]
async fn custom_api_action_api_version_header_wins_over_the_connection_s() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("api-version", "2026-07")
                .header_count("api-version", ".*", 1);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(
                    json!({ "data": { "version": { "kind": "maintenance", "value": "2026-07" } } }),
                );
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let output = run(
        &boards,
        "custom-api-action",
        json!({
            "relativeUrl": "/v2",
            "method": "POST",
            "headers": { "API-Version": "2026-07" },
            "body": { "query": "query { version { kind value } }" }
        }),
    )
    .await
    .unwrap();
    assert_eq!(output["body"]["data"]["version"]["value"], "2026-07");
    mock.assert_async().await;
}

#[tokio::test]
async fn custom_api_action_refuses_to_leave_the_origin_before_sending() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    for url in [
        "https://evil.example/v2",
        "//evil.example/v2",
        "/v2/../../x",
        "/%2e%2e/x",
    ] {
        let error = run(&boards, "custom-api-action", json!({ "relativeUrl": url }))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{url}");
    }
    let error = run(
        &boards,
        "custom-api-action",
        json!({ "headers": { "Authorization": "other" } }),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(unexpected.calls_async().await, 0);
}

#[tokio::test]
async fn with_api_version_overrides_the_version_of_typed_calls() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("api-version", "2026-07")
                .header_count("api-version", ".*", 1)
                .json_body(json!({ "query": document("read_board.graphql"), "variables": { "boardId": "1" } }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("boards", json!([{ "id": "1", "name": "a" }]), "r"));
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let older = boards.with_api_version("2026-07").unwrap();
    assert_eq!(older.api_version(), "2026-07");
    assert_eq!(boards.api_version(), "2026-10");
    assert_eq!(older.read_board("1").await.unwrap().name, "a");
    mock.assert_async().await;
    assert_eq!(
        boards.with_api_version("latest").unwrap_err().kind(),
        ErrorKind::Configuration
    );
}

#[tokio::test]
async fn requests_name_the_project_in_the_user_agent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header_includes(
                    "user-agent",
                    concat!("connector-boards/", env!("CARGO_PKG_VERSION")),
                )
                .header_includes("user-agent", "connectors/");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer("boards", json!([{ "id": "1", "name": "a" }]), "r"));
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    boards.read_board("1").await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn graphql_returns_the_data_of_any_document() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .json_body(json!({ "query": "query { version { value } }", "variables": {} }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({ "data": { "version": { "value": "2026-10" } } }));
        })
        .await;
    fallback(&server).await;
    let (boards, _) = client(&server);
    let data = boards
        .graphql("query { version { value } }", json!({}))
        .await
        .unwrap();
    assert_eq!(data, json!({ "version": { "value": "2026-10" } }));
    mock.assert_async().await;
    assert_eq!(boards.connection().base_url().path(), "/v2");
}

#[tokio::test]
async fn inputs_are_checked_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    for (action, input) in [
        ("read-board", json!({ "boardId": "" })),
        ("read-board", json!({ "boardId": "1", "extra": true })),
        ("read-board", json!({ "board_id": "1" })),
        (
            "add-user-to-board",
            json!({ "boardId": "1", "userIds": [] }),
        ),
        (
            "add-user-to-board",
            json!({ "boardId": "1", "userIds": ["42"], "kind": "admin" }),
        ),
        ("create-board", json!({ "name": " ", "kind": "public" })),
        ("create-board", json!({ "name": "x" })),
        ("list-boards", json!({ "limit": 0 })),
        ("list-boards", json!({ "limit": 5000 })),
        ("search-users", json!({ "max": 0 })),
    ] {
        let error = run(&boards, action, input.clone()).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{action} {input}: {error}"
        );
        assert_eq!(error.attempts(), 0);
    }
    assert_eq!(unexpected.calls_async().await, 0);
}
