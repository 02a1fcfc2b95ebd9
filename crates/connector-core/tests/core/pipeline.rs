//! The whole pipeline over loopback: retries, waits, give-up rules, transport failures,
//! body caps and OAuth refreshes. Time is a `ManualClock`: no test sleeps for real.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use connector_core::auth::ClientAuth;
use connector_core::clock::ManualClock;
use connector_core::{ClientCredentials, Connection, ErrorKind, Method, RetryPolicy, StaticToken};
use httpmock::prelude::*;
use secrecy::SecretString;
use support::{Scripted, Step, reply};

fn connection(url: &str, clock: &ManualClock) -> Connection {
    Connection::builder(url)
        .auth(StaticToken::bearer("tok-123"))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_429_then_200_succeeds_after_the_wait_the_service_asked_for() {
    let server = Scripted::start(vec![
        reply(429, &[("retry-after", "2")], "{}"),
        reply(
            200,
            &[("content-type", "application/json")],
            r#"{"ok":true}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    let response = conn.send(conn.request(Method::GET, "/x")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.attempts(), 2);
    assert_eq!(server.hits(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_measured_against_the_response_date() {
    let server = Scripted::start(vec![
        reply(
            503,
            &[
                ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("retry-after", "Sun, 06 Nov 1994 08:49:42 GMT"),
            ],
            "",
        ),
        reply(200, &[], "{}"),
    ])
    .await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    conn.send(conn.request(Method::GET, "/x")).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);
}

#[tokio::test]
async fn a_503_four_times_gives_four_attempts_then_unavailable() {
    let server = Scripted::start(vec![reply(503, &[], "down for maintenance")]).await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    let error = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert_eq!(error.attempts(), 4);
    assert_eq!(error.status(), Some(503));
    assert_eq!(server.hits(), 4);
    // Three backoffs with full jitter: each within its exponential bound.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    for (i, s) in sleeps.iter().enumerate() {
        assert!(*s <= Duration::from_secs(1 << i), "{sleeps:?}");
    }
    assert_eq!(error.response().unwrap().body, "down for maintenance");
}

#[tokio::test]
async fn a_504_is_retried_but_a_502_is_not_by_default() {
    let server = Scripted::start(vec![reply(504, &[], ""), reply(200, &[], "{}")]).await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    assert_eq!(
        conn.send(conn.request(Method::GET, "/x"))
            .await
            .unwrap()
            .attempts(),
        2
    );

    let server = Scripted::start(vec![reply(502, &[], ""), reply(200, &[], "{}")]).await;
    let conn = connection(&server.url, &clock);
    let e = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.attempts(), server.hits()),
        (ErrorKind::Unavailable, 1, 1)
    );
}

#[tokio::test]
async fn a_429_asking_for_a_wait_past_the_minute_fails_at_once_with_retry_after() {
    let server = Scripted::start(vec![reply(429, &[("retry-after", "120")], "")]).await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    let error = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.attempts(), 1);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(clock.sleeps().is_empty(), "must not sleep in vain");
}

#[tokio::test]
async fn retries_stop_when_the_next_wait_would_pass_the_minute() {
    // 25 s waits: the first two fit in the minute (0 → 25 → 50), the third would end at 75 s.
    let server = Scripted::start(vec![reply(429, &[("retry-after", "25")], "")]).await;
    let clock = ManualClock::new();
    let conn = connection(&server.url, &clock);
    let error = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.attempts(), 3);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(25); 2]);
}

#[tokio::test]
async fn statuses_400_404_500_are_tried_exactly_once_with_the_right_kind() {
    let server = MockServer::start_async().await;
    let clock = ManualClock::new();
    let conn = connection(&server.base_url(), &clock);
    for (status, kind) in [
        (400, ErrorKind::InvalidInput),
        (404, ErrorKind::NotFound),
        (500, ErrorKind::Upstream),
        (403, ErrorKind::PermissionDenied),
        (409, ErrorKind::Conflict),
    ] {
        let path = format!("/s{status}");
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path(path.clone());
                then.status(status).body("nope");
            })
            .await;
        let error = conn
            .send(conn.request(Method::GET, &path))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{status}");
        assert_eq!(error.attempts(), 1);
        assert_eq!(error.status(), Some(status));
        mock.assert_calls_async(1).await;
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_connection_reset_is_retried_on_get_but_not_on_post() {
    let clock = ManualClock::new();
    let server = Scripted::start(vec![Step::Reset, reply(200, &[], "{}")]).await;
    let conn = connection(&server.url, &clock);
    let response = conn.send(conn.request(Method::GET, "/x")).await.unwrap();
    assert_eq!((response.attempts(), server.hits()), (2, 2));

    let server = Scripted::start(vec![Step::Reset, reply(200, &[], "{}")]).await;
    let conn = connection(&server.url, &clock);
    let error = conn
        .send(
            conn.request(Method::POST, "/x")
                .json(&serde_json::json!({"a": 1}))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!((error.attempts(), server.hits()), (1, 1));
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_post_because_nothing_was_sent() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = ManualClock::new();
    let conn = connection(&format!("http://127.0.0.1:{port}"), &clock);
    let error = conn
        .send(conn.request(Method::POST, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(error.attempts(), 4);
}

#[tokio::test]
async fn headers_that_never_come_hit_the_attempt_timeout() {
    let server = Scripted::start(vec![Step::Hang]).await;
    let conn = Connection::builder(&server.url)
        .attempt_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = conn
        .send(conn.request(Method::POST, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_without_reading_it_whole() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/big");
            then.status(200).body("x".repeat(10_000));
        })
        .await;
    let conn = Connection::builder(&server.base_url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = conn
        .send(conn.request(Method::GET, "/big"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("1024"), "{error}");
}

#[tokio::test]
async fn html_where_json_was_expected_is_an_invalid_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/html");
            then.status(200)
                .body("<html><body>Gateway error</body></html>");
        })
        .await;
    let conn = Connection::builder(&server.base_url()).build().unwrap();
    let error = conn
        .send_json::<serde_json::Value>(conn.request(Method::GET, "/html"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("HTML"), "{error}");
}

fn oauth(token_url: &str, clock: &ManualClock) -> Arc<ClientCredentials> {
    Arc::new(
        ClientCredentials::new(
            token_url,
            "client-1",
            ["okta.users.read"],
            ClientAuth::Secret(SecretString::from("client-secret-xyz".to_owned())),
        )
        .unwrap()
        .with_clock(Arc::new(clock.clone())),
    )
}

#[tokio::test]
async fn a_401_with_oauth_refreshes_the_token_once_and_retries_once() {
    let idp = MockServer::start_async().await;
    let token = idp
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .body_includes("grant_type=client_credentials");
            then.status(200).json_body(
                serde_json::json!({"token_type":"Bearer","access_token":"at-1","expires_in":3600}),
            );
        })
        .await;
    let api = Scripted::start(vec![reply(401, &[], "{}"), reply(200, &[], "{}")]).await;
    let clock = ManualClock::new();
    let source = oauth(&format!("{}/token", idp.base_url()), &clock);
    let conn = Connection::builder(&api.url)
        .auth_arc(source.clone())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let response = conn.send(conn.request(Method::GET, "/x")).await.unwrap();
    assert_eq!(response.attempts(), 2);
    token.assert_calls_async(2).await;
    assert_eq!(api.seen()[1].header("authorization"), Some("Bearer at-1"));

    // A second 401 in a row is not refreshed again: it is an authentication error.
    let api = Scripted::start(vec![reply(401, &[], "{}")]).await;
    let conn = Connection::builder(&api.url)
        .auth_arc(source)
        .build()
        .unwrap();
    let error = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(api.hits(), 2);
}

#[tokio::test]
async fn a_hundred_concurrent_calls_with_an_expired_token_make_one_token_request() {
    let idp = MockServer::start_async().await;
    let token = idp
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200).json_body(
                serde_json::json!({"token_type":"Bearer","access_token":"at-1","expires_in":3600}),
            );
        })
        .await;
    let api = MockServer::start_async().await;
    let ok = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/x")
                .header("authorization", "Bearer at-1");
            then.status(200).body("{}");
        })
        .await;
    let clock = ManualClock::new();
    let source = oauth(&format!("{}/token", idp.base_url()), &clock);
    let conn = Connection::builder(&api.base_url())
        .auth_arc(source.clone())
        .build()
        .unwrap();
    conn.send(conn.request(Method::GET, "/x")).await.unwrap();
    assert_eq!(source.token_requests(), 1);

    clock.advance(Duration::from_secs(3600));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let conn = conn.clone();
            tokio::spawn(async move { conn.send(conn.request(Method::GET, "/x")).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(source.token_requests(), 2);
    token.assert_calls_async(2).await;
    ok.assert_calls_async(101).await;
}

#[tokio::test]
async fn a_refused_client_is_an_authentication_error_without_the_secret() {
    let idp = MockServer::start_async().await;
    idp.mock_async(|when, then| {
        when.method(POST).path("/token");
        then.status(401).json_body(
            serde_json::json!({"error":"invalid_client","error_description":"bad client"}),
        );
    })
    .await;
    let clock = ManualClock::new();
    let source = oauth(&format!("{}/token", idp.base_url()), &clock);
    let conn = Connection::builder(&idp.base_url())
        .auth_arc(source)
        .build()
        .unwrap();
    let error = conn
        .send(conn.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.code(), Some("invalid_client"));
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("client-secret-xyz"), "{shown}");
}
