//! The Okta group actions generated from Okta's OpenAPI document, against the Okta
//! emulator: through the action registry (JSON in, JSON out) and the typed methods,
//! including `Link` paging of a group's members.

use crate::common;

use connector_core::{Connector, Env, ErrorKind};
use connector_okta::generated::ListGroupMembersInput;
use connector_sandbox::UserSeed;
use serde_json::{Value, json};

fn env(sandbox: &connector_sandbox::Sandbox) -> Env {
    Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ])
}

#[tokio::test]
async fn group_actions_create_read_search_and_manage_members_on_the_sandbox() {
    let sandbox = common::sandbox().await;
    let seeded = sandbox.okta().seed_users(&UserSeed::new(2));
    let user = seeded.first_id.clone().unwrap();
    let session = connector_okta::connector().connect(&env(&sandbox)).unwrap();
    let run = |action: &'static str, input: Value| {
        let session = &session;
        async move { session.run(action, input).await }
    };

    let group = run(
        "create-group",
        json!({"profile": {"name": "Support", "description": "Help desk"}}),
    )
    .await
    .unwrap();
    assert_eq!(group["profile"]["name"], "Support");
    assert_eq!(group["type"], "OKTA_GROUP");
    let id = group["id"].as_str().unwrap().to_owned();
    let read = run("read-group", json!({"groupId": id})).await.unwrap();
    assert_eq!(read["id"], json!(id));
    // Fields the document does not name are kept (the emulator's `_links.logo` has one).
    assert_eq!(read, group);

    let added = run("add-user-to-group", json!({"groupId": id, "userId": user}))
        .await
        .unwrap();
    assert_eq!(added, json!({"status": 204}));
    run("add-user-to-group", json!({"groupId": id, "userId": user}))
        .await
        .unwrap();
    let members = run("list-group-members", json!({"groupId": id}))
        .await
        .unwrap();
    assert_eq!(members.as_array().map(Vec::len), Some(1));
    assert_eq!(members[0]["id"], json!(user));

    let found = run(
        "list-groups",
        json!({"search": "profile.name eq \"Support\""}),
    )
    .await
    .unwrap();
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["id"], json!(id));
    assert_eq!(
        run("list-groups", json!({"q": "nob"})).await.unwrap(),
        json!([])
    );

    let removed = run(
        "remove-user-from-group",
        json!({"groupId": id, "userId": user}),
    )
    .await
    .unwrap();
    assert_eq!(removed, json!({"status": 204}));
    assert_eq!(
        run("list-group-members", json!({"groupId": id}))
            .await
            .unwrap(),
        json!([])
    );

    let error = run("read-group", json!({"groupId": "00gnothere0000000000"}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.code()),
        (ErrorKind::NotFound, Some("E0000007"))
    );
    let error = run("add-user-to-group", json!({"groupId": id}))
        .await
        .unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::InvalidInput,
        "userId is required: {error}"
    );
    let error = run("read-group", json!({"groupId": id, "extra": 1}))
        .await
        .unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::InvalidInput,
        "unknown fields are refused: {error}"
    );
}

#[tokio::test]
async fn paging_250_members_with_limit_100_takes_3_pages() {
    let sandbox = common::sandbox().await;
    sandbox.okta().seed_users(&UserSeed::new(250));
    let okta = common::okta(&sandbox);
    let session = connector_okta::connector().connect(&env(&sandbox)).unwrap();
    let group = session
        .run(
            "create-group",
            json!({"profile": {"name": "Everyone seeded"}}),
        )
        .await
        .unwrap();
    let id = group["id"].as_str().unwrap().to_owned();
    let users = okta
        .search_users(&connector_okta::SearchUsersInput::all())
        .await
        .unwrap();
    assert_eq!(users.len(), 250);
    for user in &users {
        session
            .run(
                "add-user-to-group",
                json!({"groupId": id, "userId": user.id}),
            )
            .await
            .unwrap();
    }

    sandbox.okta().reset_stats();
    let input = ListGroupMembersInput {
        group_id: id.clone(),
        after: None,
        limit: Some(100),
        max: None,
    };
    let mut pages = okta.list_group_members_pages(&input).unwrap();
    let mut sizes = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..10 {
        let Some(page) = pages.next_page().await.unwrap() else {
            break;
        };
        sizes.push(page.len());
        ids.extend(page.into_iter().filter_map(|u| u.id));
    }
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(sandbox.okta().stats().requests, 3, "one request per page");
    let expected: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids, expected, "every member once, in the order added");

    // The action collects the same pages; `max` stops early without a fourth request.
    let all = session
        .run("list-group-members", json!({"groupId": id, "limit": 100}))
        .await
        .unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(250));
    sandbox.okta().reset_stats();
    let some = session
        .run(
            "list-group-members",
            json!({"groupId": id, "limit": 100, "max": 150}),
        )
        .await
        .unwrap();
    assert_eq!(some.as_array().map(Vec::len), Some(150));
    assert_eq!(sandbox.okta().stats().requests, 2);
}
