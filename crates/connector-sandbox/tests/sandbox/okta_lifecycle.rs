//! The Okta emulator's user lifecycle, as Okta documents it: every status change, the
//! error code of an operation from the wrong status, the partial update, deletion, sign-ins
//! (`lastLogin`) and sessions; every request and answer checked against Okta's OpenAPI
//! document (skipped, with a line on stderr, when `shared/specs` is absent).

use crate::common;

use common::*;
use connector_sandbox::OktaEmulator;
use serde_json::{Value, json};

/// Sends a request (validated against the document first, when it is there) and validates
/// the answer; returns status, body and the `Link` next URL.
pub(crate) async fn call(
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
    if let (Some(spec), true) = (spec, status != 204 && !value.is_null()) {
        spec.validate_response(method, path, status, &value)
            .unwrap_or_else(|e| panic!("{method} {path} -> {status} {value}\n{e:#?}"));
    }
    (status, value, next)
}

/// Creates a user (activated or staged), with a password so that activation makes it ACTIVE.
pub(crate) async fn new_user(okta: &OktaEmulator, login: &str, activate: bool) -> String {
    let body = json!({"profile": profile(login), "credentials": {"password": {"value": "correct-horse-9"}}});
    let (status, user, _) = call(
        okta,
        "POST",
        &format!("/api/v1/users?activate={activate}"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    user["id"].as_str().unwrap().to_owned()
}

async fn lifecycle(okta: &OktaEmulator, id: &str, op: &str) -> (u16, Value) {
    // Only the operations that email take `sendEmail` (the document declares it there).
    let query = match op {
        "activate" | "reactivate" | "deactivate" | "reset_password" => "?sendEmail=false",
        _ => "",
    };
    let path = format!("/api/v1/users/{id}/lifecycle/{op}{query}");
    let (status, body, _) = call(okta, "POST", &path, None).await;
    (status, body)
}

fn status_of(okta: &OktaEmulator, id: &str) -> String {
    okta.user(id).unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_user_walks_okta_s_lifecycle_and_the_wrong_status_is_refused_with_okta_s_codes() {
    let okta = okta().await;
    let id = new_user(&okta, "walker@example.com", false).await;
    assert_eq!(status_of(&okta, &id), "STAGED");

    // STAGED: suspending is refused (400 E0000001), activating works.
    let (status, error) = lifecycle(&okta, &id, "suspend").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001")),
        "{error}"
    );
    let (status, token) = lifecycle(&okta, &id, "activate").await;
    assert_eq!(status, 200, "{token}");
    assert!(
        token["activationUrl"]
            .as_str()
            .unwrap()
            .contains("/tokens/")
    );
    assert_eq!(status_of(&okta, &id), "ACTIVE");

    // ACTIVE: activating again is refused (403 E0000016), unsuspending too (400 E0000001).
    let (status, error) = lifecycle(&okta, &id, "activate").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (403, Some("E0000016")),
        "{error}"
    );
    let (status, error) = lifecycle(&okta, &id, "unsuspend").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001")),
        "{error}"
    );

    // ACTIVE -> SUSPENDED -> ACTIVE.
    assert_eq!(lifecycle(&okta, &id, "suspend").await.0, 200);
    assert_eq!(status_of(&okta, &id), "SUSPENDED");
    let (status, error) = lifecycle(&okta, &id, "suspend").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001")),
        "{error}"
    );
    assert_eq!(lifecycle(&okta, &id, "unsuspend").await.0, 200);
    assert_eq!(status_of(&okta, &id), "ACTIVE");

    // ACTIVE -> DEPROVISIONED; deactivating again is refused (403 E0000038).
    assert_eq!(lifecycle(&okta, &id, "deactivate").await.0, 200);
    assert_eq!(status_of(&okta, &id), "DEPROVISIONED");
    let (status, error) = lifecycle(&okta, &id, "deactivate").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (403, Some("E0000038")),
        "{error}"
    );
    let (status, error) = lifecycle(&okta, &id, "unsuspend").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001")),
        "{error}"
    );

    // DEPROVISIONED -> deleted: gone for good.
    let (status, _, _) = call(&okta, "DELETE", &format!("/api/v1/users/{id}"), None).await;
    assert_eq!(status, 204);
    assert!(okta.user(&id).is_none());
    let (status, error, _) = call(&okta, "GET", &format!("/api/v1/users/{id}"), None).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (404, Some("E0000007"))
    );
    let (status, _) = lifecycle(&okta, &id, "activate").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn deleting_an_active_user_deactivates_it_first_as_okta_does() {
    let okta = okta().await;
    let id = new_user(&okta, "twice@example.com", true).await;
    let path = format!("/api/v1/users/{id}");
    assert_eq!(call(&okta, "DELETE", &path, None).await.0, 204);
    assert_eq!(status_of(&okta, &id), "DEPROVISIONED");
    assert_eq!(call(&okta, "DELETE", &path, None).await.0, 204);
    assert!(okta.user(&id).is_none());
    // The login is free again.
    new_user(&okta, "twice@example.com", true).await;
}

#[tokio::test]
async fn the_other_lifecycle_operations_change_what_okta_says_they_change() {
    let okta = okta().await;
    let id = new_user(&okta, "other@example.com", true).await;
    let (status, user) = lifecycle(&okta, &id, "expire_password").await;
    assert_eq!(
        (status, user["status"].as_str()),
        (200, Some("PASSWORD_EXPIRED"))
    );
    let (status, reset) = lifecycle(&okta, &id, "reset_password").await;
    assert_eq!(status, 200);
    assert!(reset["resetPasswordUrl"].is_string(), "{reset}");
    assert_eq!(status_of(&okta, &id), "RECOVERY");
    assert_eq!(lifecycle(&okta, &id, "reset_factors").await.0, 200);
    let (status, error) = lifecycle(&okta, &id, "unlock").await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (403, Some("E0000032"))
    );
    // A locked-out user (failed sign-ins) is unlocked back to ACTIVE.
    let locked = new_user(&okta, "locked@example.com", true).await;
    let url = format!("{}/__sandbox/okta/users/{locked}/lock-out", okta.base_url());
    assert_eq!(
        http().post(url).send().await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(status_of(&okta, &locked), "LOCKED_OUT");
    assert_eq!(lifecycle(&okta, &locked, "unlock").await.0, 200);
    assert_eq!(status_of(&okta, &locked), "ACTIVE");
    // Okta's document requires sendEmail on a password reset.
    let path = format!("/api/v1/users/{id}/lifecycle/reset_password");
    let response = http()
        .post(format!("{}{path}", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // A user without a password becomes PROVISIONED, which reactivate keeps.
    let (_, staged, _) = call(
        &okta,
        "POST",
        "/api/v1/users?activate=false",
        Some(json!({"profile": profile("nopass@example.com")})),
    )
    .await;
    let staged = staged["id"].as_str().unwrap().to_owned();
    assert_eq!(lifecycle(&okta, &staged, "activate").await.0, 200);
    assert_eq!(status_of(&okta, &staged), "PROVISIONED");
    let (status, token) = lifecycle(&okta, &staged, "reactivate").await;
    assert_eq!(status, 200);
    assert!(token["activationToken"].is_string());
}

#[tokio::test]
async fn an_update_sets_the_attributes_given_and_keeps_the_others() {
    let okta = okta().await;
    let id = new_user(&okta, "partial@example.com", true).await;
    let body = json!({"profile": {"department": "Sales", "lastName": "Renamed"}});
    let (status, user, _) = call(&okta, "POST", &format!("/api/v1/users/{id}"), Some(body)).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["profile"]["department"], "Sales");
    assert_eq!(user["profile"]["lastName"], "Renamed");
    assert_eq!(user["profile"]["login"], "partial@example.com");
    assert_eq!(user["profile"]["firstName"], "Test");
    // A login another user has is refused.
    new_user(&okta, "taken@example.com", true).await;
    let body = json!({"profile": {"login": "taken@example.com"}});
    let (status, error, _) = call(&okta, "POST", &format!("/api/v1/users/{id}"), Some(body)).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000001"))
    );
}

#[tokio::test]
async fn a_sign_in_sets_last_login_and_clearing_sessions_ends_them() {
    let okta = okta().await;
    let id = new_user(&okta, "signer@example.com", true).await;
    assert_eq!(okta.user(&id).unwrap()["lastLogin"], Value::Null);
    let sign_in = |id: String| {
        let url = format!("{}/__sandbox/okta/users/{id}/sign-in", okta.base_url());
        async move { http().post(url).send().await.unwrap() }
    };
    let answer = sign_in(id.clone()).await;
    assert_eq!(answer.status().as_u16(), 200);
    let user = okta.user(&id).unwrap();
    let last_login = user["lastLogin"].as_str().unwrap();
    assert!(
        last_login.ends_with('Z') && last_login.len() == 24,
        "{last_login}"
    );
    assert_eq!(okta.user_sessions(&id), Some(1));
    // lastLogin is searchable, as on Okta.
    let (_, found, _) = call(
        &okta,
        "GET",
        "/api/v1/users?search=lastLogin%20gt%20%222000-01-01T00%3A00%3A00.000Z%22",
        None,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let path = format!("/api/v1/users/{id}/sessions?oauthTokens=true");
    assert_eq!(call(&okta, "DELETE", &path, None).await.0, 204);
    assert_eq!(okta.user_sessions(&id), Some(0));
    // A suspended user cannot sign in.
    lifecycle(&okta, &id, "suspend").await;
    assert_eq!(sign_in(id).await.status().as_u16(), 401);
}
