//! Logs at every level never show the token.
//!
//! Alone in its test binary: `tracing` caches per call site whether anyone listens, and a
//! test running beside it on another thread without a subscriber could make it miss events.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Canned, TOKEN, client, in_turn};
use connector_boards::connector;
use connector_core::ErrorKind;
use httpmock::MockServer;
use serde_json::json;

/// A writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_at_every_level_never_show_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The test runs on one thread: every task of the call logs to this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start_async().await;
    let limited: Canned = (
        429,
        vec![],
        json!({ "errors": [{ "message": "Rate Limit Exceeded", "extensions": { "code": "Rate Limit Exceeded", "retry_in_seconds": 1 } }] }),
    );
    let refused: Canned = (
        200,
        vec![],
        json!({ "errors": [{ "message": "nope", "extensions": { "code": "USER_ACCESS_DENIED" } }] }),
    );
    in_turn(&server, vec![limited, refused]).await;
    let (boards, _) = client(&server);
    let error = connector()
        .run(&boards, "read-board", json!({ "boardId": "1" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying"),
        "the retry was not logged: {logs}"
    );
    assert!(
        !logs.contains(TOKEN) && !logs.contains("s3cr3t"),
        "the token leaked: {logs}"
    );
}
