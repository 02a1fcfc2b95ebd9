//! No secret reaches the logs, even at trace level: not the API token, not the private
//! key, not a client assertion, not an access token.
//!
//! One test in its own binary: tracing's per-thread capture is only reliable when no
//! other test on other threads hits the same log call sites first.

use crate::common;

use common::{Harness, Logs, TOKEN, fixture};
use connector_core::ErrorKind;
use httpmock::Method::{GET, POST};
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::json;

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let (logs, _guard) = Logs::capture();

    // An API token the org refuses.
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1").header("authorization", format!("SSWS {TOKEN}"));
            then.status(401).body(r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}"#);
        })
        .await;
    h.fallback().await;
    let e = h.okta().read_user("00u1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);

    // An OAuth app whose first access token is refused and refreshed.
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/v1/token");
            then.status(200)
                .json_body(json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "access-token-SECRET"}));
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("x-okta-retry-count", "1");
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            then.status(503).body("");
        })
        .await;
    h.fallback().await;
    let okta = h
        .builder()
        .private_key_jwt("0oa1", pem.as_str(), ["okta.users.read"])
        .build()
        .unwrap();
    okta.read_user("00u1").await.unwrap();
    let assertion = h.seen()[0].form()["client_assertion"]
        .as_str()
        .unwrap()
        .to_owned();

    let text = logs.text();
    // The capture works: the pipeline's decisions are there.
    assert!(text.contains("attempt finished"), "{text}");
    assert!(text.contains("requesting an access token"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    for secret in [
        "SECRET",
        &assertion[assertion.len() - 40..],
        pem.lines().nth(1).unwrap(),
    ] {
        assert!(!text.contains(secret), "{secret:?} is in the logs:\n{text}");
    }
}
