//! Four OS processes, each with its own connector, spending one budget of the sandbox: with
//! the Redis limiter they draw no 429 and use the budget; with in-memory limiters (the same
//! run, side by side) each spends the whole budget and the service answers 429.
//!
//! These run in real time against a real `redis-server` (skipped, with a message, when it
//! is not installed): the budget is the sandbox's and its windows are real seconds.
//! `SHARED_LIMIT_SECONDS` sets each round's length (default 3).

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ROLE, epoch_ms_in, results, spawn_workers, sum, until_epoch_ms, var};
use connector_boards::Boards;
use connector_core::ErrorKind;
use connector_core::limiter::{Limit, LimiterBackend, LimiterSpec, MemoryLimiter, RateLimiter};
use connector_limiter_redis::RedisBackend;
use connector_limiter_redis::testing::RedisServer;
use connector_okta::Okta;
use connector_sandbox::BoardsEmulator;
use connector_sandbox::boards::BoardsConfig;
use connector_sandbox::okta::{Bucket, OktaConfig, OktaEmulator};
use serde_json::{Value, json};

const PROCESSES: usize = 4;
const CALLERS_PER_PROCESS: usize = 8;
const OKTA_LIMIT: u32 = 50;
const WINDOW: Duration = Duration::from_secs(1);
const BOARDS_BUDGET: u64 = 20_000;
const BOARDS_COST: u64 = 500;
const EXHAUSTED: &str = "COMPLEXITY_BUDGET_EXHAUSTED";

fn round_length() -> Duration {
    let seconds = std::env::var("SHARED_LIMIT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3u64);
    Duration::from_secs(seconds.clamp(1, 60))
}

/// The entry point of a worker process (ignored: only the tests below start it).
#[test]
#[ignore = "a worker process the shared-budget tests start"]
fn worker() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime.block_on(run_worker(&role));
    println!("\nRESULT {report}");
}

async fn run_worker(role: &str) -> Value {
    let redis = std::env::var("SHARED_LIMIT_REDIS").ok();
    let backend = redis.map(|url| RedisBackend::new(&url).expect("a Redis URL"));
    let target = var("SHARED_LIMIT_TARGET");
    let start: u64 = var("SHARED_LIMIT_START").parse().expect("a start time");
    let millis: u64 = var("SHARED_LIMIT_MILLIS").parse().expect("a duration");
    match role {
        "okta" => {
            let url = var("SHARED_LIMIT_URL");
            // The client's spec with the window it assumes for learned limits (Okta's 60 s)
            // scaled down as the sandbox's is.
            let spec = LimiterSpec::new(format!("okta:{url}"))
                .with_default_window(WINDOW)
                .with_limit("okta-concurrency:*", Limit::Concurrency(75));
            let limiter: Arc<dyn RateLimiter> = match &backend {
                Some(backend) => backend.limiter(spec).expect("a limiter"),
                None => Arc::new(MemoryLimiter::from_spec(spec)),
            };
            let okta = Okta::builder(url)
                .api_token(var("SHARED_LIMIT_TOKEN"))
                .limiter(limiter)
                .build()
                .expect("an Okta client");
            until_epoch_ms(start).await;
            call_for(Duration::from_millis(millis), move || {
                let (okta, target) = (okta.clone(), target.clone());
                async move { okta.read_user(&target).await.map(drop) }
            })
            .await
        }
        "boards" => {
            let builder =
                Boards::builder(var("SHARED_LIMIT_TOKEN")).api_url(var("SHARED_LIMIT_URL"));
            // The client's limits with the budget's window scaled down as the sandbox's is
            // (the builder's complexity budget is per minute).
            let profile = builder.profile().clone();
            let spec = LimiterSpec::new(format!("boards:{}", profile.fingerprint()))
                .with_limit(profile.complexity_key(), Limit::per(WINDOW, BOARDS_BUDGET))
                .with_limit(profile.concurrency_key(), Limit::Concurrency(40));
            let limiter: Arc<dyn RateLimiter> = match &backend {
                Some(backend) => backend.limiter(spec).expect("a limiter"),
                None => Arc::new(MemoryLimiter::from_spec(spec)),
            };
            let boards = builder.limiter(limiter).build().expect("a boards client");
            until_epoch_ms(start).await;
            call_for(Duration::from_millis(millis), move || {
                let (boards, target) = (boards.clone(), target.clone());
                async move { boards.read_board(&target).await.map(drop) }
            })
            .await
        }
        other => panic!("unknown worker role {other}"),
    }
}

/// Calls from several callers until `length` has passed; a call still waiting then is
/// abandoned (it would be spent past the measured interval).
async fn call_for<F, Fut>(length: Duration, call: F) -> Value
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = connector_core::Result<()>> + Send,
{
    let until = tokio::time::Instant::now() + length;
    let call = Arc::new(call);
    let mut tasks = Vec::new();
    for _ in 0..CALLERS_PER_PROCESS {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut rate_limited, mut failed) = (0u64, 0u64, 0u64);
            // Bounded by the round's length (and each call by what is left of it).
            while let Some(left) = until.checked_duration_since(tokio::time::Instant::now()) {
                match tokio::time::timeout(left, call()).await {
                    Err(_) => break,
                    Ok(Ok(())) => ok += 1,
                    Ok(Err(e)) if e.kind() == ErrorKind::RateLimited => rate_limited += 1,
                    Ok(Err(e)) => {
                        eprintln!("worker call failed: {e}");
                        failed += 1;
                    }
                }
            }
            (ok, rate_limited, failed)
        }));
    }
    let (mut ok, mut rate_limited, mut failed) = (0, 0, 0);
    for task in tasks {
        let (o, r, f) = task.await.expect("a caller task");
        ok += o;
        rate_limited += r;
        failed += f;
    }
    json!({ "ok": ok, "rateLimited": rate_limited, "failed": failed })
}

fn worker_vars(
    role: &str,
    url: String,
    token: String,
    target: String,
    redis: Option<String>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::from([
        (ROLE.to_owned(), role.to_owned()),
        ("SHARED_LIMIT_URL".to_owned(), url),
        ("SHARED_LIMIT_TOKEN".to_owned(), token),
        ("SHARED_LIMIT_TARGET".to_owned(), target),
        // Time for every process to start and build its client before the common start.
        (
            "SHARED_LIMIT_START".to_owned(),
            epoch_ms_in(Duration::from_millis(1500)).to_string(),
        ),
        (
            "SHARED_LIMIT_MILLIS".to_owned(),
            round_length().as_millis().to_string(),
        ),
    ]);
    if let Some(redis) = redis {
        vars.insert("SHARED_LIMIT_REDIS".to_owned(), redis);
    }
    vars
}

async fn run_workers(vars: BTreeMap<String, String>) -> Vec<Value> {
    let children = spawn_workers(PROCESSES, &vars);
    let limit = round_length() + Duration::from_secs(30);
    tokio::task::spawn_blocking(move || results(children, limit))
        .await
        .expect("the workers' results")
}

#[derive(Debug)]
struct OktaRound {
    ok: u64,
    callers_rate_limited: u64,
    failed: u64,
    wire_429: u64,
    admitted: u64,
    max_in_window: u32,
    utilization: f64,
}

async fn okta_round(okta: &OktaEmulator, user: &str, redis: Option<String>) -> OktaRound {
    // A fresh window, so that each round starts on the same footing.
    tokio::time::sleep(WINDOW + Duration::from_millis(100)).await;
    okta.reset_stats();
    let vars = worker_vars(
        "okta",
        okta.base_url(),
        okta.api_token().to_owned(),
        user.to_owned(),
        redis,
    );
    let results = run_workers(vars).await;
    let stats = okta.stats();
    let bucket = &stats.buckets["user"];
    let capacity = OKTA_LIMIT as f64 * round_length().as_secs_f64() / WINDOW.as_secs_f64();
    OktaRound {
        ok: sum(&results, "ok"),
        callers_rate_limited: sum(&results, "rateLimited"),
        failed: sum(&results, "failed"),
        wire_429: stats.too_many_requests(),
        admitted: bucket.admitted,
        max_in_window: bucket.max_admitted_in_window,
        utilization: (bucket.admitted as f64 / capacity).min(1.0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_spend_one_okta_bucket_without_429s_where_memory_limiters_draw_them() {
    let Some(redis) = RedisServer::start_or_skip("four_processes_spend_one_okta_bucket") else {
        return;
    };
    let okta = OktaEmulator::start(
        OktaConfig::default()
            .with_bucket_limit(Bucket::User, OKTA_LIMIT)
            .with_window(WINDOW),
        0,
    )
    .await
    .expect("the Okta sandbox");
    let user = okta
        .add_user(json!({"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}))
        .expect("a user");
    let user = user["id"].as_str().expect("an id").to_owned();

    let started = Instant::now();
    let shared = okta_round(&okta, &user, Some(redis.url())).await;
    let memory = okta_round(&okta, &user, None).await;
    eprintln!(
        "okta, {PROCESSES} processes x {CALLERS_PER_PROCESS} callers, {OKTA_LIMIT} per {WINDOW:?}, {:?} each:",
        round_length()
    );
    eprintln!("  redis : {shared:?}");
    eprintln!("  memory: {memory:?}");
    eprintln!("  ({:.1} s)", started.elapsed().as_secs_f64());

    assert!(shared.max_in_window <= OKTA_LIMIT, "{shared:?}");
    assert_eq!(
        shared.wire_429, 0,
        "429s on the wire with the shared limiter: {shared:?}"
    );
    assert_eq!(shared.callers_rate_limited, 0, "{shared:?}");
    assert_eq!(shared.failed, 0, "{shared:?}");
    assert!(
        shared.utilization >= 0.90,
        "the shared budget was under-used: {shared:?}"
    );
    assert!(shared.ok > 0 && shared.ok <= shared.admitted, "{shared:?}");
    assert!(
        memory.wire_429 > 0,
        "in-memory limiters in separate processes should overspend the bucket: {memory:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_the_boards_complexity_budget() {
    let Some(redis) =
        RedisServer::start_or_skip("four_processes_share_the_boards_complexity_budget")
    else {
        return;
    };
    let mut config = BoardsConfig::default();
    config.complexity_budget = BOARDS_BUDGET;
    config.complexity_window = WINDOW;
    config.fixed_cost = Some(BOARDS_COST);
    let sandbox = BoardsEmulator::start(config, 0)
        .await
        .expect("the boards sandbox");
    let board = sandbox.state().seed_boards(1).remove(0);
    let vars = worker_vars(
        "boards",
        sandbox.api_url(),
        sandbox.api_token(),
        board,
        Some(redis.url()),
    );
    let results = run_workers(vars).await;
    let stats = sandbox.state().stats();
    let capacity = BOARDS_BUDGET as f64 * round_length().as_secs_f64() / WINDOW.as_secs_f64();
    let utilization = (stats.points_spent as f64 / capacity).min(1.0);
    let exhausted = stats.throttled_with(EXHAUSTED);
    eprintln!(
        "boards, {PROCESSES} processes: {} ok, {} rate limited, {} failed; {exhausted} exhausted, {} points, utilization {utilization:.3}, at most {} points per window",
        sum(&results, "ok"),
        sum(&results, "rateLimited"),
        sum(&results, "failed"),
        stats.points_spent,
        stats.max_window_points
    );
    assert_eq!(exhausted, 0, "{stats:?}");
    assert_eq!(sum(&results, "failed") + sum(&results, "rateLimited"), 0);
    assert!(stats.max_window_points <= BOARDS_BUDGET, "{stats:?}");
    assert!(
        utilization >= 0.85,
        "the shared budget was under-used: {utilization:.3}"
    );
}
