//! The Custom API Action's guard rails: nothing leaves the origin, the caller cannot take
//! over credentials, and answers come back whole.

use crate::support;

use connector_core::custom::{CustomApiInput, build_custom_request};
use connector_core::{Connection, ErrorKind, StaticToken, custom_api_call};
use httpmock::prelude::*;
use serde_json::json;
use support::{Scripted, reply};

const HOSTILE: &[&str] = &[
    "https://evil.example/api/v1/users",
    "http://evil.example",
    "//evil.example/api/v1/users",
    "///evil.example",
    "\\\\evil.example\\share",
    "/\\evil.example",
    "/api\\..\\..\\etc",
    "api/v1/users",
    "",
    "evil.example/x",
    "/user:pass@evil.example/",
    "@evil.example/x",
    "/api/v1/../../admin",
    "/api/v1/./users",
    "/..",
    "/api/%2e%2e/%2e%2e/admin",
    "/api/%2E%2E/admin",
    "/api/.%2e/admin",
    "/api/v1%2fusers",
    "/api/v1%2Fusers",
    "/api/v1%5cusers",
    "/api/v1/users\r\nX-Injected: 1",
    "/api/v1/users\nHost: evil.example",
    "/api/v1/users%0d%0aX-Injected:%201",
    "/api/v1/users\0",
    "/api/v1/users%00",
    "/api/v1/users#fragment",
    "/api/v1/ users",
    "/api/v1/users\t",
    "/api/%zz",
    "/api/%",
    "/api/%252e%252e/admin",
    "javascript:alert(1)",
    "/evil.example:443/x",
    "/api/v1/users?x=%0d%0a",
];

#[tokio::test]
async fn hostile_relative_urls_are_refused_before_anything_is_sent() {
    assert!(HOSTILE.len() >= 25);
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let conn = Connection::builder(&server.base_url())
        .auth(StaticToken::ssws("secret-token"))
        .build()
        .unwrap();
    for hostile in HOSTILE {
        let input = CustomApiInput {
            relative_url: Some((*hostile).to_owned()),
            ..CustomApiInput::default()
        };
        let error = custom_api_call(&conn, &input, None).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{hostile:?} was not refused"
        );
        assert_eq!(error.attempts(), 0);
    }
    any.assert_calls_async(0).await;
}

#[test]
fn ordinary_paths_pass_the_guard() {
    let conn = Connection::builder("https://acme.okta.com")
        .build()
        .unwrap();
    for ok in [
        "/api/v1/users",
        "/api/v1/users?search=profile.role%20eq%20%22Support%22&limit=2",
        "/api/v1/users/00u1/roles",
        "/api/v1/users/a.b%40example.com",
        "/v2",
        "/api/v1/users/..x/..y",
    ] {
        let input = CustomApiInput {
            relative_url: Some(ok.to_owned()),
            ..CustomApiInput::default()
        };
        let request =
            build_custom_request(&conn, &input, None).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(request.url().origin(), conn.base_url().origin());
    }
}

#[tokio::test]
async fn the_caller_cannot_set_authorization_or_host() {
    let conn = Connection::builder("https://acme.okta.com")
        .build()
        .unwrap();
    for header in [
        "Authorization",
        "authorization",
        "Host",
        "Proxy-Authorization",
        "Content-Length",
    ] {
        let input = CustomApiInput {
            relative_url: Some("/api/v1/users".into()),
            headers: Some([(header.to_owned(), "SSWS stolen".to_owned())].into()),
            ..CustomApiInput::default()
        };
        let error = build_custom_request(&conn, &input, None).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{header}");
        assert!(error.message().contains(header), "{error}");
    }
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let elsewhere = Scripted::start(vec![reply(200, &[], "{}")]).await;
    let origin = Scripted::start(vec![reply(
        302,
        &[("location", &format!("{}/stolen", elsewhere.url))],
        "",
    )])
    .await;
    let conn = Connection::builder(&origin.url)
        .auth(StaticToken::ssws("secret-token"))
        .build()
        .unwrap();
    let input = CustomApiInput {
        relative_url: Some("/api/v1/users".into()),
        ..CustomApiInput::default()
    };
    let error = custom_api_call(&conn, &input, None).await.unwrap_err();
    assert_eq!(error.status(), Some(302));
    assert_eq!(
        elsewhere.hits(),
        0,
        "the redirect to another origin must not be followed"
    );
    assert_eq!(
        origin.seen()[0].header("authorization"),
        Some("SSWS secret-token")
    );
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_credentials() {
    let server = Scripted::start(vec![
        reply(301, &[("location", "/api/v1/users/moved")], ""),
        reply(
            200,
            &[("content-type", "application/json")],
            r#"{"id":"00u1"}"#,
        ),
    ])
    .await;
    let conn = Connection::builder(&server.url)
        .auth(StaticToken::ssws("secret-token"))
        .build()
        .unwrap();
    let input = CustomApiInput {
        relative_url: Some("/api/v1/users/old".into()),
        ..CustomApiInput::default()
    };
    let output = custom_api_call(&conn, &input, None).await.unwrap();
    assert_eq!(output.status_code, 200);
    assert_eq!(output.body, json!({"id": "00u1"}));
    assert_eq!(server.seen()[1].path, "/api/v1/users/moved");
    assert_eq!(
        server.seen()[1].header("authorization"),
        Some("SSWS secret-token")
    );
}

#[tokio::test]
async fn method_query_headers_and_body_are_sent_as_given() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00u1/roles")
                .query_param("disableNotifications", "true")
                .header("authorization", "SSWS secret-token")
                .header("x-custom", "yes")
                .header("content-type", "application/json")
                .json_body(json!({"type": "HELP_DESK_ADMIN"}));
            then.status(201)
                .header("content-type", "application/json")
                .header("x-okta-request-id", "req-9")
                .json_body(json!({"id": "ra1", "type": "HELP_DESK_ADMIN"}));
        })
        .await;
    let conn = Connection::builder(&server.base_url())
        .auth(StaticToken::ssws("secret-token"))
        .build()
        .unwrap();
    let input: CustomApiInput = serde_json::from_value(json!({
        "method": "post",
        "relativeUrl": "/api/v1/users/00u1/roles",
        "query": {"disableNotifications": true},
        "headers": {"X-Custom": "yes"},
        "body": {"type": "HELP_DESK_ADMIN"}
    }))
    .unwrap();
    let output = custom_api_call(&conn, &input, None).await.unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(output.status_code, 201);
    assert_eq!(output.headers["x-okta-request-id"], "req-9");
    assert_eq!(output.body["id"], "ra1");
}

#[tokio::test]
async fn a_non_2xx_answer_is_an_error_that_keeps_status_headers_and_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(404)
                .header("x-trace", "t1")
                .json_body(json!({"errorCode": "E0000007"}));
        })
        .await;
    let conn = Connection::builder(&server.base_url()).build().unwrap();
    let input = CustomApiInput {
        relative_url: Some("/api/v1/users/nobody".into()),
        ..CustomApiInput::default()
    };
    let error = custom_api_call(&conn, &input, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let response = error.response().expect("the answer is kept");
    assert_eq!(response.status_code, 404);
    assert_eq!(response.headers["x-trace"], "t1");
    assert_eq!(response.body["errorCode"], "E0000007");
}

#[tokio::test]
async fn a_default_path_makes_post_to_it_when_relative_url_is_omitted() {
    let conn = Connection::builder("https://api.monday.com/v2")
        .build()
        .unwrap();
    let input = CustomApiInput {
        body: Some(json!({"query": "{ me { id } }"})),
        ..CustomApiInput::default()
    };
    let request = build_custom_request(&conn, &input, Some("/v2")).unwrap();
    assert_eq!(request.method().as_str(), "POST");
    assert_eq!(request.url().as_str(), "https://api.monday.com/v2");
}
