//! `create-user` whose answer is lost: the user is read back by login and returned when its
//! profile holds what was sent (the log says the answer was recovered); another profile
//! under the login is a `conflict` naming it; a failed read-back keeps the unknown outcome
//! and says to check with `read-user`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use common::{Harness, Logs, TOKEN, fixture};
use connector_core::pipeline::{Outgoing, ReqwestTransport, Transport, TransportFailure};
use connector_core::{ErrorKind, Response};
use connector_okta::{CreateUserInput, Okta, UserProfile};
use httpmock::Method::{GET, POST};

const LOGIN: &str = "isaac.brock@example.com";
/// The login as the read-back's path segment carries it.
const LOGIN_PATH: &str = "/api/v1/users/isaac.brock%40example.com";

/// Sends every request for real, then loses the answer of the first `POST` as `how`
/// says: Okta acted, the caller never learns it.
#[derive(Debug)]
struct LosesFirstPost {
    inner: ReqwestTransport,
    lose: AtomicU32,
    how: TransportFailure,
}

#[async_trait]
impl Transport for LosesFirstPost {
    async fn send(&self, request: Outgoing) -> Result<Response, TransportFailure> {
        let post = request.method == connector_core::Method::POST;
        let answer = self.inner.send(request).await?;
        if post
            && self
                .lose
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(self.how.clone());
        }
        Ok(answer)
    }
}

fn losing_client(h: &Harness, how: TransportFailure) -> Okta {
    h.builder()
        .api_token(TOKEN)
        .transport(Arc::new(LosesFirstPost {
            inner: ReqwestTransport::new(Duration::from_secs(5)).unwrap(),
            lose: AtomicU32::new(1),
            how,
        }))
        .build()
        .unwrap()
}

fn isaac(last_name: &str) -> CreateUserInput {
    CreateUserInput::new(
        UserProfile::new(LOGIN)
            .with_name("Isaac", last_name)
            .with_attribute("department", "Engineering"),
    )
}

/// Okta creates the user (its answer is then lost) and serves it by login.
async fn created_and_readable(h: &Harness) {
    h.server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/users");
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path(LOGIN_PATH);
            then.status(200).body(fixture("get_user.json"));
        })
        .await;
    h.fallback().await;
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_reading_the_user_back_by_login() {
    let (logs, _guard) = Logs::capture();
    for how in [
        TransportFailure::Broken("connection closed before the answer".into()),
        TransportFailure::Timeout(Duration::from_secs(30)),
    ] {
        let h = Harness::start().await;
        created_and_readable(&h).await;
        let okta = losing_client(&h, how.clone());

        let user = okta.create_user(isaac("Brock")).await.unwrap();

        assert_eq!(user.id, "00ub0oNGTSWTBKOLGLNR", "{how}");
        let sent: Vec<String> = h
            .seen()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect();
        assert_eq!(
            sent,
            ["POST /api/v1/users".to_owned(), format!("GET {LOGIN_PATH}")],
            "one create, then the read-back ({how})"
        );
    }
    let logged = logs.text();
    assert!(
        logged.contains("recovered the user it created"),
        "the log says the answer was recovered: {logged}"
    );
}

#[tokio::test]
async fn a_lost_answer_with_another_profile_under_the_login_is_a_conflict_naming_the_login() {
    let (_logs, _guard) = Logs::capture();
    let h = Harness::start().await;
    created_and_readable(&h).await;
    let okta = losing_client(&h, TransportFailure::Broken("reset".into()));

    let error = okta.create_user(isaac("Newton")).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Conflict, "{error}");
    let message = error.message();
    assert!(message.contains(LOGIN), "{message}");
    assert!(
        message.contains("lastName"),
        "names the field that differs: {message}"
    );
    assert!(
        !message.contains("Newton"),
        "values are not quoted: {message}"
    );
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn a_failed_read_back_keeps_the_unknown_outcome_and_says_to_check_with_read_user() {
    let (_logs, _guard) = Logs::capture();
    for (status, body) in [
        (
            404,
            r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: isaac.brock@example.com (User)","errorCauses":[]}"#,
        ),
        (
            500,
            r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorCauses":[]}"#,
        ),
    ] {
        let h = Harness::start().await;
        h.server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/users");
                then.status(200).body(fixture("get_user.json"));
            })
            .await;
        h.server
            .mock_async(|when, then| {
                when.method(GET).path(LOGIN_PATH);
                then.status(status).body(body);
            })
            .await;
        h.fallback().await;
        let okta = losing_client(&h, TransportFailure::Timeout(Duration::from_secs(30)));

        let error = okta.create_user(isaac("Brock")).await.unwrap_err();

        assert_eq!(
            error.kind(),
            ErrorKind::Timeout,
            "the create's error ({status})"
        );
        assert!(error.outcome_unknown(), "{error}");
        assert_eq!(error.attempts(), 1, "the POST was sent once: {error}");
        let message = error.message();
        assert!(message.contains("(30.0 s)"), "names the limit: {message}");
        assert!(
            message.contains(&format!("check with read-user using the login {LOGIN}")),
            "{message}"
        );
    }
}
