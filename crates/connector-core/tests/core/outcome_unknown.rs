//! A request that is not safe to repeat and gets no answer may have taken effect: its error
//! says so (`outcomeUnknown` in the JSON) and names the limit that was hit; a read that
//! times out is retried and says nothing of the kind. Time is tokio's paused clock, so the
//! attempt timeouts pass at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use connector_core::pipeline::{Outgoing, Transport, TransportFailure};
use connector_core::{Connection, ErrorKind, Method, Response};

/// A service that takes every request and never answers.
#[derive(Debug, Default)]
struct Silent {
    sent: AtomicU32,
}

#[async_trait]
impl Transport for Silent {
    async fn send(&self, _request: Outgoing) -> Result<Response, TransportFailure> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
}

fn connection(silent: &Arc<Silent>) -> Connection {
    Connection::builder("https://service.example")
        .transport(silent.clone())
        .attempt_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_post_that_times_out_is_an_unknown_outcome_naming_the_limit() {
    let silent = Arc::new(Silent::default());
    let conn = connection(&silent);
    let request = conn.request(Method::POST, "/api/v1/users");
    let error = conn.send(request).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.outcome_unknown());
    assert_eq!(error.attempts(), 1, "a write is not repeated blindly");
    assert_eq!(silent.sent.load(Ordering::SeqCst), 1);
    let json = error.to_json();
    assert_eq!(json["outcomeUnknown"], true);
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("(2.0 s)"), "{message}");
    assert!(message.contains("may have taken effect"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn a_get_that_times_out_is_retried_and_not_an_unknown_outcome() {
    let silent = Arc::new(Silent::default());
    let conn = connection(&silent);
    let error = conn
        .send(conn.request(Method::GET, "/api/v1/users/00u1"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(!error.outcome_unknown());
    assert!(error.to_json().get("outcomeUnknown").is_none());
    assert!(error.attempts() > 1, "a read is retried");
    assert_eq!(silent.sent.load(Ordering::SeqCst), error.attempts());
    assert!(error.message().contains("(2.0 s)"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_post_marked_repeatable_is_retried_like_a_read() {
    let silent = Arc::new(Silent::default());
    let conn = connection(&silent);
    let request = conn.request(Method::POST, "/v2").repeatable(true);
    let error = conn.send(request).await.unwrap_err();
    assert!(!error.outcome_unknown());
    assert!(error.attempts() > 1);
}

#[tokio::test(start_paused = true)]
async fn a_repeatable_write_is_retried_yet_its_lost_answer_is_an_unknown_outcome() {
    let silent = Arc::new(Silent::default());
    let conn = connection(&silent);
    // A mutation carrying an idempotency key: repeating it within the call is harmless,
    // but a new call would act again, so the caller must know the outcome is unknown.
    let request = conn
        .request(Method::POST, "/v2")
        .repeatable(true)
        .changes_state();
    let error = conn.send(request).await.unwrap_err();
    assert!(error.attempts() > 1, "retried: {error}");
    assert_eq!(silent.sent.load(Ordering::SeqCst), error.attempts());
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(error.to_json()["outcomeUnknown"], true);
}
