//! The token never appears in `Debug`, `Display`, errors, dry-run output, limiter keys or
//! logs.

use crate::common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{Canned, TOKEN, answer, client, fallback, in_turn};
use connector_boards::{BoardKind, Boards, CreateBoardInput, connector};
use connector_core::clock::ManualClock;
use connector_core::limiter::{Feedback, LimitKey, Observation, Permit, RateLimiter};
use connector_core::pipeline::DryRunLog;
use connector_core::{Env, ErrorKind, HasConnection};
use httpmock::MockServer;
use serde_json::json;

fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert!(!text.contains("s3cr3t"), "part of the token leaked: {text}");
}

#[test]
fn debug_and_display_of_the_client_never_show_the_token() {
    let builder = Boards::builder(TOKEN);
    assert_no_token(&format!("{builder:?}"));
    assert_no_token(&format!("{:?}", builder.profile()));
    let boards = builder.build().unwrap();
    assert_no_token(&format!("{boards:?}"));
    assert_no_token(&format!("{boards:#?}"));
    assert_no_token(&format!("{}", boards.connection()));
    assert_no_token(&format!("{:?}", boards.connection()));
}

#[test]
fn a_token_that_cannot_be_sent_is_refused_without_being_shown() {
    let bad = format!("{TOKEN}\r\nX-Injected: 1");
    let error = Boards::builder(bad).build().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);
    assert_no_token(&error.to_string());
    assert_no_token(&format!("{error:?}"));
    let error = Boards::builder("  ").build().unwrap_err();
    assert!(error.message().contains("BOARDS_API_TOKEN"), "{error}");
}

#[tokio::test]
async fn errors_never_show_the_token() {
    let server = MockServer::start_async().await;
    let refused: Canned = (
        401,
        vec![],
        json!({ "errors": [{ "message": "Not Authenticated" }] }),
    );
    in_turn(&server, vec![refused]).await;
    let (boards, _) = client(&server);
    let error = boards.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_no_token(&error.to_string());
    assert_no_token(&format!("{error:?}"));
    assert_no_token(&error.to_json().to_string());

    // Nothing listens on this port: a transport error.
    let unreachable = Boards::builder(TOKEN)
        .api_url("http://127.0.0.1:9/v2")
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    let error = unreachable.read_board("1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_no_token(&error.to_string());
    assert_no_token(&format!("{error:?}"));
}

#[tokio::test]
async fn a_dry_run_records_the_request_with_the_token_masked_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let unexpected = fallback(&server).await;
    let log = DryRunLog::new();
    let env = Env::from_pairs([
        ("BOARDS_API_TOKEN", TOKEN.to_owned()),
        ("BOARDS_API_URL", server.url("/v2")),
    ])
    .with_dry_run(log.clone());
    let session = connector_core::Connector::connect(&connector(), &env).unwrap();
    let error = session
        .run(
            "create-board",
            json!({ "name": "Onboarding", "kind": "private" }),
        )
        .await
        .unwrap_err();
    assert!(error.is_dry_run_stop(), "{error}");
    let requests = log.requests();
    assert_eq!(requests.len(), 1);
    let recorded = &requests[0];
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.url, server.url("/v2"));
    assert_eq!(recorded.headers["authorization"], "****");
    assert_eq!(recorded.headers["api-version"], "2026-10");
    assert_eq!(recorded.headers["content-type"], "application/json");
    let body = recorded.body.as_ref().unwrap();
    assert_eq!(
        body["variables"],
        json!({ "name": "Onboarding", "kind": "private" })
    );
    assert!(body["query"].as_str().unwrap().contains("create_board("));
    assert_no_token(&serde_json::to_string(&requests).unwrap());
    assert_eq!(unexpected.calls_async().await, 0);
}

/// A limiter that admits everything and records the keys it is asked about.
#[derive(Debug, Default)]
struct KeyRecorder(Mutex<Vec<(String, u64)>>);

#[async_trait]
impl RateLimiter for KeyRecorder {
    async fn acquire(
        &self,
        key: &LimitKey,
        cost: u64,
        _max_wait: std::time::Duration,
    ) -> connector_core::Result<Permit> {
        self.0.lock().unwrap().push((key.name().to_owned(), cost));
        Ok(Permit::free())
    }

    async fn observe(&self, key: &LimitKey, _feedback: &Feedback, _observation: &Observation) {
        self.0.lock().unwrap().push((key.name().to_owned(), 0));
    }
}

#[tokio::test]
async fn limiter_keys_name_a_fingerprint_never_the_token() {
    let server = MockServer::start_async().await;
    in_turn(
        &server,
        vec![(
            200,
            vec![],
            answer("create_board", json!({ "id": "1", "name": "b" }), "r"),
        )],
    )
    .await;
    let recorder = Arc::new(KeyRecorder::default());
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .limiter(recorder.clone())
        .clock(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    boards
        .create_board(CreateBoardInput::new("b", BoardKind::Public))
        .await
        .unwrap();
    let keys = recorder.0.lock().unwrap().clone();
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        names.iter().any(|k| k.starts_with("boards:complexity:")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|k| k.starts_with("boards:calls:")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|k| k.starts_with("boards:create_board:")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|k| k.starts_with("boards:concurrency:")),
        "{names:?}"
    );
    for name in names {
        assert_no_token(name);
    }
    // The complexity key is charged the document's estimate, not one unit.
    let charged = keys
        .iter()
        .find(|(k, c)| k.starts_with("boards:complexity:") && *c > 0)
        .unwrap()
        .1;
    assert!(charged > 1, "{charged}");
}
