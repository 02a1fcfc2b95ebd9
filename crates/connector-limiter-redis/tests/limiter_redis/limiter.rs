//! The Redis limiter's rules, against a real `redis-server`: two backends (two connections,
//! as two processes would have) spend one state.

use std::time::{Duration, SystemTime};

use connector_core::ErrorKind;
use connector_core::limiter::{Feedback, Limit, LimitKey, LimiterSpec, Observation, RateLimiter};
use connector_limiter_redis::testing::RedisServer;
use connector_limiter_redis::{RedisBackend, RedisLimiter};

const NO_WAIT: Duration = Duration::from_millis(50);

fn pair(redis: &RedisServer, spec: LimiterSpec) -> (RedisLimiter, RedisLimiter) {
    let one = RedisBackend::new(&redis.url())
        .expect("a URL")
        .redis_limiter(spec.clone());
    let other = RedisBackend::new(&redis.url())
        .expect("a URL")
        .redis_limiter(spec);
    (one, other)
}

#[tokio::test]
async fn keys_are_namespaced_by_connector_and_owner() {
    let backend = RedisBackend::new("redis://127.0.0.1:1/0").expect("a URL");
    let limiter = backend.redis_limiter(LimiterSpec::new("okta:https://acme.okta.com"));
    assert_eq!(
        limiter.redis_key(&LimitKey::quota(
            "okta:https://acme.okta.com GET /api/v1/users/{id}"
        )),
        "connectors:okta:https://acme.okta.com:okta:https://acme.okta.com GET /api/v1/users/{id}"
    );
    assert_eq!(
        limiter.redis_key(&LimitKey::concurrency(
            "okta-concurrency:https://acme.okta.com"
        )),
        "connectors:okta:https://acme.okta.com:okta-concurrency:https://acme.okta.com:leases"
    );
}

#[tokio::test]
async fn a_weighted_quota_admits_no_more_than_its_limit_across_processes() {
    let Some(redis) = RedisServer::start_or_skip("a_weighted_quota_admits_no_more_than_its_limit")
    else {
        return;
    };
    let spec = LimiterSpec::new("t")
        .with_limit("points", Limit::per_minute(10))
        .with_pacing(false);
    let (one, other) = pair(&redis, spec);
    let key = LimitKey::quota("points");
    one.acquire(&key, 3, NO_WAIT).await.expect("3 of 10");
    other.acquire(&key, 3, NO_WAIT).await.expect("6 of 10");
    one.acquire(&key, 3, NO_WAIT).await.expect("9 of 10");
    let error = other.acquire(&key, 3, NO_WAIT).await.expect_err("12 of 10");
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let wait = error.retry_after().expect("the wait is known");
    assert!(
        wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    other.acquire(&key, 1, NO_WAIT).await.expect("10 of 10");
}

#[tokio::test]
async fn a_429_seen_by_one_process_blocks_the_key_for_every_process_until_the_reset() {
    let Some(redis) = RedisServer::start_or_skip("a_429_seen_by_one_process_blocks_the_key") else {
        return;
    };
    let (one, other) = pair(&redis, LimiterSpec::new("t"));
    let key = LimitKey::quota("bucket");
    // The service said the bucket holds 100 and is spent for 5 more seconds.
    let permit = one
        .acquire(&key, 1, NO_WAIT)
        .await
        .expect("unknown limit: admitted");
    let observation = Observation::new(1, SystemTime::now()).with_admitted_at(permit.admitted_at());
    one.observe(
        &key,
        &Feedback::remaining(0, Duration::from_secs(5)).with_limit(100),
        &observation,
    )
    .await;
    let error = other.acquire(&key, 1, NO_WAIT).await.expect_err("blocked");
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let wait = error.retry_after().expect("the wait is known");
    assert!(
        wait > Duration::from_secs(4) && wait <= Duration::from_secs(5),
        "{wait:?}"
    );
}

#[tokio::test]
async fn the_charged_cost_corrects_the_estimate_for_every_process() {
    let Some(redis) = RedisServer::start_or_skip("the_charged_cost_corrects_the_estimate") else {
        return;
    };
    let spec = LimiterSpec::new("t")
        .with_limit("points", Limit::per_minute(100))
        .with_pacing(false);
    let (one, other) = pair(&redis, spec);
    let key = LimitKey::quota("points");
    let permit = one.acquire(&key, 60, NO_WAIT).await.expect("60 of 100");
    other
        .acquire(&key, 60, NO_WAIT)
        .await
        .expect_err("120 of 100");
    // The service charged 10 for what was estimated at 60.
    let observation =
        Observation::new(60, SystemTime::now()).with_admitted_at(permit.admitted_at());
    one.observe(&key, &Feedback::default().with_charged(10), &observation)
        .await;
    other
        .acquire(&key, 80, NO_WAIT)
        .await
        .expect("10 + 80 of 100");
}

#[tokio::test]
async fn a_late_answer_about_the_previous_window_does_not_cut_the_new_one_short() {
    let Some(redis) = RedisServer::start_or_skip("a_late_answer_about_the_previous_window") else {
        return;
    };
    let spec = LimiterSpec::new("t").with_pacing(false);
    let (one, other) = pair(&redis, spec);
    let key = LimitKey::quota("bucket");
    // A first window, learned from its first answer, ending in 100 ms.
    let early = one
        .acquire(&key, 1, NO_WAIT)
        .await
        .expect("admitted")
        .admitted_at();
    one.observe(
        &key,
        &Feedback::remaining(9, Duration::from_millis(100)).with_limit(10),
        &Observation::new(1, SystemTime::now()).with_admitted_at(early),
    )
    .await;
    let late = one
        .acquire(&key, 1, NO_WAIT)
        .await
        .expect("admitted")
        .admitted_at();
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The answer that opened the next window: anchors it.
    let opener = other
        .acquire(&key, 1, NO_WAIT)
        .await
        .expect("admitted")
        .admitted_at();
    other
        .observe(
            &key,
            &Feedback::remaining(9, Duration::from_secs(60)).with_limit(10),
            &Observation::new(1, SystemTime::now()).with_admitted_at(opener),
        )
        .await;
    // A late answer to a call admitted before that window began says "0 left": ignored.
    one.observe(
        &key,
        &Feedback::remaining(0, Duration::from_secs(60)).with_limit(10),
        &Observation::new(1, SystemTime::now()).with_admitted_at(late),
    )
    .await;
    for n in 0..9 {
        other
            .acquire(&key, 1, NO_WAIT)
            .await
            .unwrap_or_else(|e| panic!("unit {n}: {e}"));
    }
    other
        .acquire(&key, 1, NO_WAIT)
        .await
        .expect_err("the window holds 10");
}

#[tokio::test]
async fn pacing_reserves_slots_in_arrival_order_across_processes() {
    let Some(redis) = RedisServer::start_or_skip("pacing_reserves_slots_in_arrival_order") else {
        return;
    };
    let spec = LimiterSpec::new("t")
        .with_limit("paced", Limit::per(Duration::from_millis(500), 10))
        .with_burst(0.0);
    let (one, other) = pair(&redis, spec);
    let key = LimitKey::quota("paced");
    let mut stamps = Vec::new();
    for n in 0..4 {
        let limiter = if n % 2 == 0 { &one } else { &other };
        let permit = limiter
            .acquire(&key, 1, Duration::from_secs(1))
            .await
            .expect("a slot");
        stamps.push(permit.admitted_at().expect("stamped"));
    }
    for pair in stamps.windows(2) {
        let gap = pair[1].duration_since(pair[0]).expect("in order");
        // 500 ms over 10 units: about 50 ms apart, whichever process asks.
        assert!(gap >= Duration::from_millis(40), "{gap:?}");
    }
}
