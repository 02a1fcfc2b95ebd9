//! The Custom API Action checks the whole request before sending: method, query, headers
//! and the full URL's length. A refusal is `invalid_input` with no attempt made, nothing
//! reaches the server, and the message quotes no more than about 200 bytes of the input.

use crate::support;

use connector_core::custom::{CustomApiInput, MAX_URL_BYTES, build_custom_request};
use connector_core::error::QUOTE_LIMIT;
use connector_core::{Connection, Error, ErrorKind, StaticToken, custom_api_call};
use serde_json::{Value, json};
use support::{Scripted, reply};

/// A refusal as the CLI would print it stays small whatever the input's size.
fn assert_refused(error: &Error, mentions: &str) {
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert_eq!(error.attempts(), 0, "{error}");
    assert!(!error.outcome_unknown());
    let message = error.message();
    assert!(message.contains(mentions), "{message}");
    assert!(
        message.len() < QUOTE_LIMIT + 300,
        "{} bytes: {message}",
        message.len()
    );
}

async fn refused(input: Value, default_path: Option<&str>) -> (Error, usize) {
    let server = Scripted::start(vec![reply(200, &[], "{}")]).await;
    let conn = Connection::builder(&server.url)
        .auth(StaticToken::ssws("secret-token"))
        .build()
        .unwrap();
    let input: CustomApiInput = serde_json::from_value(input).unwrap();
    let error = custom_api_call(&conn, &input, default_path)
        .await
        .expect_err("the request is refused");
    (error, server.hits())
}

#[tokio::test]
async fn a_100_kb_query_is_refused_before_sending_with_a_short_message() {
    let big = "x".repeat(100 * 1024);
    let (error, hits) = refused(
        json!({"relativeUrl": "/api/v1/users", "query": {"search": big}}),
        None,
    )
    .await;
    assert_refused(&error, &format!("over the {MAX_URL_BYTES}-byte limit"));
    assert!(!error.message().contains("xxxxxxxxxx"), "{error}");
    assert_eq!(hits, 0, "nothing was sent");
}

#[tokio::test]
async fn a_long_relative_url_is_refused_and_quoted_at_most_200_bytes() {
    let long = format!("/api/v1/users/{}", "a".repeat(100 * 1024));
    let (error, hits) = refused(json!({ "relativeUrl": long }), None).await;
    assert_refused(&error, "byte limit on URLs");
    assert!(error.message().contains(&format!("({} bytes)", long.len())));
    assert_eq!(hits, 0);
}

#[tokio::test]
async fn methods_query_values_and_headers_are_checked_with_short_quotes() {
    let long = "B".repeat(50_000);
    let cases = [
        (
            json!({"method": long, "relativeUrl": "/x"}),
            "is not supported",
        ),
        (
            json!({"relativeUrl": "/x", "query": {"a": [["nested"]]}}),
            "must be a string, number, boolean or a list of them",
        ),
        (
            json!({"relativeUrl": "/x", "query": {"a": {"b": 1}}}),
            "must be a string",
        ),
        (
            json!({"relativeUrl": "/x", "query": {"": "v"}}),
            "empty name",
        ),
        (
            json!({"relativeUrl": "/x", "headers": {"X-Big": "v".repeat(9000)}}),
            "over the 8192-byte limit",
        ),
        (
            json!({"relativeUrl": "/x", "headers": {"Bad Name": "v"}}),
            "is not a valid header name",
        ),
        (
            json!({"relativeUrl": "/x", "headers": {"X-Crlf": "a\r\nInjected: 1"}}),
            "is not valid HTTP",
        ),
        (
            json!({"relativeUrl": "/x", "headers": {"Authorization": "SSWS other"}}),
            "cannot be set by the caller",
        ),
    ];
    for (input, mentions) in cases {
        let (error, hits) = refused(input.clone(), None).await;
        assert_refused(&error, mentions);
        assert_eq!(hits, 0, "{input}");
    }
}

#[test]
fn a_url_just_under_the_limit_passes_and_the_example_follows_the_connector() {
    let conn = Connection::builder("https://api.monday.com/v2")
        .build()
        .unwrap();
    let origin = "https://api.monday.com".len();
    let fits = format!("/{}", "a".repeat(MAX_URL_BYTES - origin - 1));
    let input = CustomApiInput {
        relative_url: Some(fits),
        ..CustomApiInput::default()
    };
    let request = build_custom_request(&conn, &input, Some("/v2")).unwrap();
    assert_eq!(request.url().as_str().len(), MAX_URL_BYTES);
    // The boards connector's refusal suggests its own path, not Okta's.
    let input = CustomApiInput {
        relative_url: Some("v2".into()),
        ..CustomApiInput::default()
    };
    let error = build_custom_request(&conn, &input, Some("/v2")).unwrap_err();
    assert!(error.message().ends_with("such as /v2"), "{error}");
}
