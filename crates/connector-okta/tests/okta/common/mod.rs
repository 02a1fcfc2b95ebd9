//! The test harness: an httpmock server that records every request it receives, fails
//! on any request no mock expects, and on drop checks every recorded request against
//! Okta's OpenAPI documents (skipped, with a line on stderr, when they are absent).

// Each test binary uses a different part of the harness.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use connector_core::clock::ManualClock;
use connector_okta::{Okta, OktaBuilder};
use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use serde_json::{Map, Value};

/// The API token the harness's clients use.
pub(crate) const TOKEN: &str = "00test-token-SECRET";

/// The `User-Agent` every request must carry.
pub(crate) fn user_agent() -> String {
    let v = env!("CARGO_PKG_VERSION");
    format!("connector-okta/{v} connectors/{v}")
}

/// A fixture from `tests/fixtures`, as text.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture from `tests/fixtures`, as JSON.
pub(crate) fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixtures are JSON")
}

/// One request the mock server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Seen {
    fn from(req: &HttpMockRequest) -> Seen {
        let uri = req.uri();
        Seen {
            method: req.method().to_string(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: req.headers_vec().clone(),
            body: req.body_vec(),
        }
    }

    /// The path and query, as sent.
    pub(crate) fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// A header's value (names compared without case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The form fields of a form-encoded body.
    pub(crate) fn form(&self) -> Map<String, Value> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    }
}

/// A mock server for one test.
pub(crate) struct Harness {
    pub(crate) server: MockServer,
    pub(crate) clock: ManualClock,
    seen: Arc<Mutex<Vec<Seen>>>,
    unexpected: Arc<Mutex<Vec<String>>>,
    check_spec: bool,
}

impl Harness {
    /// Starts a server whose first mock records every request and matches none.
    pub(crate) async fn start() -> Harness {
        let server = MockServer::start_async().await;
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let record = seen.clone();
        server
            .mock_async(move |when, _then| {
                when.is_true(move |req: &HttpMockRequest| {
                    record.lock().unwrap().push(Seen::from(req));
                    false
                });
            })
            .await;
        Harness {
            server,
            clock: ManualClock::new(),
            seen,
            unexpected: Arc::default(),
            check_spec: true,
        }
    }

    /// The org URL of the mock server.
    pub(crate) fn org_url(&self) -> String {
        self.server.base_url()
    }

    /// A builder for the mock org with the harness's clock and no credentials yet.
    pub(crate) fn builder(&self) -> OktaBuilder {
        Okta::builder(self.org_url()).clock(Arc::new(self.clock.clone()))
    }

    /// A client of the mock org with an API token and the harness's clock.
    pub(crate) fn okta(&self) -> Okta {
        self.builder()
            .api_token(TOKEN)
            .build()
            .expect("a client of the mock org")
    }

    /// Adds the mock of last resort: any request no earlier mock matched is answered 599
    /// and makes the test fail. Call it after the test's own mocks.
    pub(crate) async fn fallback(&self) {
        let unexpected = self.unexpected.clone();
        self.server
            .mock_async(move |when, then| {
                when.any_request();
                then.respond_with(move |req: &HttpMockRequest| {
                    let seen = Seen::from(req);
                    unexpected
                        .lock()
                        .unwrap()
                        .push(format!("{} {}", seen.method, seen.target()));
                    HttpMockResponse::builder()
                        .status(599)
                        .header("content-type", "application/json")
                        .body(r#"{"errorCode":"TEST","errorSummary":"unexpected request"}"#)
                        .build()
                });
            })
            .await;
    }

    /// Every request received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests no mock expected.
    pub(crate) fn unexpected(&self) -> Vec<String> {
        self.unexpected.lock().unwrap().clone()
    }

    /// Skips the OpenAPI check on drop (for tests that send off-spec requests on purpose).
    pub(crate) fn skip_spec_check(&mut self) {
        self.check_spec = false;
    }

    /// Every way the requests received so far depart from Okta's OpenAPI documents, or
    /// `None` when the documents are absent.
    pub(crate) fn spec_errors(&self) -> Option<Vec<String>> {
        let management = spec_check::okta()?;
        let oauth = spec_check::okta_oauth();
        let mut errors = Vec::new();
        for seen in self.seen() {
            let (spec, body) = if seen.path.starts_with("/oauth2/") {
                let Some(oauth) = oauth else { continue };
                (oauth, Some(Value::Object(seen.form())))
            } else {
                let body = (!seen.body.is_empty()).then(|| {
                    serde_json::from_slice(&seen.body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(&seen.body).into_owned())
                    })
                });
                (management, body)
            };
            if let Err(found) = spec.validate_request(&seen.method, &seen.target(), body.as_ref()) {
                errors.push(format!("{} {}: {found:?}", seen.method, seen.target()));
            }
        }
        Some(errors)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let unexpected = self.unexpected();
        assert!(
            unexpected.is_empty(),
            "requests no mock expected: {unexpected:#?}"
        );
        if self.check_spec
            && let Some(errors) = self.spec_errors()
        {
            assert!(
                errors.is_empty(),
                "requests that do not fit Okta's OpenAPI document: {errors:#?}"
            );
        }
    }
}

/// Everything logged (at every level) while the guard lives, on this thread.
#[derive(Clone, Default)]
pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Starts capturing; keep the guard alive for as long as logs should be captured.
    pub(crate) fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    /// The text logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
