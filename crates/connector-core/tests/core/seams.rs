//! The extension seams: a retry rule added without copying the defaults, a limiter written
//! outside core, a deadline that holds before anything is sent, a transport injected, a dry
//! run that records instead of failing, and the OAuth token request on the same pipeline.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use connector_core::auth::ClientAuth;
use connector_core::clock::ManualClock;
use connector_core::limiter::{
    Feedback, Limit, LimitKey, MemoryLimiter, Observation, Permit, RateLimiter,
};
use connector_core::pipeline::{
    AttemptContext, DryRunLog, Outgoing, Transport, TransportFailure, record_calls,
};
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{
    ClientCredentials, Connection, ErrorKind, Method, Profile, Request, Response, Result,
    StaticToken, Timeouts,
};
use httpmock::prelude::*;
use secrecy::SecretString;
use support::{Scripted, reply};

#[tokio::test]
async fn a_connector_adds_a_retry_rule_in_a_few_lines_without_copying_the_defaults() {
    let server = MockServer::start_async().await;
    let busy = server
        .mock_async(|when, then| {
            when.method(POST).path("/things");
            then.status(409)
                .json_body(serde_json::json!({"code": "TRY_AGAIN"}));
        })
        .await;
    let clock = ManualClock::new();
    let base = Connection::builder(&server.base_url()).clock(Arc::new(clock.clone()));
    // The rule: a 409 whose body says TRY_AGAIN is worth retrying. Everything else (429,
    // 503, 401, transport failures) stays with the default rules.
    let retrying = base
        .rule(|ctx: &AttemptContext<'_>| {
            let busy =
                ctx.status() == Some(409) && ctx.json()?.get("code")?.as_str()? == "TRY_AGAIN";
            busy.then(|| Verdict::retry(RetryReason::Status(409)))
        })
        .build()
        .unwrap();
    let error = retrying
        .send(retrying.request(Method::POST, "/things"))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 4, "{error}");
    assert_eq!(error.kind(), ErrorKind::Conflict);
    busy.assert_calls_async(4).await;

    // Without the rule the defaults hold: a 409 is not retried.
    let plain = Connection::builder(&server.base_url())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let error = plain
        .send(plain.request(Method::POST, "/things"))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 1);
    busy.assert_calls_async(5).await;
}

/// A limiter written outside core: counts what it is asked and delegates.
#[derive(Debug)]
struct Counting {
    inner: MemoryLimiter,
    acquired: AtomicU64,
    observed: AtomicU64,
}

#[async_trait]
impl RateLimiter for Counting {
    async fn acquire(&self, key: &LimitKey, cost: u64, max_wait: Duration) -> Result<Permit> {
        self.acquired.fetch_add(1, Ordering::SeqCst);
        let inner = self.inner.acquire(key, cost, max_wait).await?;
        let admitted = inner.admitted_at();
        Ok(Permit::holding(inner).with_admitted_at(admitted))
    }

    async fn observe(&self, key: &LimitKey, feedback: &Feedback, observation: &Observation) {
        assert_eq!(
            observation.estimated, 3,
            "the pipeline passes what it acquired"
        );
        assert!(
            observation.admitted_at.is_some(),
            "and when it was admitted"
        );
        self.observed.fetch_add(1, Ordering::SeqCst);
        self.inner.observe(key, feedback, observation).await;
    }
}

#[tokio::test]
async fn a_limiter_written_outside_core_runs_through_the_pipeline() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/items");
            then.status(200)
                .header("x-left", "7")
                .json_body(serde_json::json!([]));
        })
        .await;
    let limiter = Arc::new(Counting {
        inner: MemoryLimiter::new()
            .with_limit("items", Limit::per_minute(100))
            .with_pacing(false),
        acquired: AtomicU64::new(0),
        observed: AtomicU64::new(0),
    });
    let profile = Profile::plain()
        .with_limit_keys(|_: &Request| vec![(LimitKey::quota("items"), 3)])
        .with_feedback(|ctx: &AttemptContext<'_>| {
            ctx.response()
                .and_then(|r| r.header("x-left"))
                .and_then(|v| v.parse().ok())
                .map(|left| {
                    vec![(
                        LimitKey::quota("items"),
                        Feedback::remaining(left, Duration::from_secs(60)),
                    )]
                })
                .unwrap_or_default()
        });
    let conn = Connection::builder(&server.base_url())
        .profile(profile)
        .limiter(limiter.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        conn.send(conn.request(Method::GET, "/items"))
            .await
            .unwrap();
    }
    assert_eq!(limiter.acquired.load(Ordering::SeqCst), 3);
    assert_eq!(limiter.observed.load(Ordering::SeqCst), 3);
    // Feedback only ever lowers what the limiter counts: 7 left after the first call, then
    // each later call spends 3 of it again.
    assert_eq!(limiter.inner.remaining("items"), Some(1));
}

#[tokio::test(start_paused = true)]
async fn an_admission_past_the_deadline_fails_the_post_with_nothing_sent() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/users");
            then.status(201).json_body(serde_json::json!({}));
        })
        .await;
    // One call a minute, already spent: the next admission is a minute away, past the
    // call's 10 s deadline.
    let limiter = Arc::new(
        MemoryLimiter::new()
            .with_limit("users", Limit::per_minute(1))
            .with_pacing(false),
    );
    limiter
        .acquire(&LimitKey::quota("users"), 1, Duration::from_secs(1))
        .await
        .unwrap();
    let conn = Connection::builder(&server.base_url())
        .profile(
            Profile::plain().with_limit_keys(|_: &Request| vec![(LimitKey::quota("users"), 1)]),
        )
        .limiter(limiter)
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(10),
        ))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = conn
        .send(conn.request(Method::POST, "/users").body("{}"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited, "{error}");
    assert_eq!(error.attempts(), 0);
    let wait = error.retry_after().expect("the wait is carried");
    assert!(wait > Duration::from_secs(50), "{wait:?}");
    assert!(error.to_string().contains("nothing was sent"), "{error}");
    assert_eq!(started.elapsed(), Duration::ZERO, "no waiting in vain");
    create.assert_calls_async(0).await;
}

/// A transport that answers every request itself.
#[derive(Debug, Default)]
struct Canned {
    sent: AtomicU64,
}

#[async_trait]
impl Transport for Canned {
    async fn send(&self, request: Outgoing) -> std::result::Result<Response, TransportFailure> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(Response::from_parts(
            200,
            Default::default(),
            r#"{"canned":true}"#,
            request.url,
        ))
    }
}

#[tokio::test]
async fn a_transport_can_be_injected_and_calls_are_recorded() {
    let transport = Arc::new(Canned::default());
    let conn = Connection::builder("https://api.example.com")
        .auth(StaticToken::bearer("tok-1"))
        .transport(transport.clone())
        .build()
        .unwrap();
    let (answer, calls) = record_calls(async {
        conn.send_json::<serde_json::Value>(conn.request(Method::GET, "/v1/x?secret=1"))
            .await
    })
    .await;
    assert_eq!(answer.unwrap()["canned"], true);
    assert_eq!(transport.sent.load(Ordering::SeqCst), 1);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/v1/x", "no query in the record");
    assert_eq!(calls[0].status, Some(200));
    assert_eq!(calls[0].attempts, 1);
}

#[tokio::test]
async fn a_dry_run_records_every_request_masks_the_credential_and_is_not_an_error() {
    let log = DryRunLog::new();
    let conn = Connection::builder("https://api.example.com")
        .auth(StaticToken::ssws("s3cr3t-token"))
        .dry_run(Some(log.clone()))
        .build()
        .unwrap();
    assert!(conn.is_dry_run());
    let roles = conn
        .send(conn.request(Method::GET, "/api/v1/users/00u1/roles"))
        .await
        .expect("a dry run answers synthetically");
    assert!(roles.is_synthetic());
    conn.send(
        conn.request(Method::DELETE, "/api/v1/users/00u1/roles/RA")
            .depends_on_answer(),
    )
    .await
    .unwrap();
    conn.send(conn.request(Method::POST, "/text").body("plain words"))
        .await
        .unwrap();
    let requests = log.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].method, "GET");
    assert!(!requests[0].depends_on_answer);
    assert_eq!(requests[1].method, "DELETE");
    assert!(requests[1].depends_on_answer);
    assert!(
        !requests[1]
            .headers
            .contains_key("x-connector-depends-on-answer")
    );
    assert_eq!(requests[0].headers["authorization"], "SSWS ****");
    assert_eq!(requests[2].body, Some(serde_json::json!("plain words")));
    let shown = serde_json::to_string(&requests).unwrap();
    assert!(!shown.contains("s3cr3t"), "{shown}");
    // Reading a synthetic answer as a type stops the action, saying why.
    let error = roles.json::<Vec<u32>>().unwrap_err();
    assert!(error.is_dry_run_stop());
}

fn token_source(url: &str, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::new(
        url,
        "client-1",
        ["scope.read"],
        ClientAuth::Secret(SecretString::from("client-secret-xyz".to_owned())),
    )
    .unwrap()
    .with_clock(Arc::new(clock.clone()))
}

#[tokio::test]
async fn the_token_request_is_retried_once_after_a_503() {
    let idp = Scripted::start(vec![
        reply(503, &[], "{}"),
        reply(
            200,
            &[("content-type", "application/json")],
            r#"{"token_type":"Bearer","access_token":"at-1","expires_in":3600}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let source = token_source(&format!("{}/token", idp.url), &clock);
    let header = connector_core::auth::Authenticator::authorization(&source)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&header), "Bearer at-1");
    assert_eq!(idp.hits(), 2);
    assert_eq!(clock.sleeps().len(), 1, "one backoff on the injected clock");
}

#[tokio::test]
async fn the_token_request_honours_retry_after_on_the_injected_clock() {
    let idp = Scripted::start(vec![
        reply(429, &[("retry-after", "7")], r#"{"error":"slow_down"}"#),
        reply(
            200,
            &[("content-type", "application/json")],
            r#"{"token_type":"Bearer","access_token":"at-2","expires_in":3600}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let source = token_source(&format!("{}/token", idp.url), &clock);
    connector_core::auth::Authenticator::authorization(&source)
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
    assert_eq!(idp.hits(), 2);
    let form = &idp.seen()[1].body;
    assert!(form.contains("grant_type=client_credentials"), "{form}");
}

#[tokio::test]
async fn a_refusal_from_the_token_endpoint_says_which_client_and_never_the_secret() {
    let idp = Scripted::start(vec![reply(
        401,
        &[("content-type", "application/json")],
        r#"{"error":"invalid_client","error_description":"bad secret"}"#,
    )])
    .await;
    let clock = ManualClock::new();
    let source = token_source(&format!("{}/token", idp.url), &clock);
    let error = connector_core::auth::Authenticator::authorization(&source)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.code(), Some("invalid_client"));
    let shown = format!("{error} {error:?} {}", error.to_json());
    assert!(shown.contains("client-1"), "{shown}");
    assert!(!shown.contains("client-secret-xyz"), "{shown}");
}
