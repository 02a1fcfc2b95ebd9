//! Interceptors added from outside the core, through the Okta builder: a header of the
//! user's own on every attempt (retries included) and a count of the answers, run through
//! the whole pipeline (credentials, limiter, retries on a manual clock).

use std::sync::{Arc, Mutex};

use connector_core::interceptor::{AttemptAnswer, AttemptRequest, Interceptor};
use connector_core::{ErrorKind, HeaderName, HeaderValue, Result};
use httpmock::Method::GET;

use crate::common::{Harness, TOKEN, fixture};

/// Tags every attempt with `x-tenant: blue` and its number, checks that the request as
/// sent carries the connection's credential, and keeps each answer's status.
#[derive(Debug, Default)]
struct Tenant {
    statuses: Mutex<Vec<Option<u16>>>,
    sent_with_credentials: Mutex<u32>,
}

impl Interceptor for Tenant {
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<()> {
        let attempt = HeaderValue::from(request.attempt());
        let headers = request.headers_mut();
        headers.insert(
            HeaderName::from_static("x-tenant"),
            HeaderValue::from_static("blue"),
        );
        headers.insert(HeaderName::from_static("x-attempt"), attempt);
        Ok(())
    }

    fn read_before_transmit(&self, request: &AttemptRequest<'_>) {
        let authorization = request.headers().get("authorization");
        if authorization.is_some_and(HeaderValue::is_sensitive) {
            *self.sent_with_credentials.lock().unwrap() += 1;
        }
    }

    fn read_after_attempt(&self, answer: &AttemptAnswer<'_>) {
        self.statuses.lock().unwrap().push(answer.status());
    }
}

#[tokio::test]
async fn an_interceptor_tags_every_attempt_and_counts_every_answer() {
    let h = Harness::start().await;
    let busy = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00ubusy")
                .header("x-tenant", "blue");
            then.status(503)
                .body(r#"{"errorCode":"E0000010","errorSummary":"busy"}"#);
        })
        .await;
    let ada = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00uada")
                .header("x-tenant", "blue")
                .header("x-attempt", "1")
                .header("authorization", format!("SSWS {TOKEN}"));
            then.status(200)
                .header("content-type", "application/json")
                .body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
    let tenant = Arc::new(Tenant::default());
    let okta = h
        .builder()
        .api_token(TOKEN)
        .interceptor_arc(tenant.clone())
        .build()
        .unwrap();

    let error = okta.read_user("00ubusy").await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    // Okta's default policy: three retries of a 503, each attempt tagged.
    busy.assert_calls_async(4).await;
    okta.read_user("00uada").await.unwrap();
    ada.assert_calls_async(1).await;

    let statuses = tenant.statuses.lock().unwrap().clone();
    assert_eq!(
        statuses,
        [Some(503), Some(503), Some(503), Some(503), Some(200)]
    );
    assert_eq!(*tenant.sent_with_credentials.lock().unwrap(), 5);
}

/// Refuses to send: the call fails with the interceptor's error and nothing is sent.
#[derive(Debug)]
struct Refuse;

impl Interceptor for Refuse {
    fn modify_before_attempt(&self, _request: &mut AttemptRequest<'_>) -> Result<()> {
        Err(connector_core::Error::invalid_input("refused by policy"))
    }
}

#[tokio::test]
async fn an_interceptor_error_fails_the_call_before_anything_is_sent() {
    let h = Harness::start().await;
    h.fallback().await;
    let okta = h
        .builder()
        .api_token(TOKEN)
        .interceptor(Refuse)
        .build()
        .unwrap();
    let error = okta.read_user("00uada").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.message(), "refused by policy");
    assert_eq!(error.attempts(), 0);
}
