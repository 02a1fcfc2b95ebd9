//! Drives the boards router in process, the way a client on the network would.

// Each test file uses part of these helpers; the rest would warn as unused.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use connector_sandbox::boards::{BoardsConfig, BoardsState, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// An answer: status, headers and the JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `errors[0].extensions.code`, or "" when absent.
    pub(crate) fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
    }

    /// Asserts a 200 without `errors` and returns `data`.
    pub(crate) fn data(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{:#}", self.body);
        assert!(self.body.get("errors").is_none(), "{:#}", self.body);
        &self.body["data"]
    }
}

/// The emulator's state and its router.
pub(crate) struct Boards {
    pub(crate) state: BoardsState,
    router: Router,
}

impl Boards {
    pub(crate) fn new(config: BoardsConfig) -> Self {
        let state = BoardsState::new(config);
        let router = router(state.clone());
        Self { state, router }
    }

    pub(crate) fn with_defaults() -> Self {
        Self::new(BoardsConfig::default())
    }

    /// Sends any request.
    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body can be read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `POST /v2` with these headers and body.
    pub(crate) async fn post(&self, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
        let mut request = Request::builder().method(Method::POST).uri("/v2");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into()).expect("a valid request"))
            .await
    }

    /// A GraphQL call with the token and an `API-Version` header (if any); the document
    /// must be valid against both published SDL versions.
    pub(crate) async fn gql_as(
        &self,
        version: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Reply {
        assert_valid_document(query);
        let token = self.state.api_token();
        let mut headers = vec![
            ("authorization", token.as_str()),
            ("content-type", "application/json"),
        ];
        if let Some(version) = version {
            headers.push(("api-version", version));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.post(&headers, body).await
    }

    /// A GraphQL call with the token and no `API-Version` header.
    pub(crate) async fn gql(&self, query: &str, variables: Value) -> Reply {
        self.gql_as(None, query, variables).await
    }

    /// Creates a board and returns its id.
    pub(crate) async fn create_board(&self, name: &str, extra: Value) -> String {
        let mut variables = json!({ "name": name, "kind": "public" });
        if let (Value::Object(vars), Value::Object(extra)) = (&mut variables, extra) {
            vars.extend(extra);
        }
        let reply = self
            .gql(
                "mutation ($name: String!, $kind: BoardKind!, $workspace: ID, $owners: [ID!], $subscribers: [ID!], $description: String, $empty: Boolean) {
                   create_board(board_name: $name, board_kind: $kind, workspace_id: $workspace,
                                board_owner_ids: $owners, board_subscriber_ids: $subscribers,
                                description: $description, empty: $empty) { id }
                 }",
                variables,
            )
            .await;
        reply.data()["create_board"]["id"]
            .as_str()
            .expect("create_board answers an id")
            .to_owned()
    }
}

/// Asserts the document is valid against both published SDL versions (skipped when the
/// specs are absent).
pub(crate) fn assert_valid_document(query: &str) {
    for version in ["2026-10", "2026-07"] {
        if let Some(schema) = spec_check::boards_schema(version)
            && let Err(error) = schema.validate_document(query)
        {
            panic!("{error}\n{query}");
        }
    }
}

/// The ids in a list of objects.
pub(crate) fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
