//! Each credential form sends exactly its header and no other credential; without a
//! connection nothing is sent; a credential stays on its base URL's origin.

use connector_core::ErrorKind;
use connector_http::{Credential, Http, HttpRequestInput};
use httpmock::Method::GET;
use httpmock::MockServer;

use crate::common::{SECRET, Seen, anonymous, client, fallback};

/// Sends `GET /v1/items` with `credential` and returns the non-ordinary headers the server
/// saw, the request having matched `header` exactly.
async fn extra_headers_of(credential: Credential, header: (&str, &str)) -> Vec<(String, String)> {
    let server = MockServer::start_async().await;
    let seen = Seen::default();
    let answer = seen.clone();
    let (name, value) = (header.0.to_owned(), header.1.to_owned());
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET).path("/v1/items").header(name, value);
            then.respond_with(move |req| answer.answer(req));
        })
        .await;
    fallback(&server).await;
    let (http, _) = client(&server, credential);
    let out = http
        .request(HttpRequestInput::get("/items"))
        .await
        .expect("the request matched");
    assert_eq!(out.status_code, 200);
    assert_eq!(mock.calls_async().await, 1);
    seen.extra_headers()
}

#[tokio::test]
async fn bearer_sends_exactly_authorization_bearer() {
    let want = format!("Bearer {SECRET}");
    let extra = extra_headers_of(Credential::bearer(SECRET), ("authorization", &want)).await;
    assert_eq!(extra, [("authorization".to_owned(), want)]);
}

#[tokio::test]
async fn basic_sends_exactly_authorization_basic() {
    // base64("ci-user:s3cr3t-9a8b7c6d5e4f")
    let want = "Basic Y2ktdXNlcjpzM2NyM3QtOWE4YjdjNmQ1ZTRm";
    let extra = extra_headers_of(
        Credential::basic("ci-user", SECRET),
        ("authorization", want),
    )
    .await;
    assert_eq!(extra, [("authorization".to_owned(), want.to_owned())]);
}

#[tokio::test]
async fn header_sends_exactly_that_header_and_no_authorization() {
    let extra = extra_headers_of(
        Credential::header("X-Api-Key", SECRET),
        ("x-api-key", SECRET),
    )
    .await;
    assert_eq!(extra, [("x-api-key".to_owned(), SECRET.to_owned())]);
}

#[tokio::test]
async fn a_header_named_authorization_sends_the_value_as_is() {
    let want = format!("Token {SECRET}");
    let extra = extra_headers_of(
        Credential::header("Authorization", want.clone()),
        ("authorization", &want),
    )
    .await;
    assert_eq!(extra, [("authorization".to_owned(), want)]);
}

#[tokio::test]
async fn without_a_connection_no_credential_is_sent() {
    let server = MockServer::start_async().await;
    let seen = Seen::default();
    let answer = seen.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/open")
                .header_missing("authorization")
                .header_missing("cookie");
            then.respond_with(move |req| answer.answer(req));
        })
        .await;
    fallback(&server).await;
    let (http, _) = anonymous();
    let out = http
        .request(HttpRequestInput::get(server.url("/open")))
        .await
        .unwrap();
    assert_eq!(out.body, serde_json::json!({"ok": true}));
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(seen.extra_headers(), Vec::<(String, String)>::new());
}

#[tokio::test]
async fn the_caller_cannot_set_the_credentials_header() {
    let server = MockServer::start_async().await;
    let any = fallback(&server).await;
    for (credential, header) in [
        (Credential::header("X-Api-Key", SECRET), "x-API-key"),
        (Credential::bearer(SECRET), "Authorization"),
    ] {
        let (http, _) = client(&server, credential);
        let mut input = HttpRequestInput::get("/items");
        input.headers = Some([(header.to_owned(), "mine".to_owned())].into());
        let e = http.request(input).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert_eq!(e.attempts(), 0);
        assert!(e.message().contains("cannot be set by the caller"), "{e}");
    }
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

#[tokio::test]
async fn a_credential_stays_on_its_base_urls_origin() {
    let server = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let other = fallback(&elsewhere).await;
    let own = fallback(&server).await;
    let (http, _) = client(&server, Credential::bearer(SECRET));
    let e = http
        .request(HttpRequestInput::get(elsewhere.url("/steal")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("not on the origin"), "{e}");
    assert_eq!(other.calls_async().await + own.calls_async().await, 0);
}

#[test]
fn a_credential_needs_a_base_url() {
    let e = Http::builder()
        .credential(Credential::bearer(SECRET))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Configuration);
    assert!(e.message().contains("needs a base_url"), "{e}");
    assert!(!e.to_string().contains(SECRET));
}
