//! Request and answer shapes: relative and absolute URLs, query and headers passed, JSON
//! and text bodies, and a dry run that sends nothing.

use connector_core::pipeline::DryRunLog;
use connector_core::{Connector, Env};
use connector_http::{Credential, Http, HttpRequestInput};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;

use crate::common::{SECRET, anonymous, client, fallback};

#[tokio::test]
async fn a_path_goes_under_the_base_url_with_query_and_headers() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/tickets/42")
                .query_param("expand", "comments")
                .query_param("limit", "10")
                .query_param("tag", "a")
                .query_param("tag", "b")
                .header("x-trace", "t-1")
                .header("accept", "application/vnd.tickets+json");
            then.status(200)
                .header("content-type", "application/vnd.tickets+json")
                .header("x-request-id", "req-7")
                .body(r#"{"id":42,"title":"printer"}"#);
        })
        .await;
    fallback(&server).await;
    let (http, _) = client(&server, Credential::bearer(SECRET));
    let input: HttpRequestInput = serde_json::from_value(json!({
        "url": "/tickets/42?expand=comments",
        "query": {"limit": 10, "tag": ["a", "b"]},
        "headers": {"X-Trace": "t-1", "Accept": "application/vnd.tickets+json"}
    }))
    .unwrap();
    let out = http.request(input).await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(out.status_code, 200);
    assert_eq!(out.body, json!({"id": 42, "title": "printer"}));
    assert_eq!(out.headers["x-request-id"], "req-7");
}

#[tokio::test]
async fn a_json_body_is_posted_and_a_text_answer_stays_text() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/hooks/in")
                .header("content-type", "application/json")
                .json_body(json!({"event": "created", "n": 1}));
            then.status(201)
                .header("content-type", "text/plain")
                .body("123");
        })
        .await;
    fallback(&server).await;
    let (http, _) = anonymous();
    let out = http
        .request(HttpRequestInput::with_body(
            "post",
            server.url("/hooks/in"),
            json!({"event": "created", "n": 1}),
        ))
        .await
        .unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(out.status_code, 201);
    // Text that would parse as JSON stays text: the answer did not say JSON.
    assert_eq!(out.body, json!("123"));
}

#[tokio::test]
async fn a_string_body_goes_as_is_with_the_callers_content_type() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/form")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("a=1&b=two");
            then.status(204);
        })
        .await;
    fallback(&server).await;
    let (http, _) = client(&server, Credential::None);
    let mut input = HttpRequestInput::with_body("POST", "/form", json!("a=1&b=two"));
    input.headers = Some(
        [(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )]
        .into(),
    );
    let out = http.request(input).await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!((out.status_code, out.body), (204, serde_json::Value::Null));
}

#[tokio::test]
async fn json_that_does_not_parse_is_kept_as_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/broken");
            then.status(200)
                .header("content-type", "application/json")
                .body("{not json");
        })
        .await;
    let (http, _) = anonymous();
    let out = http
        .request(HttpRequestInput::get(server.url("/broken")))
        .await
        .unwrap();
    assert_eq!(out.body, json!("{not json"));
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_lists_the_request_with_the_credential_masked() {
    let server = MockServer::start_async().await;
    let any = fallback(&server).await;
    let log = DryRunLog::new();
    let http = Http::builder()
        .base_url(server.url("/v1"))
        .credential(Credential::header("X-Api-Key", SECRET))
        .dry_run(log.clone())
        .build()
        .unwrap();
    let mut input = HttpRequestInput::with_body("PUT", "/items/1", json!({"name": "n"}));
    input.headers = Some([("X-Trace".to_owned(), "t-2".to_owned())].into());
    let out = http.request(input).await.unwrap();
    assert_eq!(out.status_code, 200, "the synthetic answer");
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
    let requests = log.requests();
    assert_eq!(requests.len(), 1);
    let recorded = serde_json::to_value(&requests[0]).unwrap();
    assert_eq!(recorded["method"], "PUT");
    assert_eq!(recorded["url"], server.url("/v1/items/1"));
    assert_eq!(recorded["headers"]["x-api-key"], "****");
    assert_eq!(recorded["headers"]["x-trace"], "t-2");
    assert_eq!(recorded["body"], json!({"name": "n"}));
    assert!(!recorded.to_string().contains(SECRET), "{recorded}");
}

#[tokio::test]
async fn the_connector_runs_request_by_id_and_reads_no_variable_without_a_named_connection() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ping")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .body("[1,2]");
        })
        .await;
    fallback(&server).await;
    // Variables of the connector's names in the environment are not a connection.
    let env = Env::from_pairs([
        ("HTTP_BASE_URL", server.url("/elsewhere")),
        ("HTTP_BEARER", SECRET.to_owned()),
    ]);
    let session = connector_http::connector().connect(&env).unwrap();
    let out = session
        .run("request", json!({"url": server.url("/ping")}))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"statusCode": 200, "headers": out["headers"], "body": [1, 2]})
    );
    assert_eq!(mock.calls_async().await, 1);
    // Without a base URL, a path has nowhere to go.
    let e = session
        .run("request", json!({"url": "/ping"}))
        .await
        .unwrap_err();
    assert!(
        e.message().contains("no connection gives a base_url"),
        "{e}"
    );
}

#[tokio::test]
async fn a_named_connections_settings_are_read() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/me")
                .header("authorization", format!("Bearer {SECRET}"));
            then.status(200).body("me");
        })
        .await;
    fallback(&server).await;
    let env = Env::from_pairs([
        ("HTTP_BASE_URL", server.url("/api")),
        ("HTTP_BEARER", SECRET.to_owned()),
    ])
    .with_connection_name("tickets");
    let session = connector_http::connector().connect(&env).unwrap();
    let out = session.run("request", json!({"url": "/me"})).await.unwrap();
    assert_eq!(out["body"], "me");
    assert_eq!(mock.calls_async().await, 1);
}
