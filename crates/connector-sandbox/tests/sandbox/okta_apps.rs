//! The Okta emulator's applications, created with Okta's own `POST /api/v1/apps`, and their
//! user and group assignments, checked against Okta's OpenAPI document.

use crate::common;
use crate::okta_lifecycle::{call, new_user};

use common::*;
use connector_sandbox::OktaEmulator;
use serde_json::{Value, json};

pub(crate) async fn bookmark(okta: &OktaEmulator, label: &str) -> String {
    let body = json!({
        "name": "bookmark",
        "label": label,
        "signOnMode": "BOOKMARK",
        "settings": {"app": {"url": "https://wiki.example.com", "requestIntegration": false}},
    });
    let (status, app, _) = call(okta, "POST", "/api/v1/apps", Some(body)).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["status"], "ACTIVE");
    app["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn apps_are_created_read_listed_and_assigned_as_okta_serves_them() {
    let okta = okta().await;
    let wiki = bookmark(&okta, "Wiki").await;
    let body = json!({
        "name": "template_basic_auth",
        "label": "Payroll",
        "signOnMode": "BASIC_AUTH",
        "settings": {"app": {"url": "https://payroll.example.com/login", "authURL": "https://payroll.example.com/auth"}},
    });
    let (status, payroll, _) = call(&okta, "POST", "/api/v1/apps", Some(body)).await;
    assert_eq!(status, 200, "{payroll}");
    let (status, read, _) = call(&okta, "GET", &format!("/api/v1/apps/{wiki}"), None).await;
    assert_eq!((status, read["label"].as_str()), (200, Some("Wiki")));
    let (_, found, _) = call(&okta, "GET", "/api/v1/apps?q=pay", None).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], payroll["id"]);
    let (_, active, _) = call(
        &okta,
        "GET",
        "/api/v1/apps?filter=status%20eq%20%22ACTIVE%22",
        None,
    )
    .await;
    assert_eq!(active.as_array().unwrap().len(), 2);

    let ada = new_user(&okta, "ada@example.com", true).await;
    let body = json!({"id": ada, "scope": "USER"});
    let (status, app_user, _) = call(
        &okta,
        "POST",
        &format!("/api/v1/apps/{wiki}/users"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{app_user}");
    assert_eq!(app_user["id"], json!(ada));
    assert_eq!(app_user["credentials"]["userName"], "ada@example.com");
    let (_, group, _) = call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {"name": "Wiki readers"}})),
    )
    .await;
    let group = group["id"].as_str().unwrap().to_owned();
    let (status, assigned, _) = call(
        &okta,
        "PUT",
        &format!("/api/v1/apps/{wiki}/groups/{group}"),
        Some(json!({"priority": 1})),
    )
    .await;
    assert_eq!(
        (status, assigned["id"].as_str()),
        (200, Some(group.as_str()))
    );
    let (_, groups, _) = call(&okta, "GET", &format!("/api/v1/apps/{wiki}/groups"), None).await;
    assert_eq!(groups.as_array().unwrap().len(), 1);
    let (_, with_ada, _) = call(
        &okta,
        "GET",
        &format!(
            "/api/v1/apps?filter={}",
            encoded(&format!("user.id eq \"{ada}\""))
        ),
        None,
    )
    .await;
    assert_eq!(with_ada.as_array().unwrap().len(), 1, "{with_ada}");

    let path = format!("/api/v1/apps/{wiki}/users/{ada}");
    assert_eq!(call(&okta, "DELETE", &path, None).await.0, 204);
    let (status, error, _) = call(&okta, "DELETE", &path, None).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (404, Some("E0000007"))
    );
    let (_, users, _) = call(&okta, "GET", &format!("/api/v1/apps/{wiki}/users"), None).await;
    assert_eq!(users, json!([]));
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn app_users_page_through_link_headers() {
    let okta = okta().await;
    let app = bookmark(&okta, "Paged").await;
    for i in 0..5 {
        let id = new_user(&okta, &format!("p{i}@example.com"), true).await;
        call(
            &okta,
            "POST",
            &format!("/api/v1/apps/{app}/users"),
            Some(json!({"id": id})),
        )
        .await;
    }
    let mut path = format!("/api/v1/apps/{app}/users?limit=2");
    let mut ids: Vec<Value> = Vec::new();
    for _ in 0..10 {
        let (_, page, next) = call(&okta, "GET", &path, None).await;
        ids.extend(page.as_array().unwrap().iter().map(|u| u["id"].clone()));
        match next {
            Some(next) => path = next.trim_start_matches(&okta.base_url()).to_owned(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn group_update_replaces_the_profile_and_delete_removes_the_group() {
    let okta = okta().await;
    let (_, group, _) = call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {"name": "Old", "description": "d"}})),
    )
    .await;
    let id = group["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/groups/{id}");
    let (status, updated, _) = call(
        &okta,
        "PUT",
        &path,
        Some(json!({"profile": {"name": "New"}})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["profile"], json!({"name": "New"}));
    let user = new_user(&okta, "member@example.com", true).await;
    call(&okta, "PUT", &format!("{path}/users/{user}"), None).await;
    let (_, groups, _) = call(&okta, "GET", &format!("/api/v1/users/{user}/groups"), None).await;
    assert_eq!(groups[0]["id"], json!(id));
    assert_eq!(call(&okta, "DELETE", &path, None).await.0, 204);
    let (status, _, _) = call(&okta, "GET", &path, None).await;
    assert_eq!(status, 404);
    let (_, groups, _) = call(&okta, "GET", &format!("/api/v1/users/{user}/groups"), None).await;
    assert_eq!(groups, json!([]));
}
