//! The transport: token check, `API-Version`, parse and validation errors, bodies the
//! endpoint refuses, methods and request ids.

use crate::boards_support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use boards_support::Boards;
use serde_json::{Value, json};

const VERSION: &str = "{ version { kind value } }";

fn query_body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_not_authenticated() {
    let boards = Boards::with_defaults();
    let bearer = format!("Bearer {}", boards.state.api_token());
    for headers in [
        vec![],
        vec![("authorization", "wrong-token")],
        vec![("authorization", bearer.as_str())],
    ] {
        let reply = boards.post(&headers, query_body("{ me { id } }")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(reply.body["errors"][0]["message"], "Not Authenticated");
        assert_eq!(reply.code(), "UNAUTHENTICATED");
        assert!(reply.body["extensions"]["request_id"].is_string());
        assert!(reply.body.get("data").is_none());
    }
    let stats = boards.state.stats();
    assert_eq!((stats.requests, stats.unauthenticated), (3, 3));
}

#[tokio::test]
async fn api_version_selects_the_version_and_unknown_ones_are_served_as_current() {
    let boards = Boards::with_defaults();
    let cases = [
        (None, "current", "2026-10"),
        (Some("2026-10"), "current", "2026-10"),
        (Some("2026-07"), "maintenance", "2026-07"),
        // Deprecated versions are served by the maintenance one.
        (Some("2025-04"), "maintenance", "2026-07"),
        // Well-formed versions that do not exist are served as current, silently.
        (Some("2026-08"), "current", "2026-10"),
        (Some("2099-01"), "current", "2026-10"),
    ];
    for (asked, kind, value) in cases {
        let reply = boards.gql_as(asked, VERSION, json!({})).await;
        assert_eq!(
            reply.data()["version"],
            json!({ "kind": kind, "value": value }),
            "API-Version {asked:?}"
        );
    }
}

#[tokio::test]
async fn malformed_api_version_is_200_with_invalid_version() {
    let boards = Boards::with_defaults();
    let token = boards.state.api_token();
    for bad in ["banana", "2026-13", "2026-7", "v2"] {
        let reply = boards
            .post(
                &[("authorization", token.as_str()), ("api-version", bad)],
                query_body(VERSION),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{bad}");
        assert_eq!(reply.code(), "InvalidVersionException", "{bad}");
        assert!(reply.body.get("data").is_none());
        assert_eq!(reply.body["account_id"], 1);
    }
}

#[tokio::test]
async fn parse_and_validation_errors_are_200_with_errors_and_no_data() {
    let boards = Boards::with_defaults();
    let token = boards.state.api_token();
    let auth = [("authorization", token.as_str())];

    let reply = boards
        .post(&auth, query_body("query { boards { id }"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let message = reply.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.starts_with("Parse error on "), "{message}");
    assert!(reply.code().starts_with("Parse error on "));
    assert!(reply.body["errors"][0]["locations"][0]["line"].is_number());
    assert!(reply.body.get("data").is_none());

    let reply = boards
        .post(&auth, query_body("{ users { id is_admin } }"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(reply.body.get("data").is_none());

    let cycle = "{ boards { ...A } } fragment A on Board { ...B } fragment B on Board { ...A }";
    let reply = boards.post(&auth, query_body(cycle)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.code(), "infiniteLoop");

    // Nothing was charged for documents that never ran.
    assert_eq!(boards.state.stats().points_spent, 0);
}

#[tokio::test]
async fn bodies_that_are_not_json_or_too_large_get_4xx() {
    let boards = Boards::with_defaults();
    let token = boards.state.api_token();
    let auth = [("authorization", token.as_str())];

    let reply = boards.post(&auth, "query { me { id } }").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "JsonParseException");

    let reply = boards.post(&auth, "[1, 2, 3]").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let padding = "x".repeat(1024 * 1024);
    let huge = json!({ "query": "{ me { id } }", "variables": { "padding": padding } });
    let reply = boards.post(&auth, huge.to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body["extensions"]["request_id"].is_string());
}

#[tokio::test]
async fn only_post_is_allowed_and_the_trailing_slash_works() {
    let boards = Boards::with_defaults();
    let get = Request::builder()
        .method(Method::GET)
        .uri("/v2")
        .body(Body::empty())
        .expect("a valid request");
    assert_eq!(
        boards.send(get).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );

    let token = boards.state.api_token();
    let post = Request::builder()
        .method(Method::POST)
        .uri("/v2/")
        .header("authorization", token)
        .body(Body::from(query_body("{ me { id } }")))
        .expect("a valid request");
    let reply = boards.send(post).await;
    assert_eq!(reply.data()["me"]["id"], "1001");
}

#[tokio::test]
async fn every_answer_has_its_own_request_id_and_the_account_id() {
    let boards = Boards::with_defaults();
    let first = boards.gql("{ me { id } }", json!({})).await;
    let second = boards.gql("{ me { id } }", json!({})).await;
    let id = |reply: &boards_support::Reply| reply.body["extensions"]["request_id"].clone();
    assert!(id(&first).is_string());
    assert_ne!(id(&first), id(&second));
    assert_eq!(first.body["account_id"], 1);
    assert_ne!(first.body["data"], Value::Null);
}

#[tokio::test]
async fn hostile_or_odd_requests_get_answers_not_crashes() {
    let boards = Boards::with_defaults();
    let token = boards.state.api_token();
    let auth = [("authorization", token.as_str())];
    let deep = format!("{}{}", "{ me { teams ".repeat(40), "}".repeat(80));
    let bodies = [
        (json!({ "query": 5 }), StatusCode::BAD_REQUEST, ""),
        (
            json!({ "query": "" }),
            StatusCode::OK,
            "Parse error on end of file",
        ),
        (
            json!({ "query": "{ boards(limit: -5) { id } }" }),
            StatusCode::OK,
            "InvalidArgumentException",
        ),
        (
            json!({ "query": "{ boards(limit: 2147483647) { id } }" }),
            StatusCode::OK,
            "maxComplexityExceeded",
        ),
        (
            json!({ "query": "query A { me { id } }", "operationName": "B" }),
            StatusCode::OK,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "subscription { me { id } }" }),
            StatusCode::OK,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query ($l: Int) { boards(limit: $l) { id } }", "variables": { "l": "x" } }),
            StatusCode::OK,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (json!({ "query": deep }), StatusCode::OK, "Parse error on"),
        (
            json!({ "query": "mutation { archive_board(board_id: \"99999999999999999999999\") { id } }" }),
            StatusCode::OK,
            "InvalidBoardIdException",
        ),
    ];
    for (body, status, code) in bodies {
        let reply = boards.post(&auth, body.to_string()).await;
        assert_eq!(reply.status, status, "{body}: {:#}", reply.body);
        assert!(reply.code().starts_with(code), "{body}: {:#}", reply.body);
    }
    let introspection = boards
        .post(&auth, query_body("{ __schema { queryType { name } } }"))
        .await;
    assert_eq!(
        introspection.data()["__schema"]["queryType"]["name"],
        "Query"
    );
}
