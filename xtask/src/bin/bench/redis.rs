//! Scenario 6, one budget shared by processes on Redis: 4 OS processes (this binary again,
//! `__shared`), each with its own client, spend the sandbox's Okta `user` bucket of 50 per
//! 1 s window, first with the Redis limiter, then with their in-memory limiters; then 4
//! processes share a boards complexity budget on Redis. Last, the cost of the shared limiter:
//! one acquire plus one observe on a loopback Redis, sequentially.
//!
//! The scenario starts its own `redis-server` (Debian package `redis-server`); without it,
//! it says why and records nothing.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use connector_boards::Boards;
use connector_core::ErrorKind;
use connector_core::limiter::{
    Feedback, Limit, LimitKey, LimiterBackend, LimiterSpec, MemoryLimiter, Observation, RateLimiter,
};
use connector_limiter_redis::RedisBackend;
use connector_limiter_redis::testing::RedisServer;
use connector_okta::Okta;
use connector_sandbox::BoardsEmulator;
use connector_sandbox::boards::BoardsConfig;
use connector_sandbox::okta::{Bucket, OktaConfig, OktaEmulator};
use serde_json::{Value, json};

use crate::Plan;
use crate::measure::Samples;
use crate::report::Summary;

const PROCESSES: usize = 4;
const CALLERS: usize = 8;
const OKTA_LIMIT: u32 = 50;
const WINDOW: Duration = Duration::from_secs(1);
const BOARDS_BUDGET: u64 = 20_000;
const BOARDS_COST: u64 = 500;
const ACQUIRES: usize = 2_000;

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let redis = match RedisServer::start() {
        Ok(redis) => redis,
        Err(why) => {
            eprintln!("  redis: skipped, {why}");
            return Ok(());
        }
    };
    let length = plan.goodput_duration;
    let okta = OktaEmulator::start(
        OktaConfig::default()
            .with_bucket_limit(Bucket::User, OKTA_LIMIT)
            .with_window(WINDOW),
        0,
    )
    .await
    .map_err(|e| format!("cannot start the Okta sandbox: {e}"))?;
    let user = okta
        .add_user(json!({"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}))
        .map_err(|e| format!("cannot add a user: {e:?}"))?;
    let user = user["id"].as_str().unwrap_or_default().to_owned();
    for (redis_url, prefix) in [
        (Some(redis.url()), "shared_okta"),
        (None, "shared_okta_memory"),
    ] {
        tokio::time::sleep(WINDOW + Duration::from_millis(100)).await;
        okta.reset_stats();
        let results = processes(
            "okta",
            &okta.base_url(),
            okta.api_token(),
            &user,
            redis_url,
            length,
        )
        .await?;
        let stats = okta.stats();
        let bucket = stats.buckets.get("user").cloned().unwrap_or_default();
        let capacity = f64::from(OKTA_LIMIT) * length.as_secs_f64() / WINDOW.as_secs_f64();
        let utilization = (bucket.admitted as f64 / capacity).min(1.0);
        eprintln!(
            "  {prefix}: {} ok, {} rate limited, {} failed; {} 429s on the wire, utilization {utilization:.3}, at most {} per window",
            sum(&results, "ok"),
            sum(&results, "rateLimited"),
            sum(&results, "failed"),
            stats.too_many_requests(),
            bucket.max_admitted_in_window
        );
        if prefix == "shared_okta" {
            summary.set("shared_okta_utilization", utilization);
            summary.set("shared_okta_429", stats.too_many_requests() as f64);
            summary.set(
                "shared_okta_caller_errors",
                (sum(&results, "rateLimited") + sum(&results, "failed")) as f64,
            );
            summary.set(
                "shared_okta_max_per_window",
                f64::from(bucket.max_admitted_in_window),
            );
        } else {
            summary.set(
                "shared_okta_429_without_redis",
                stats.too_many_requests() as f64,
            );
            summary.set("shared_okta_utilization_without_redis", utilization);
            summary.set(
                "shared_okta_caller_errors_without_redis",
                (sum(&results, "rateLimited") + sum(&results, "failed")) as f64,
            );
        }
    }

    let mut config = BoardsConfig::default();
    config.complexity_budget = BOARDS_BUDGET;
    config.complexity_window = WINDOW;
    config.fixed_cost = Some(BOARDS_COST);
    let boards = BoardsEmulator::start(config, 0)
        .await
        .map_err(|e| format!("cannot start the boards sandbox: {e}"))?;
    let board = boards.state().seed_boards(1).remove(0);
    let results = processes(
        "boards",
        &boards.api_url(),
        &boards.api_token(),
        &board,
        Some(redis.url()),
        length,
    )
    .await?;
    let stats = boards.state().stats();
    let capacity = BOARDS_BUDGET as f64 * length.as_secs_f64() / WINDOW.as_secs_f64();
    let exhausted = stats.throttled_with("COMPLEXITY_BUDGET_EXHAUSTED");
    let utilization = (stats.points_spent as f64 / capacity).min(1.0);
    eprintln!(
        "  shared_boards: {} ok, {} failed; {exhausted} exhausted, utilization {utilization:.3}",
        sum(&results, "ok"),
        sum(&results, "rateLimited") + sum(&results, "failed")
    );
    summary.set("shared_boards_exhausted", exhausted as f64);
    summary.set("shared_boards_utilization", utilization);

    let (p50, p99) = acquire_cost(&redis.url()).await?;
    eprintln!("  redis acquire + observe: p50 {p50:.0} us, p99 {p99:.0} us");
    summary.set("redis_acquire_p50_us", p50);
    summary.set("redis_acquire_p99_us", p99);
    Ok(())
}

/// One acquire and one observe, sequentially, on a key that never makes anyone wait.
async fn acquire_cost(url: &str) -> Result<(f64, f64), String> {
    let backend = RedisBackend::new(url).map_err(|e| e.to_string())?;
    let limiter = backend.redis_limiter(
        LimiterSpec::new("bench")
            .with_limit("cost", Limit::per_minute(u64::MAX / 4))
            .with_pacing(false),
    );
    let key = LimitKey::quota("cost");
    let feedback = Feedback::default().with_charged(1);
    let mut samples = Samples::default();
    for n in 0..ACQUIRES + 100 {
        let started = Instant::now();
        let permit = limiter
            .acquire(&key, 1, Duration::from_secs(1))
            .await
            .map_err(|e| e.to_string())?;
        let observation =
            Observation::new(1, SystemTime::now()).with_admitted_at(permit.admitted_at());
        limiter.observe(&key, &feedback, &observation).await;
        // The first hundred warm the connection and load the scripts.
        if n >= 100 {
            samples.push(started.elapsed());
        }
    }
    if backend.is_degraded() {
        return Err("Redis stopped answering during the measure".to_owned());
    }
    Ok((samples.quantile_us(0.5), samples.quantile_us(0.99)))
}

async fn processes(
    role: &str,
    url: &str,
    token: &str,
    target: &str,
    redis: Option<String>,
    length: Duration,
) -> Result<Vec<Value>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let start = epoch_ms() + 1_500;
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let mut command = Command::new(&exe);
        command
            .args(["__shared", role, url, token, target])
            .arg(redis.clone().unwrap_or_else(|| "-".to_owned()))
            .arg(start.to_string())
            .arg(length.as_millis().to_string())
            .stdout(Stdio::piped());
        children.push(
            command
                .spawn()
                .map_err(|e| format!("cannot start a worker: {e}"))?,
        );
    }
    tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().map_err(|e| e.to_string())?;
                let text = String::from_utf8_lossy(&output.stdout);
                text.lines()
                    .find_map(|l| l.strip_prefix("RESULT "))
                    .and_then(|l| serde_json::from_str(l).ok())
                    .ok_or_else(|| format!("a worker printed no result: {text}"))
            })
            .collect()
    })
    .await
    .map_err(|e| e.to_string())?
}

fn sum(results: &[Value], field: &str) -> u64 {
    results.iter().map(|r| r[field].as_u64().unwrap_or(0)).sum()
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `__shared okta|boards URL TOKEN TARGET REDIS|- START_MS LENGTH_MS`: one worker process.
pub(crate) fn child(args: &[String]) -> Result<(), String> {
    let [role, url, token, target, redis, start, length] = args else {
        return Err("usage: __shared ROLE URL TOKEN TARGET REDIS START_MS LENGTH_MS".to_owned());
    };
    let start: u64 = start.parse().map_err(|_| "a start time")?;
    let length = Duration::from_millis(length.parse().map_err(|_| "a length")?);
    let backend = match redis.as_str() {
        "-" => None,
        url => Some(RedisBackend::new(url).map_err(|e| e.to_string())?),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = runtime.block_on(async {
        let call: Arc<dyn Fn() -> CallFuture + Send + Sync> = match role.as_str() {
            "okta" => {
                // The client's spec with the window it assumes for learned limits (Okta's
                // 60 s) scaled down as the sandbox's is.
                let spec = LimiterSpec::new(format!("okta:{url}"))
                    .with_default_window(WINDOW)
                    .with_limit("okta-concurrency:*", Limit::Concurrency(75));
                let limiter: Arc<dyn RateLimiter> = match &backend {
                    Some(backend) => backend.limiter(spec).map_err(|e| e.to_string())?,
                    None => Arc::new(MemoryLimiter::from_spec(spec)),
                };
                let okta = Okta::builder(url)
                    .api_token(token)
                    .limiter(limiter)
                    .build()
                    .map_err(|e| e.to_string())?;
                let target = target.clone();
                Arc::new(move || {
                    let (okta, target) = (okta.clone(), target.clone());
                    Box::pin(async move { okta.read_user(&target).await.map(drop) })
                })
            }
            "boards" => {
                let builder = Boards::builder(token).api_url(url);
                let profile = builder.profile().clone();
                // The client's limits with the budget's window scaled down as the sandbox's.
                let spec = LimiterSpec::new(format!("boards:{}", profile.fingerprint()))
                    .with_limit(profile.complexity_key(), Limit::per(WINDOW, BOARDS_BUDGET))
                    .with_limit(profile.concurrency_key(), Limit::Concurrency(40));
                let limiter: Arc<dyn RateLimiter> = match &backend {
                    Some(backend) => backend.limiter(spec).map_err(|e| e.to_string())?,
                    None => Arc::new(MemoryLimiter::from_spec(spec)),
                };
                let boards = builder
                    .limiter(limiter)
                    .build()
                    .map_err(|e| e.to_string())?;
                let target = target.clone();
                Arc::new(move || {
                    let (boards, target) = (boards.clone(), target.clone());
                    Box::pin(async move { boards.read_board(&target).await.map(drop) })
                })
            }
            other => return Err(format!("unknown role {other}")),
        };
        let now = epoch_ms();
        if start > now {
            tokio::time::sleep(Duration::from_millis(start - now)).await;
        }
        Ok::<_, String>(call_for(length, call).await)
    })?;
    println!("RESULT {report}");
    Ok(())
}

type CallFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = connector_core::Result<()>> + Send>>;

/// Calls from several callers for `length`; a call still waiting then is abandoned.
async fn call_for(length: Duration, call: Arc<dyn Fn() -> CallFuture + Send + Sync>) -> Value {
    let until = tokio::time::Instant::now() + length;
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut tally = [0u64; 3];
                // Bounded by the round's length.
                while let Some(left) = until.checked_duration_since(tokio::time::Instant::now()) {
                    match tokio::time::timeout(left, call()).await {
                        Err(_) => break,
                        Ok(Ok(())) => tally[0] += 1,
                        Ok(Err(e)) if e.kind() == ErrorKind::RateLimited => tally[1] += 1,
                        Ok(Err(_)) => tally[2] += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = [0u64; 3];
    for task in tasks {
        if let Ok(tally) = task.await {
            for (t, n) in total.iter_mut().zip(tally) {
                *t += n;
            }
        }
    }
    json!({ "ok": total[0], "rateLimited": total[1], "failed": total[2] })
}
