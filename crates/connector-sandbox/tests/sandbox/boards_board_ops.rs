//! Boards: create, read, list page by page, archive, delete, owners and subscribers,
//! and the service's 200-with-`errors[]` answers for bad ids.

use crate::boards_support;

use axum::http::StatusCode;
use boards_support::{Boards, ids};
use serde_json::{Value, json};

const READ_BOARD: &str = "query ($id: ID!) {
  boards(ids: [$id], state: all) {
    id name description board_kind state permissions workspace_id board_folder_id url
    updated_at
    owners { id name email }
    subscribers { id name email }
    creator { id name email }
    groups { id title }
    tags { id name }
    workspace { id name }
  }
}";

async fn read_board(boards: &Boards, id: &str) -> Value {
    let reply = boards.gql(READ_BOARD, json!({ "id": id })).await;
    let list = reply.data()["boards"].clone();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list:#}");
    list[0].clone()
}

#[tokio::test]
async fn created_board_is_owned_by_its_creator_and_has_a_default_group() {
    let boards = Boards::with_defaults();
    let id = boards
        .create_board(
            "Onboarding",
            json!({ "description": "New hires", "subscribers": ["1002"] }),
        )
        .await;

    let board = read_board(&boards, &id).await;
    assert_eq!(board["name"], "Onboarding");
    assert_eq!(board["description"], "New hires");
    assert_eq!(board["board_kind"], "public");
    assert_eq!(board["state"], "active");
    assert_eq!(board["permissions"], "everyone");
    assert_eq!(board["workspace_id"], "100");
    assert_eq!(board["board_folder_id"], Value::Null);
    assert!(
        board["url"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/boards/{id}"))
    );
    assert!(
        board["updated_at"]
            .as_str()
            .unwrap_or_default()
            .ends_with('Z')
    );
    assert_eq!(ids(&board["owners"]), ["1001"]);
    assert_eq!(ids(&board["subscribers"]), ["1001", "1002"]);
    assert_eq!(board["creator"]["email"], "ada.lovelace@example.com");
    assert_eq!(
        board["groups"],
        json!([{ "id": "topics", "title": "Group Title" }])
    );
    assert_eq!(board["tags"], json!([]));
    assert_eq!(
        board["workspace"],
        json!({ "id": "100", "name": "Main workspace" })
    );
}

#[tokio::test]
async fn empty_board_has_no_groups_and_owner_ids_become_owners() {
    let boards = Boards::with_defaults();
    let id = boards
        .create_board(
            "Bare",
            json!({ "empty": true, "owners": ["1003"], "workspace": "101" }),
        )
        .await;
    let board = read_board(&boards, &id).await;
    assert_eq!(board["groups"], json!([]));
    assert_eq!(ids(&board["owners"]), ["1001", "1003"]);
    assert_eq!(board["workspace"]["name"], "Help desk");
}

#[tokio::test]
async fn lists_boards_page_by_page_until_a_short_page() {
    let boards = Boards::with_defaults();
    let seeded = boards.state.seed_boards(7);
    let query = "query ($page: Int) { boards(limit: 3, page: $page) { id name } }";
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    for page in 1.. {
        let reply = boards.gql(query, json!({ "page": page })).await;
        let page_ids = ids(&reply.data()["boards"]);
        sizes.push(page_ids.len());
        seen.extend(page_ids.clone());
        if page_ids.len() < 3 {
            break;
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, seeded);
}

#[tokio::test]
async fn filters_by_workspace_and_kind_and_orders_newest_first() {
    let boards = Boards::with_defaults();
    let first = boards.create_board("First", json!({})).await;
    let second = boards
        .create_board("Second", json!({ "kind": "private", "workspace": "101" }))
        .await;
    let third = boards.create_board("Third", json!({})).await;

    let reply = boards
        .gql("{ boards(order_by: created_at) { id } }", json!({}))
        .await;
    assert_eq!(
        ids(&reply.data()["boards"]),
        [third.as_str(), second.as_str(), first.as_str()]
    );

    let reply = boards
        .gql(
            "query ($ws: [ID]) { boards(workspace_ids: $ws) { id } }",
            json!({ "ws": ["101"] }),
        )
        .await;
    assert_eq!(ids(&reply.data()["boards"]), [second.as_str()]);

    let reply = boards
        .gql("{ boards(board_kind: public) { id } }", json!({}))
        .await;
    assert_eq!(
        ids(&reply.data()["boards"]),
        [first.as_str(), third.as_str()]
    );
}

#[tokio::test]
async fn archived_and_deleted_boards_leave_the_default_listing() {
    let boards = Boards::with_defaults();
    let id = boards.create_board("Short-lived", json!({})).await;

    let reply = boards
        .gql(
            "mutation ($id: ID!) { archive_board(board_id: $id) { id state } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        reply.data()["archive_board"],
        json!({ "id": id, "state": "archived" })
    );

    let active = boards.gql("{ boards { id } }", json!({})).await;
    assert_eq!(active.data()["boards"], json!([]));
    let archived = boards
        .gql("{ boards(state: archived) { id } }", json!({}))
        .await;
    assert_eq!(ids(&archived.data()["boards"]), [id.as_str()]);

    let reply = boards
        .gql(
            "mutation ($id: ID!) { delete_board(board_id: $id) { id state } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(reply.data()["delete_board"]["state"], "deleted");
    assert_eq!(read_board(&boards, &id).await["state"], "deleted");

    // A deleted board cannot be changed any more.
    let reply = boards
        .gql(
            "mutation ($id: ID!) { archive_board(board_id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(reply.code(), "InvalidBoardIdException");
}

#[tokio::test]
async fn unknown_board_is_answered_200_with_invalid_board_id() {
    let boards = Boards::with_defaults();
    let reply = boards
        .gql(
            "mutation ($id: ID!) { archive_board(board_id: $id) { id } }",
            json!({ "id": "999" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let error = &reply.body["errors"][0];
    assert_eq!(error["message"], "Board not found");
    assert_eq!(error["extensions"]["code"], "InvalidBoardIdException");
    assert_eq!(
        error["extensions"]["error_data"],
        json!({ "board_id": "999" })
    );
    assert_eq!(error["extensions"]["status_code"], 200);
    assert_eq!(error["path"], json!(["archive_board"]));
    assert!(error["locations"][0]["line"].is_number());
    assert_eq!(reply.body["data"], json!({ "archive_board": null }));
    assert_eq!(reply.body["account_id"], 1);
    assert!(reply.body["extensions"]["request_id"].is_string());

    // Reading an unknown board is an empty list, not an error.
    let reply = boards.gql(READ_BOARD, json!({ "id": "999" })).await;
    assert_eq!(reply.data()["boards"], json!([]));
}

#[tokio::test]
async fn adds_and_removes_owners_and_subscribers() {
    let boards = Boards::with_defaults();
    let id = boards.create_board("Team", json!({})).await;
    let add = "mutation ($board: ID!, $users: [ID!]!, $kind: BoardSubscriberKind) {
      add_users_to_board(board_id: $board, user_ids: $users, kind: $kind) { id name email }
    }";
    let remove = "mutation ($board: ID!, $users: [ID!]!) {
      delete_subscribers_from_board(board_id: $board, user_ids: $users) { id }
    }";

    let reply = boards
        .gql(add, json!({ "board": id, "users": ["1003", "1004"] }))
        .await;
    let added = &reply.data()["add_users_to_board"];
    assert_eq!(ids(added), ["1003", "1004"]);
    assert_eq!(added[0]["email"], "alan.turing@example.com");

    let reply = boards
        .gql(
            add,
            json!({ "board": id, "users": ["1002"], "kind": "owner" }),
        )
        .await;
    assert_eq!(ids(&reply.data()["add_users_to_board"]), ["1002"]);

    let board = read_board(&boards, &id).await;
    assert_eq!(ids(&board["owners"]), ["1001", "1002"]);
    assert_eq!(ids(&board["subscribers"]), ["1001", "1003", "1004", "1002"]);

    let reply = boards
        .gql(remove, json!({ "board": id, "users": ["1002", "1004"] }))
        .await;
    assert_eq!(
        ids(&reply.data()["delete_subscribers_from_board"]),
        ["1002", "1004"]
    );
    let board = read_board(&boards, &id).await;
    assert_eq!(ids(&board["owners"]), ["1001"]);
    assert_eq!(ids(&board["subscribers"]), ["1001", "1003"]);

    // Unknown users, guests as owners and unknown boards are refused.
    let reply = boards
        .gql(add, json!({ "board": id, "users": ["4242"] }))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.code(), "InvalidUserIdException");
    assert_eq!(
        reply.body["errors"][0]["extensions"]["error_data"]["user_id"],
        "4242"
    );
    let reply = boards
        .gql(
            add,
            json!({ "board": id, "users": ["1004"], "kind": "owner" }),
        )
        .await;
    assert_eq!(reply.code(), "InvalidArgumentException");
    let reply = boards
        .gql(remove, json!({ "board": "1", "users": ["1003"] }))
        .await;
    assert_eq!(reply.code(), "InvalidBoardIdException");
    let board = read_board(&boards, &id).await;
    assert_eq!(ids(&board["subscribers"]), ["1001", "1003"]);
}

#[tokio::test]
async fn create_board_refuses_unknown_workspaces_and_users() {
    let boards = Boards::with_defaults();
    let create = "mutation ($ws: ID, $owners: [ID!]) {
      create_board(board_name: \"X\", board_kind: share, workspace_id: $ws, board_owner_ids: $owners) { id }
    }";
    let reply = boards.gql(create, json!({ "ws": "7" })).await;
    assert_eq!(reply.code(), "ResourceNotFoundException");
    let reply = boards
        .gql(create, json!({ "owners": ["1001", "77"] }))
        .await;
    assert_eq!(reply.code(), "InvalidUserIdException");
    let listed = boards.gql("{ boards(state: all) { id } }", json!({})).await;
    assert_eq!(listed.data()["boards"], json!([]));
}
