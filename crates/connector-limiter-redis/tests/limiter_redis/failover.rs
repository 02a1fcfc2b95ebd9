//! The failure policy: Redis killed mid-run leaves callers working on the in-memory fallback
//! (and they go back to Redis when it returns); with the closed policy calls fail with a
//! clear error and nothing is sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use connector_core::ErrorKind;
use connector_limiter_redis::testing::{RedisServer, free_port};
use connector_limiter_redis::{FailPolicy, RedisBackend};
use connector_okta::Okta;
use connector_sandbox::okta::{Bucket, OktaConfig, OktaEmulator};
use serde_json::json;

async fn okta_sandbox(limit: u32) -> (OktaEmulator, String) {
    let okta = OktaEmulator::start(
        OktaConfig::default()
            .with_bucket_limit(Bucket::User, limit)
            .with_window(Duration::from_secs(1)),
        0,
    )
    .await
    .expect("the Okta sandbox");
    let user = okta
        .add_user(json!({"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}))
        .expect("a user");
    let id = user["id"].as_str().expect("an id").to_owned();
    (okta, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_keep_working_on_the_fallback_when_redis_dies_and_go_back_when_it_returns() {
    let Some(mut redis) = RedisServer::start_or_skip("callers_keep_working_on_the_fallback") else {
        return;
    };
    let port = redis.port();
    let (sandbox, user) = okta_sandbox(100).await;
    let backend = RedisBackend::new(&redis.url()).expect("a Redis URL");
    let okta = Okta::builder(sandbox.base_url())
        .api_token(sandbox.api_token())
        .limiter_backend(Arc::new(backend.clone()))
        .build()
        .expect("a client");
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let until = tokio::time::Instant::now() + Duration::from_millis(2_500);
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let (okta, user, ok, failed) = (okta.clone(), user.clone(), ok.clone(), failed.clone());
            tokio::spawn(async move {
                // Bounded by the run's length.
                while tokio::time::Instant::now() < until {
                    match okta.read_user(&user).await {
                        Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("call failed: {e}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before_kill = ok.load(Ordering::Relaxed);
    redis.kill();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        backend.is_degraded(),
        "the backend should have noticed Redis is gone"
    );
    for caller in callers {
        caller.await.expect("a caller");
    }
    let after_kill = ok.load(Ordering::Relaxed) - before_kill;
    eprintln!(
        "{before_kill} calls before Redis died, {after_kill} after; {} failed",
        failed.load(Ordering::Relaxed)
    );
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "no call may fail because Redis died"
    );
    assert!(after_kill > 0, "calls went on after Redis died");

    // Redis comes back on the same port: within a probe interval the limiter uses it again.
    let _redis = RedisServer::start_on(port).expect("redis-server restarts");
    let back = tokio::time::Instant::now() + Duration::from_secs(6);
    while backend.is_degraded() && tokio::time::Instant::now() < back {
        okta.read_user(&user).await.expect("a call");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !backend.is_degraded(),
        "the limiter did not go back to Redis"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_closed_policy_calls_fail_clearly_and_nothing_is_sent() {
    let (sandbox, user) = okta_sandbox(100).await;
    // Nothing listens there.
    let url = format!("redis://127.0.0.1:{}/0", free_port().expect("a port"));
    let backend = RedisBackend::new(&url)
        .expect("a Redis URL")
        .with_fail_policy(FailPolicy::Closed);
    let okta = Okta::builder(sandbox.base_url())
        .api_token(sandbox.api_token())
        .limiter_backend(Arc::new(backend))
        .build()
        .expect("a client");
    let error = okta.read_user(&user).await.expect_err("the call must fail");
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    let message = error.to_string();
    assert!(message.contains("Redis"), "{message}");
    assert!(message.contains("CONNECTOR_RATE_LIMIT_FAIL"), "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    assert_eq!(sandbox.stats().requests, 0, "a request was sent");
}
