//! Helpers shared by the integration tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use connector_boards::Boards;
use connector_boards::BoardsProfile;
use connector_boards::graphql::DOCUMENTS;
use connector_core::clock::ManualClock;
use connector_core::limiter::{Feedback, LimitKey};
use connector_core::pipeline::{AttemptContext, TransportFailure};
use connector_core::retry::Verdict;
use connector_core::{Connection, Error, Method, Profile, Request, Response, RetryPolicy};
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

/// A token that must never show up in logs, errors or dry-run output.
pub(crate) const TOKEN: &str = "tok-s3cr3t-e1f2a3b4c5d6";

/// A client on the mock server whose waits go to a manual clock (nothing sleeps for real).
pub(crate) fn client(server: &MockServer) -> (Boards, ManualClock) {
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("a valid client");
    (boards, clock)
}

/// The text of a shipped document, by file name.
pub(crate) fn document(file: &str) -> &'static str {
    DOCUMENTS
        .iter()
        .find(|d| d.file == file)
        .unwrap_or_else(|| panic!("no document {file}"))
        .text
}

/// The complexity report of a realistic answer.
pub(crate) fn complexity(query: u64) -> Value {
    json!({ "query": query, "after": 10_000_000 - query, "reset_in_x_seconds": 42 })
}

/// A realistic successful answer: `data` with the root field and the complexity report.
pub(crate) fn answer(root: &str, value: Value, request_id: &str) -> Value {
    json!({
        "data": { root: value, "complexity": complexity(1_010) },
        "account_id": 9_876_543,
        "extensions": { "request_id": request_id }
    })
}

/// Answers any request no other mock matched with a 418 that names the mistake, so that an
/// unexpected request fails the test with a clear message. Register it last.
pub(crate) async fn fallback(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(418)
                .header("content-type", "text/plain")
                .body("unexpected request: no mock matched its method, path, headers and body");
        })
        .await
}

/// One canned answer: status, extra headers, JSON body.
pub(crate) type Canned = (u16, Vec<(&'static str, String)>, Value);

/// Answers POST /v2 with `answers` in turn (the last one again once they run out).
pub(crate) async fn in_turn(server: &MockServer, answers: Vec<Canned>) -> Mock<'_> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    server
        .mock_async(move |when, then| {
            when.method(httpmock::Method::POST)
                .path("/v2")
                .header("authorization", TOKEN);
            then.respond_with(move |_req: &httpmock::HttpMockRequest| {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (status, headers, body) = answers[n.min(answers.len() - 1)].clone();
                let mut response = httpmock::HttpMockResponse::builder()
                    .status(status)
                    .header("content-type", "application/json");
                for (name, value) in headers {
                    response = response.header(name, value);
                }
                response.body(body.to_string()).build()
            });
        })
        .await
}

/// The profile's parts, asked the way the pipeline asks them for one attempt.
pub(crate) struct Hooks(Profile);

impl Hooks {
    pub(crate) fn of(token: &str) -> Hooks {
        Hooks(BoardsProfile::for_token(token).into_profile())
    }

    pub(crate) fn classify(
        &self,
        request: &Request,
        outcome: Result<&Response, &TransportFailure>,
        policy: &RetryPolicy,
        now: SystemTime,
    ) -> Verdict {
        self.0
            .classify(&AttemptContext::new(request, outcome, policy, now, 1))
    }

    pub(crate) fn feedback(
        &self,
        request: &Request,
        response: &Response,
        now: SystemTime,
    ) -> Vec<(LimitKey, Feedback)> {
        let policy = RetryPolicy::default();
        self.0
            .feedback(&AttemptContext::new(request, Ok(response), &policy, now, 1))
    }

    pub(crate) fn request_id(&self, response: &Response) -> Option<String> {
        let policy = RetryPolicy::default();
        let request = probe_request(None);
        self.0.request_id(&AttemptContext::new(
            &request,
            Ok(response),
            &policy,
            SystemTime::now(),
            1,
        ))
    }

    /// The wait the answer asks for, as the classification reads it.
    pub(crate) fn retry_after(&self, response: &Response, now: SystemTime) -> Option<Duration> {
        let request = probe_request(Some("boards"));
        match self.classify(&request, Ok(response), &RetryPolicy::default(), now) {
            Verdict::Retryable { after, .. } => after,
            _ => None,
        }
    }

    pub(crate) fn error(&self, request: &Request, response: &Response) -> Error {
        let policy = RetryPolicy::default();
        let context = AttemptContext::new(request, Ok(response), &policy, SystemTime::now(), 1);
        self.0.error(&context, response)
    }
}

/// A boards request of the given operation, for asking the profile's parts.
pub(crate) fn probe_request(operation: Option<&str>) -> Request {
    let connection = Connection::builder("https://api.example.com")
        .build()
        .unwrap();
    let request = connection.request(Method::POST, "/v2");
    match operation {
        Some(op) => request.operation(op),
        None => request,
    }
}
