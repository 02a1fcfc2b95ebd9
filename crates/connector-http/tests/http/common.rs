//! Helpers shared by the tests: clients on a mock server, a capture of what it received,
//! and a fallback that fails any unexpected request.
// Each module uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use connector_core::clock::ManualClock;
use connector_http::{Credential, Http};
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};

/// A secret that must never show up in `Debug`, errors or output.
pub(crate) const SECRET: &str = "s3cr3t-9a8b7c6d5e4f";

/// Headers every request carries that are not credentials.
const ORDINARY: &[&str] = &[
    "host",
    "accept",
    "user-agent",
    "accept-encoding",
    "content-length",
    "content-type",
];

/// A client on the mock server (`base_url` = the server's `/v1`) with `credential`, its
/// waits on a manual clock.
pub(crate) fn client(server: &MockServer, credential: Credential) -> (Http, ManualClock) {
    let clock = ManualClock::new();
    let http = Http::builder()
        .base_url(server.url("/v1"))
        .credential(credential)
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("a valid client");
    (http, clock)
}

/// A client without a connection: no base URL, no credential.
pub(crate) fn anonymous() -> (Http, ManualClock) {
    let clock = ManualClock::new();
    let http = Http::builder()
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("a valid client");
    (http, clock)
}

/// Answers any request no other mock matched with a 418 that names the mistake. Register
/// it last.
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

/// One request's headers: (lowercase name, value).
type Headers = Vec<(String, String)>;

/// The headers of each request a mock answered, in order.
#[derive(Clone, Default)]
pub(crate) struct Seen(Arc<Mutex<Vec<Headers>>>);

impl Seen {
    /// Records a request's headers and answers 200 `{"ok":true}`.
    pub(crate) fn answer(&self, req: &HttpMockRequest) -> HttpMockResponse {
        self.record(req);
        HttpMockResponse::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(r#"{"ok":true}"#)
            .build()
    }

    /// Records a request's headers.
    pub(crate) fn record(&self, req: &HttpMockRequest) {
        let headers = req
            .headers_vec()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        self.0.lock().unwrap().push(headers);
    }

    /// The headers of the only request seen that are not ordinary ones: the credentials
    /// and the caller's own headers.
    pub(crate) fn extra_headers(&self) -> Vec<(String, String)> {
        let seen = self.0.lock().unwrap();
        assert_eq!(seen.len(), 1, "one request expected, saw {}", seen.len());
        let mut extra: Vec<_> = seen[0]
            .iter()
            .filter(|(k, _)| !ORDINARY.contains(&k.as_str()))
            .cloned()
            .collect();
        extra.sort();
        extra
    }
}
