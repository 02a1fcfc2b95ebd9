//! The cards of Okta's own templates against the Okta emulator, through the action registry
//! (JSON in, JSON out): each changes what Okta says it changes, the lists read every page,
//! and an operation from the wrong status fails with Okta's code and the kind it maps to.

use crate::common;

use connector_core::{Connector, Env, ErrorKind};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};

fn env(sandbox: &Sandbox) -> Env {
    Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ])
}

async fn run(sandbox: &Sandbox, action: &str, input: Value) -> connector_core::Result<Value> {
    let session = connector_okta::connector().connect(&env(sandbox)).unwrap();
    session.run(action, input).await
}

async fn ok(sandbox: &Sandbox, action: &str, input: Value) -> Value {
    run(sandbox, action, input)
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"))
}

fn status(sandbox: &Sandbox, id: &str) -> String {
    sandbox.okta().user(id).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn staged_user(sandbox: &Sandbox, login: &str) -> String {
    let user = ok(
        sandbox,
        "create-user",
        json!({"profile": {"login": login, "email": login, "firstName": "Card", "lastName": "User"},
               "activate": false, "password": "correct-horse-9"}),
    )
    .await;
    user["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_lifecycle_cards_walk_a_user_from_staged_to_deleted() {
    let sandbox = common::sandbox().await;
    let id = staged_user(&sandbox, "cards@example.com").await;
    assert_eq!(status(&sandbox, &id), "STAGED");
    let error = run(&sandbox, "suspend-user", json!({"id": id}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.code()),
        (ErrorKind::InvalidInput, Some("E0000001"))
    );
    let token = ok(
        &sandbox,
        "activate-user",
        json!({"id": "cards@example.com"}),
    )
    .await;
    assert!(token["activationUrl"].is_string(), "{token}");
    assert_eq!(status(&sandbox, &id), "ACTIVE");
    let error = run(&sandbox, "activate-user", json!({"id": id}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.code()),
        (ErrorKind::PermissionDenied, Some("E0000016"))
    );
    ok(&sandbox, "suspend-user", json!({"id": id})).await;
    assert_eq!(status(&sandbox, &id), "SUSPENDED");
    ok(&sandbox, "unsuspend-user", json!({"id": id})).await;
    assert_eq!(status(&sandbox, &id), "ACTIVE");
    ok(&sandbox, "expire-password", json!({"id": id})).await;
    assert_eq!(status(&sandbox, &id), "PASSWORD_EXPIRED");
    let reset = ok(
        &sandbox,
        "reset-password",
        json!({"id": id, "sendEmail": false}),
    )
    .await;
    assert!(reset["resetPasswordUrl"].is_string(), "{reset}");
    assert_eq!(status(&sandbox, &id), "RECOVERY");
    ok(&sandbox, "reset-factors", json!({"id": id})).await;
    let error = run(&sandbox, "unlock-user", json!({"id": id}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.code()),
        (ErrorKind::PermissionDenied, Some("E0000032"))
    );
    ok(&sandbox, "deactivate-user", json!({"id": id})).await;
    assert_eq!(status(&sandbox, &id), "DEPROVISIONED");
    let error = run(&sandbox, "deactivate-user", json!({"id": id}))
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.code()),
        (ErrorKind::PermissionDenied, Some("E0000038"))
    );
    let out = ok(&sandbox, "delete-user", json!({"id": id})).await;
    assert_eq!(
        out,
        json!({"id": id, "deactivated": false, "deleted": true})
    );
    assert!(sandbox.okta().user(&id).is_none());

    // A user who never signed up: activation leaves it PROVISIONED, reactivation works.
    let user = ok(
        &sandbox,
        "create-user",
        json!({"profile": {"login": "later@example.com", "email": "later@example.com", "firstName": "L", "lastName": "U"}, "activate": false}),
    )
    .await;
    let later = user["id"].as_str().unwrap().to_owned();
    ok(&sandbox, "activate-user", json!({"id": later})).await;
    assert_eq!(status(&sandbox, &later), "PROVISIONED");
    let token = ok(&sandbox, "reactivate-user", json!({"id": later})).await;
    assert!(token["activationToken"].is_string(), "{token}");
    // delete-user of an active user: deactivated first, then gone.
    let active = staged_user(&sandbox, "active@example.com").await;
    ok(&sandbox, "activate-user", json!({"id": active})).await;
    let out = ok(&sandbox, "delete-user", json!({"id": "active@example.com"})).await;
    assert_eq!(out["deactivated"], true);
    assert!(sandbox.okta().user(&active).is_none());
}

#[tokio::test]
async fn update_list_sessions_and_groups_cards_change_the_org() {
    let sandbox = common::sandbox().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = staged_user(&sandbox, &format!("list{i}@example.com")).await;
        ok(&sandbox, "activate-user", json!({"id": id})).await;
        ids.push(id);
    }
    let updated = ok(
        &sandbox,
        "update-user",
        json!({"id": ids[0], "profile": {"department": "Sales"}}),
    )
    .await;
    assert_eq!(updated["profile"]["department"], "Sales");
    assert_eq!(updated["profile"]["login"], "list0@example.com");
    // Three pages of two.
    let all = ok(
        &sandbox,
        "list-users",
        json!({"filter": "status eq \"ACTIVE\"", "limit": 2}),
    )
    .await;
    assert_eq!(all.as_array().map(Vec::len), Some(5), "{all}");
    let some = ok(&sandbox, "list-users", json!({"limit": 2, "max": 3})).await;
    assert_eq!(some.as_array().map(Vec::len), Some(3));
    let sales = ok(
        &sandbox,
        "list-users",
        json!({"search": "profile.department eq \"Sales\""}),
    )
    .await;
    assert_eq!(sales[0]["id"], json!(ids[0]));

    let url = format!(
        "{}/__sandbox/okta/users/{}/sign-in",
        sandbox.okta().base_url(),
        ids[1]
    );
    reqwest::Client::new().post(url).send().await.unwrap();
    assert_eq!(sandbox.okta().user_sessions(&ids[1]), Some(1));
    let cleared = ok(
        &sandbox,
        "clear-user-sessions",
        json!({"userId": ids[1], "oauthTokens": true}),
    )
    .await;
    assert_eq!(cleared, json!({"status": 204}));
    assert_eq!(sandbox.okta().user_sessions(&ids[1]), Some(0));

    let group = ok(
        &sandbox,
        "create-group",
        json!({"profile": {"name": "Team", "description": "d"}}),
    )
    .await;
    let group = group["id"].as_str().unwrap().to_owned();
    ok(
        &sandbox,
        "add-user-to-group",
        json!({"groupId": group, "userId": ids[2]}),
    )
    .await;
    let groups = ok(
        &sandbox,
        "list-user-groups",
        json!({"id": "list2@example.com"}),
    )
    .await;
    assert_eq!(groups[0]["id"], json!(group));
    let renamed = ok(
        &sandbox,
        "update-group",
        json!({"groupId": group, "profile": {"name": "Crew"}}),
    )
    .await;
    assert_eq!(renamed["profile"], json!({"name": "Crew"}));
    let deleted = ok(&sandbox, "delete-group", json!({"groupId": group})).await;
    assert_eq!(deleted, json!({"status": 204}));
    let groups = ok(&sandbox, "list-user-groups", json!({"id": ids[2]})).await;
    assert_eq!(groups, json!([]));
}

#[tokio::test]
async fn application_cards_assign_list_and_remove() {
    let sandbox = common::sandbox().await;
    let created = ok(
        &sandbox,
        "custom-api-action",
        json!({"method": "POST", "relativeUrl": "/api/v1/apps", "body": {
            "name": "bookmark", "label": "Wiki", "signOnMode": "BOOKMARK",
            "settings": {"app": {"url": "https://wiki.example.com", "requestIntegration": false}}}}),
    )
    .await;
    let app = created["body"]["id"].as_str().unwrap().to_owned();
    for label in ["Wiki 2", "Other"] {
        ok(
            &sandbox,
            "custom-api-action",
            json!({"method": "POST", "relativeUrl": "/api/v1/apps", "body": {
            "name": "bookmark", "label": label, "signOnMode": "BOOKMARK",
            "settings": {"app": {"url": "https://x.example.com"}}}}),
        )
        .await;
    }
    let read = ok(&sandbox, "read-application", json!({"appId": app})).await;
    assert_eq!(
        (read["label"].as_str(), read["signOnMode"].as_str()),
        (Some("Wiki"), Some("BOOKMARK"))
    );
    assert_eq!(read["settings"]["app"]["url"], "https://wiki.example.com");
    let wikis = ok(
        &sandbox,
        "list-applications",
        json!({"q": "wiki", "limit": 1}),
    )
    .await;
    assert_eq!(wikis.as_array().map(Vec::len), Some(2), "{wikis}");
    let mut users = Vec::new();
    for i in 0..3 {
        let id = staged_user(&sandbox, &format!("app{i}@example.com")).await;
        let assigned = ok(
            &sandbox,
            "assign-user-to-application",
            json!({"appId": app, "userId": id}),
        )
        .await;
        assert_eq!(assigned["id"], json!(id));
        users.push(id);
    }
    let listed = ok(
        &sandbox,
        "list-application-users",
        json!({"appId": app, "limit": 2}),
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    let removed = ok(
        &sandbox,
        "remove-user-from-application",
        json!({"appId": app, "userId": users[0]}),
    )
    .await;
    assert_eq!(removed, json!({"status": 204}));
    let listed = ok(&sandbox, "list-application-users", json!({"appId": app})).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    for name in ["G1", "G2", "G3"] {
        let group = ok(&sandbox, "create-group", json!({"profile": {"name": name}})).await;
        let assigned = ok(
            &sandbox,
            "assign-group-to-application",
            json!({"appId": app, "groupId": group["id"]}),
        )
        .await;
        assert_eq!(assigned["id"], group["id"]);
    }
    let groups = ok(
        &sandbox,
        "list-application-groups",
        json!({"appId": app, "limit": 20}),
    )
    .await;
    assert_eq!(groups.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn search_system_log_finds_the_one_deactivation_and_ends_without_until() {
    let sandbox = common::sandbox().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let id = staged_user(&sandbox, &format!("sys{i}@example.com")).await;
        ok(&sandbox, "activate-user", json!({"id": id})).await;
        ids.push(id);
    }
    ok(&sandbox, "deactivate-user", json!({"id": ids[2]})).await;
    ok(&sandbox, "deactivate-user", json!({"id": ids[3]})).await;
    let filter = format!(
        "eventType eq \"user.lifecycle.deactivate\" and target.id eq \"{}\"",
        ids[2]
    );
    let found = ok(&sandbox, "search-system-log", json!({"filter": filter})).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["target"][0]["alternateId"], "sys2@example.com");
    // Every event, two a page, with and without `until`: both end.
    let all = ok(&sandbox, "search-system-log", json!({"limit": 2})).await;
    let bounded = ok(
        &sandbox,
        "search-system-log",
        json!({"limit": 2, "until": "2999-01-01T00:00:00.000Z"}),
    )
    .await;
    assert_eq!(all.as_array().map(Vec::len), Some(10), "{all}");
    assert_eq!(all, bounded);
}
