//! Answers that are not a success, retries on a manual clock, the body cap, and the
//! checks made before anything is sent (with their bounded echoes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use connector_core::ErrorKind;
use connector_http::{Credential, HttpRequestInput, MAX_RESPONSE_BYTES};
use httpmock::Method::GET;
use httpmock::{HttpMockResponse, Mock, MockServer};
use serde_json::json;

use crate::common::{SECRET, anonymous, client, fallback};

/// One canned answer: status, extra headers, body.
type Canned = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// Answers `GET /v1/busy` with `answers` in turn (the last one again once they run out).
async fn in_turn(server: &MockServer, answers: Vec<Canned>) -> Mock<'_> {
    let next = AtomicUsize::new(0);
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/v1/busy");
            then.respond_with(move |_req| {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let (status, headers, body) = answers[n.min(answers.len() - 1)].clone();
                let mut answer = HttpMockResponse::builder()
                    .status(status)
                    .header("content-type", "application/json");
                for (name, value) in headers {
                    answer = answer.header(name, value);
                }
                answer.body(body).build()
            });
        })
        .await
}

#[tokio::test]
async fn a_404_is_an_error_carrying_status_headers_and_body_and_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/items/9");
            then.status(404)
                .header("content-type", "application/json")
                .header("x-request-id", "req-404")
                .body(r#"{"error":"no item 9"}"#);
        })
        .await;
    fallback(&server).await;
    let (http, clock) = client(&server, Credential::bearer(SECRET));
    let e = http
        .request(HttpRequestInput::get("/items/9"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.request_id(), Some("req-404"));
    let answer = e.response().expect("the answer is kept");
    assert_eq!(answer.status_code, 404);
    assert_eq!(answer.headers["x-request-id"], "req-404");
    assert_eq!(answer.body, json!({"error": "no item 9"}));
    assert!(e.message().contains("no item 9"), "{e}");
    assert_eq!(mock.calls_async().await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_that_wait_then_succeeds() {
    let server = MockServer::start_async().await;
    let mock = in_turn(
        &server,
        vec![
            (429, vec![("retry-after", "7")], r#"{"error":"slow down"}"#),
            (200, vec![], r#"{"done":true}"#),
        ],
    )
    .await;
    fallback(&server).await;
    let (http, clock) = client(&server, Credential::None);
    let out = http.request(HttpRequestInput::get("/busy")).await.unwrap();
    assert_eq!(out.body, json!({"done": true}));
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(7)],
        "nothing slept for real"
    );
}

#[tokio::test]
async fn a_503_four_times_is_unavailable_after_three_retries() {
    let server = MockServer::start_async().await;
    let mock = in_turn(&server, vec![(503, vec![("retry-after", "1")], "{}")]).await;
    fallback(&server).await;
    let (http, clock) = client(&server, Credential::None);
    let e = http
        .request(HttpRequestInput::get("/busy"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!((e.attempts(), e.status()), (4, Some(503)));
    assert_eq!(mock.calls_async().await, 4);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 3]);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = in_turn(&server, vec![(500, vec![], r#"{"oops":1}"#)]).await;
    let (http, _) = client(&server, Credential::None);
    let e = http
        .request(HttpRequestInput::get("/busy"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Upstream);
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn an_answer_over_the_10_mib_cap_is_invalid_response() {
    let server = MockServer::start_async().await;
    let big = "x".repeat(MAX_RESPONSE_BYTES + 1);
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/big");
            then.status(200)
                .header("content-type", "text/plain")
                .body(big);
        })
        .await;
    let fits = "y".repeat(MAX_RESPONSE_BYTES);
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/fits");
            then.status(200)
                .header("content-type", "text/plain")
                .body(fits);
        })
        .await;
    let (http, _) = anonymous();
    let e = http
        .request(HttpRequestInput::get(server.url("/big")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
    assert!(e.message().contains("10485760-byte cap"), "{e}");
    let out = http
        .request(HttpRequestInput::get(server.url("/fits")))
        .await
        .unwrap();
    assert_eq!(out.body.as_str().map(str::len), Some(MAX_RESPONSE_BYTES));
}

#[tokio::test]
async fn http_to_a_host_that_is_not_loopback_is_refused_before_sending() {
    let (http, _) = anonymous();
    for url in [
        "http://api.example.com/items",
        "http://10.0.0.8/items",
        "ftp://127.0.0.1/items",
    ] {
        let e = http.request(HttpRequestInput::get(url)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{url}: {e}");
        assert_eq!(e.attempts(), 0, "{url}");
    }
    let e = http
        .request(HttpRequestInput::get("http://api.example.com/items"))
        .await
        .unwrap_err();
    assert!(
        e.message()
            .contains("https is required except for loopback hosts"),
        "{e}"
    );
}

#[tokio::test]
async fn refusals_and_errors_echo_at_most_200_bytes_of_the_input() {
    let server = MockServer::start_async().await;
    let huge = "q".repeat(100_000);
    let echo = format!("no such item: {huge}");
    server
        .mock_async(move |when, then| {
            when.method(GET).path_prefix("/v1/items/");
            then.status(404)
                .header("content-type", "text/plain")
                .body(echo);
        })
        .await;
    let (http, _) = client(&server, Credential::None);
    // Refused before sending: a dot segment after a long path.
    let e = http
        .request(HttpRequestInput::get(format!("/{huge}/../admin")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().len() < 600, "{}", e.to_string().len());
    // An unknown method is quoted short too.
    let mut input = HttpRequestInput::get("/items/1");
    input.method = Some(huge.clone());
    let e = http.request(input).await.unwrap_err();
    assert!(e.to_string().len() < 600, "{}", e.to_string().len());
    // The service echoes the input: the message and the printed answer are cut.
    let e = http
        .request(HttpRequestInput::get("/items/1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().len() < 260, "{}", e.message().len());
    let printed = e.to_json();
    let body = printed["response"]["body"].as_str().unwrap();
    assert!(body.len() <= 204, "{}", body.len());
    assert!(printed.to_string().len() < 2_000);
}
