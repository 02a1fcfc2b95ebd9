//! Users: by ids, by emails, by fuzzy or exact name, by kind, page by page, and `me`.

use crate::boards_support;

use boards_support::{Boards, ids};
use connector_sandbox::boards::BoardsConfig;
use serde_json::json;

const SEARCH: &str = "query ($ids: [ID!], $emails: [String!], $name: String, $kind: UserKind, $limit: Int, $page: Int) {
  users(ids: $ids, emails: $emails, name: $name, kind: $kind, limit: $limit, page: $page) { id name email }
}";

async fn search(boards: &Boards, variables: serde_json::Value) -> Vec<String> {
    let reply = boards.gql(SEARCH, variables).await;
    ids(&reply.data()["users"])
}

#[tokio::test]
async fn reads_users_by_id_with_the_fields_both_versions_have() {
    let boards = Boards::with_defaults();
    let reply = boards
        .gql(
            "query ($ids: [ID!]) { users(ids: $ids) {
               id name email title url created_at kind status is_email_confirmed
               became_active_at photo_url { thumb } department { name } phone mobile_phone
               time_zone_identifier teams { id name }
             } }",
            json!({ "ids": ["1002", "1005"] }),
        )
        .await;
    let users = &reply.data()["users"];
    assert_eq!(ids(users), ["1002", "1005"]);
    let grace = &users[0];
    assert_eq!(grace["name"], "Grace Hopper");
    assert_eq!(grace["email"], "grace.hopper@example.com");
    assert_eq!(grace["kind"], "member");
    assert_eq!(grace["status"], "ACTIVE");
    assert_eq!(grace["is_email_confirmed"], true);
    assert_eq!(grace["department"]["name"], "Engineering");
    assert_eq!(
        grace["teams"],
        json!([{ "id": "501", "name": "Engineering" }])
    );
    assert_eq!(grace["time_zone_identifier"], "America/New_York");
    assert!(
        grace["url"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/users/1002")
    );
    let pending = &users[1];
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["is_email_confirmed"], false);
    assert_eq!(pending["became_active_at"], serde_json::Value::Null);
    assert_eq!(pending["photo_url"], serde_json::Value::Null);
}

#[tokio::test]
async fn finds_users_by_email_ignoring_case() {
    let boards = Boards::with_defaults();
    let found = search(&boards, json!({ "emails": ["Alan.Turing@Example.com"] })).await;
    assert_eq!(found, ["1003"]);
    let none = search(&boards, json!({ "emails": ["nobody@example.com"] })).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn name_is_fuzzy_alone_and_exact_with_kind_or_emails() {
    let boards = Boards::with_defaults();
    assert_eq!(search(&boards, json!({ "name": "HOP" })).await, ["1002"]);
    assert_eq!(search(&boards, json!({ "name": "urin" })).await, ["1003"]);
    assert_eq!(search(&boards, json!({ "name": "a" })).await.len(), 5);

    assert!(
        search(&boards, json!({ "name": "hop", "kind": "all" }))
            .await
            .is_empty()
    );
    assert_eq!(
        search(&boards, json!({ "name": "grace hopper", "kind": "all" })).await,
        ["1002"]
    );
    assert!(
        search(
            &boards,
            json!({ "name": "Grace", "emails": ["grace.hopper@example.com"] })
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn filters_by_kind() {
    let boards = Boards::with_defaults();
    assert_eq!(search(&boards, json!({ "kind": "guests" })).await, ["1004"]);
    assert_eq!(
        search(&boards, json!({ "kind": "non_guests" })).await,
        ["1001", "1002", "1003", "1005"]
    );
    assert_eq!(
        search(&boards, json!({ "kind": "non_pending" })).await,
        ["1001", "1002", "1003", "1004"]
    );
    assert_eq!(search(&boards, json!({ "kind": "all" })).await.len(), 5);
}

#[tokio::test]
async fn pages_through_generated_users() {
    let mut config = BoardsConfig::default();
    config.generated_users = 10;
    let boards = Boards::new(config);
    let more = boards.state.seed_users(2);
    assert_eq!(more, ["1016", "1017"]);

    let mut all = Vec::new();
    for page in 1..=5 {
        let found = search(&boards, json!({ "limit": 4, "page": page })).await;
        assert_eq!(found.len(), if page < 5 { 4 } else { 1 }, "page {page}");
        all.extend(found);
    }
    assert_eq!(all.len(), 17);
    assert_eq!(
        search(&boards, json!({ "name": "sandbox user 1016" })).await,
        ["1016"]
    );
}

#[tokio::test]
async fn unknown_ids_find_nothing_and_bad_limits_are_errors() {
    let boards = Boards::with_defaults();
    assert!(search(&boards, json!({ "ids": ["9999"] })).await.is_empty());
    let reply = boards.gql(SEARCH, json!({ "limit": 0 })).await;
    assert_eq!(reply.code(), "InvalidArgumentException");
    assert_eq!(reply.body["data"], json!({ "users": null }));
}

#[tokio::test]
async fn me_is_the_token_owner() {
    let boards = Boards::with_defaults();
    let reply = boards.gql("{ me { id name kind } }", json!({})).await;
    assert_eq!(
        reply.data()["me"],
        json!({ "id": "1001", "name": "Ada Lovelace", "kind": "admin" })
    );
}
