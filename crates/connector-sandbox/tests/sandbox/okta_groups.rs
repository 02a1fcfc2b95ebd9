//! The Okta emulator's groups and memberships: behaviour, paging, and every answer checked
//! against Okta's own OpenAPI document (skipped, with a line on stderr, when
//! `shared/specs` is absent).

use crate::common;

use common::*;
use connector_sandbox::{OktaEmulator, UserSeed};
use serde_json::{Value, json};

/// Sends a request (validated against the document first, when it is there) and validates
/// the answer; returns status, body and the `Link` next URL.
async fn call(
    okta: &OktaEmulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let spec = spec_check::okta();
    if let Some(spec) = spec {
        spec.validate_request(method, path, body.as_ref())
            .unwrap_or_else(|e| panic!("{method} {path} departs from the document: {e:?}"));
    }
    let mut request = http()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", okta.base_url()),
        )
        .header("Authorization", ssws(okta));
    if let Some(body) = &body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let next = next_link(response.headers());
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    if let (Some(spec), false) = (spec, status == 204) {
        spec.validate_response(method, path, status, &value)
            .unwrap_or_else(|e| panic!("{method} {path} -> {status} {value}\n{e:#?}"));
    }
    (status, value, next)
}

#[tokio::test]
async fn groups_and_memberships_answer_as_the_openapi_document_says() {
    let okta = okta().await;
    let users = okta.seed_users(&UserSeed::new(3));
    let user = users.first_id.clone().unwrap();

    let body = json!({"profile": {"name": "Support", "description": "The help desk"}});
    let (status, group, _) = call(&okta, "POST", "/api/v1/groups", Some(body.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(group["type"], "OKTA_GROUP");
    assert_eq!(group["profile"]["name"], "Support");
    let id = group["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("00g") && id.len() == 20, "{id}");
    // A second group with the same name, or one without a name, is refused.
    assert_eq!(
        call(&okta, "POST", "/api/v1/groups", Some(body)).await.0,
        400
    );
    let (status, error, _) = call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {}})),
    )
    .await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001"))
    );

    let (status, read, _) = call(&okta, "GET", &format!("/api/v1/groups/{id}"), None).await;
    assert_eq!((status, &read["id"]), (200, &json!(id)));
    let (status, error, _) = call(&okta, "GET", "/api/v1/groups/00gnothere0000000000", None).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (404, Some("E0000007"))
    );

    let member = format!("/api/v1/groups/{id}/users/{user}");
    assert_eq!(call(&okta, "PUT", &member, None).await.0, 204);
    assert_eq!(
        call(&okta, "PUT", &member, None).await.0,
        204,
        "adding again is no error"
    );
    let (status, members, _) =
        call(&okta, "GET", &format!("/api/v1/groups/{id}/users"), None).await;
    assert_eq!(status, 200);
    assert_eq!(members.as_array().map(Vec::len), Some(1));
    assert_eq!(members[0]["id"], json!(user));
    let missing_user = format!("/api/v1/groups/{id}/users/00unothere0000000000");
    assert_eq!(call(&okta, "PUT", &missing_user, None).await.0, 404);
    assert_eq!(call(&okta, "DELETE", &member, None).await.0, 204);
    let (_, members, _) = call(&okta, "GET", &format!("/api/v1/groups/{id}/users"), None).await;
    assert_eq!(members, json!([]));

    call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {"name": "Sales"}})),
    )
    .await;
    let search = "/api/v1/groups?search=profile.name%20eq%20%22Sales%22";
    let (status, found, _) = call(&okta, "GET", search, None).await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["profile"]["name"], "Sales");
    let (_, by_prefix, _) = call(&okta, "GET", "/api/v1/groups?q=sup", None).await;
    assert_eq!(by_prefix[0]["id"], json!(id));
}

#[tokio::test]
async fn members_and_groups_page_with_link_headers() {
    let okta = okta().await;
    okta.seed_users(&UserSeed::new(5));
    let (_, group, _) = call(
        &okta,
        "POST",
        "/api/v1/groups",
        Some(json!({"profile": {"name": "All"}})),
    )
    .await;
    let id = group["id"].as_str().unwrap().to_owned();
    let (_, users, _) = call(&okta, "GET", "/api/v1/users", None).await;
    for user in users.as_array().unwrap() {
        let path = format!("/api/v1/groups/{id}/users/{}", user["id"].as_str().unwrap());
        assert_eq!(call(&okta, "PUT", &path, None).await.0, 204);
    }
    let mut next = Some(format!("/api/v1/groups/{id}/users?limit=2"));
    let mut sizes = Vec::new();
    for _ in 0..10 {
        let Some(path) = next.take() else { break };
        let path = path.trim_start_matches(&okta.base_url()).to_owned();
        let (status, page, link) = call(&okta, "GET", &path, None).await;
        assert_eq!(status, 200);
        sizes.push(page.as_array().map_or(0, Vec::len));
        next = link;
    }
    assert_eq!(sizes, [2, 2, 1]);
    for name in ["B", "C"] {
        call(
            &okta,
            "POST",
            "/api/v1/groups",
            Some(json!({"profile": {"name": name}})),
        )
        .await;
    }
    let (_, first, link) = call(&okta, "GET", "/api/v1/groups?limit=2", None).await;
    assert_eq!(first.as_array().map(Vec::len), Some(2));
    let link = link.expect("a next link after a full page");
    let (_, second, link) = call(
        &okta,
        "GET",
        link.trim_start_matches(&okta.base_url()),
        None,
    )
    .await;
    assert_eq!((second.as_array().map(Vec::len), link), (Some(1), None));
}
