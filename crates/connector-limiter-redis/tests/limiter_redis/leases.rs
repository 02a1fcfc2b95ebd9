//! Concurrency caps as leases: a process killed (SIGKILL) while holding slots gives them back
//! when its leases expire, not later; a live holder keeps them by renewing.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{ROLE, var};
use connector_core::limiter::{Limit, LimitKey, LimiterSpec, RateLimiter};
use connector_limiter_redis::RedisBackend;
use connector_limiter_redis::testing::RedisServer;

const CAP: usize = 3;
const LEASE: Duration = Duration::from_millis(1_000);

fn limiter(url: &str) -> connector_limiter_redis::RedisLimiter {
    RedisBackend::new(url)
        .expect("a Redis URL")
        .with_lease_time(LEASE)
        .redis_limiter(LimiterSpec::new("lease-test").with_limit("slots", Limit::Concurrency(CAP)))
}

/// The entry point of the holder process (ignored: only the test below starts it).
#[test]
#[ignore = "a worker process the lease test starts"]
fn worker() {
    if std::env::var(ROLE).is_err() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let limiter = limiter(&var("SHARED_LIMIT_REDIS"));
        let key = LimitKey::concurrency("slots");
        let mut held = Vec::new();
        for _ in 0..CAP {
            held.push(
                limiter
                    .acquire(&key, 1, Duration::from_secs(2))
                    .await
                    .expect("a slot"),
            );
        }
        println!("HELD");
        // Held until the test kills this process; bounded in case it never does.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(held);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_holder_shrinks_the_cap_no_longer_than_the_lease() {
    let Some(redis) =
        RedisServer::start_or_skip("a_killed_holder_shrinks_the_cap_no_longer_than_the_lease")
    else {
        return;
    };
    let mut holder = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "leases::worker",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "hold")
        .env("SHARED_LIMIT_REDIS", redis.url())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the holder starts");
    let stdout = holder.stdout.take().expect("the holder's output");
    let held = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().take(50).any(|line| {
            line.map(|l| l.trim_end().ends_with("HELD"))
                .unwrap_or(false)
        })
    });
    assert!(
        tokio::time::timeout(Duration::from_secs(20), held)
            .await
            .expect("the holder answers in time")
            .unwrap(),
        "the holder did not take its slots"
    );

    let limiter = limiter(&redis.url());
    let key = LimitKey::concurrency("slots");
    // A live holder renews its leases: past their time, the cap is still full.
    tokio::time::sleep(LEASE + Duration::from_millis(300)).await;
    let refused = limiter.acquire(&key, 1, Duration::from_millis(100)).await;
    assert!(refused.is_err(), "a live holder's slots were taken");

    holder.kill().expect("SIGKILL");
    let _ = holder.wait();
    let killed = Instant::now();
    let mut permits = Vec::new();
    for _ in 0..CAP {
        permits.push(
            limiter
                .acquire(&key, 1, LEASE + Duration::from_millis(1_500))
                .await
                .expect("the slots come back when the leases expire"),
        );
    }
    let back = killed.elapsed();
    eprintln!("the killed holder's {CAP} slots came back {back:?} after SIGKILL (lease {LEASE:?})");
    assert!(back <= LEASE + Duration::from_millis(700), "{back:?}");

    // Released on drop: the slots are free again at once, not after the lease.
    drop(permits);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = Instant::now();
    let mut permits = Vec::new();
    for _ in 0..CAP {
        permits.push(
            limiter
                .acquire(&key, 1, Duration::from_millis(500))
                .await
                .expect("a released slot"),
        );
    }
    assert!(
        again.elapsed() < Duration::from_millis(400),
        "{:?}",
        again.elapsed()
    );
}
