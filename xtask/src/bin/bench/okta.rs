//! Scenario 2, Okta goodput: 64 callers of `read-user` against a bucket of 50 requests per
//! 1 s window (Okta's per-minute buckets scaled down) and a concurrency limit of 75.
//!
//! This project: the `Okta` client with its default limiter, whose assumed window (60 s,
//! Okta's) is scaled down like the sandbox's. Baseline: the policy of Okta's official SDKs,
//! written here with raw `reqwest`: on a 429, sleep until `X-Rate-Limit-Reset` − `Date` +
//! 1 s, at most 2 retries, no jitter, no client-side budget.
//!
//! Latencies are judged against the fair schedule (`fair.rs`): the same callers admitted in
//! arrival order at the bucket's rate, whose p99 is callers / rate (1.28 s).

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use connector_core::limiter::{Limit, MemoryLimiter, RateLimiter};
use connector_okta::{DEFAULT_CONCURRENCY, Okta};
use connector_sandbox::{OktaConfig, OktaEmulator, UserSeed};

use crate::Plan;
use crate::fair::fair_schedule;
use crate::goodput::{Outcome, Tally, callers};
use crate::report::Summary;

/// Requests per window in every bucket.
pub(crate) const LIMIT: u32 = 50;
/// The window length.
pub(crate) const WINDOW: Duration = Duration::from_secs(1);
const CONCURRENCY_LIMIT: usize = 75;
const CALLERS: usize = 64;
const USERS: u32 = 1_000;

/// What the sandbox saw during one run.
#[derive(Debug, Default)]
struct Wire {
    too_many: u64,
    max_in_window: u64,
    requests: u64,
}

fn login(n: u64) -> String {
    format!("user{}@example.com", n % u64::from(USERS))
}

/// How the callers reach the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approach {
    /// The default limiter (limits learned from the headers, the concurrency cap), its
    /// window scaled from Okta's 60 s to the sandbox's 1 s.
    Default,
    /// The policy of Okta's SDKs on raw `reqwest`.
    Sdk,
}

impl Approach {
    const ALL: [Approach; 2] = [Approach::Default, Approach::Sdk];

    /// The prefix of its figures in the summary.
    fn prefix(self) -> &'static str {
        match self {
            Approach::Default => "okta",
            Approach::Sdk => "okta_baseline",
        }
    }
}

async fn project(sandbox: &OktaEmulator, duration: Duration) -> Result<Tally, String> {
    // The default limiter, with the window's length scaled as the sandbox's is.
    let limiter: Arc<dyn RateLimiter> =
        Arc::new(MemoryLimiter::new().with_default_window(WINDOW).with_limit(
            "okta-concurrency:*",
            Limit::Concurrency(DEFAULT_CONCURRENCY),
        ));
    let okta = Okta::builder(sandbox.base_url())
        .api_token(sandbox.api_token())
        .limiter(limiter)
        .build()
        .map_err(|e| format!("cannot build the Okta client: {e}"))?;
    Ok(callers(CALLERS, duration, move |caller, n| {
        let okta = okta.clone();
        async move {
            match okta.read_user(&login(caller as u64 * 7919 + n)).await {
                Ok(_) => Outcome::Ok,
                Err(_) => Outcome::Failed,
            }
        }
    })
    .await)
}

/// The wait Okta's SDKs take after a 429: `X-Rate-Limit-Reset` − `Date` + 1 s.
fn sdk_backoff(response: &reqwest::Response) -> Option<Duration> {
    let header = |name: &str| response.headers().get(name)?.to_str().ok();
    let reset: u64 = header("x-rate-limit-reset")?.trim().parse().ok()?;
    let date = httpdate::parse_http_date(header("date")?).ok()?;
    let date = date.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(date) + 1))
}

async fn sdk_call(http: &reqwest::Client, url: &str, token: &str) -> Outcome {
    const MAX_RETRIES: u32 = 2;
    let mut retries = 0;
    loop {
        let response = match http
            .get(url)
            .header("authorization", format!("SSWS {token}"))
            .header("accept", "application/json")
            .send()
            .await
        {
            Ok(response) => response,
            Err(_) => return Outcome::Failed,
        };
        if response.status() == 429 && retries < MAX_RETRIES {
            // Okta's SDKs fall back to their own backoff without the headers; the sandbox
            // always sends them.
            let wait = sdk_backoff(&response).unwrap_or(Duration::from_secs(1));
            retries += 1;
            tokio::time::sleep(wait).await;
            continue;
        }
        let ok = response.status().is_success();
        return match response.bytes().await {
            Ok(_) if ok => Outcome::Ok,
            _ => Outcome::Failed,
        };
    }
}

async fn baseline(sandbox: &OktaEmulator, duration: Duration) -> Result<Tally, String> {
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("cannot build a client: {e}"))?;
    let base = sandbox.base_url();
    let token = sandbox.api_token().to_owned();
    Ok(callers(CALLERS, duration, move |caller, n| {
        let http = http.clone();
        let url = format!("{base}/api/v1/users/{}", login(caller as u64 * 7919 + n));
        let token = token.clone();
        async move { sdk_call(&http, &url, &token).await }
    })
    .await)
}

fn wire(sandbox: &OktaEmulator) -> Wire {
    let stats = sandbox.stats();
    Wire {
        too_many: stats.too_many_requests(),
        max_in_window: stats
            .buckets
            .get("user")
            .map_or(0, |b| u64::from(b.max_admitted_in_window)),
        requests: stats.requests,
    }
}

/// Starts the run afresh: counters zeroed, windows closed, and a pause longer than a
/// window so that nothing of the previous run is still in flight or counted.
async fn fresh(sandbox: &OktaEmulator) {
    tokio::time::sleep(WINDOW + Duration::from_millis(200)).await;
    sandbox.reset_stats();
}

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let config = OktaConfig::default()
        .with_all_bucket_limits(LIMIT)
        .with_window(WINDOW)
        .with_concurrency_limit(CONCURRENCY_LIMIT);
    let sandbox = OktaEmulator::start(config, 0)
        .await
        .map_err(|e| format!("cannot start the Okta sandbox: {e}"))?;
    sandbox.seed_users(&UserSeed::new(USERS));
    if sandbox.user(&login(0)).is_none() {
        return Err(format!("the sandbox has no user {}", login(0)));
    }
    let duration = plan.goodput_duration;
    let mut totals: Vec<(Approach, Tally, Wire)> = Approach::ALL
        .iter()
        .map(|a| (*a, Tally::default(), Wire::default()))
        .collect();
    for round in 0..plan.goodput_rounds {
        // Alternate the order: forwards, then backwards.
        let mut order: Vec<usize> = (0..totals.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let approach = totals[i].0;
            fresh(&sandbox).await;
            let tally = match approach {
                Approach::Sdk => baseline(&sandbox, duration).await?,
                _ => project(&sandbox, duration).await?,
            };
            let w = wire(&sandbox);
            eprintln!(
                "  okta round {} {:18}: {} ok in time, {} failed, {} 429s, {} requests, at most {} per window",
                round + 1,
                approach.prefix(),
                tally.ok_in_time,
                tally.failed,
                w.too_many,
                w.requests,
                w.max_in_window
            );
            if std::env::var_os("BENCH_TIMELINE").is_some() {
                eprintln!(
                    "    ok per 250 ms: {}",
                    tally.timeline(Duration::from_millis(250))
                );
            }
            let (_, total, total_wire) = &mut totals[i];
            total.add(tally);
            total_wire.too_many += w.too_many;
            total_wire.requests += w.requests;
            total_wire.max_in_window = total_wire.max_in_window.max(w.max_in_window);
        }
    }
    let capacity = f64::from(LIMIT)
        * (duration.as_secs_f64() / WINDOW.as_secs_f64())
        * plan.goodput_rounds as f64;
    summary.set("okta_limit_per_window", f64::from(LIMIT));
    summary.set("okta_window_ms", WINDOW.as_millis() as f64);
    summary.set("okta_callers", CALLERS as f64);
    summary.set("okta_seconds", duration.as_secs_f64());
    summary.set("okta_rounds", plan.goodput_rounds as f64);
    // Every run has the same fair schedule: one stands for all.
    let mut fair = fair_schedule(CALLERS, LIMIT, WINDOW, duration);
    let fair_p99 = fair.quantile_ms(0.99);
    summary.set("okta_fair_p50_ms", fair.quantile_ms(0.5));
    summary.set("okta_fair_p99_ms", fair_p99);
    for (approach, tally, w) in &mut totals {
        let prefix = approach.prefix();
        summary.set(
            &format!("{prefix}_utilization"),
            tally.ok_in_time as f64 / capacity,
        );
        summary.set(&format!("{prefix}_ok"), tally.ok_in_time as f64);
        summary.set(&format!("{prefix}_429"), w.too_many as f64);
        summary.set(&format!("{prefix}_failed"), tally.failed as f64);
        summary.set(&format!("{prefix}_requests"), w.requests as f64);
        summary.set(&format!("{prefix}_max_in_window"), w.max_in_window as f64);
        summary.set(
            &format!("{prefix}_p50_ms"),
            tally.latencies.quantile_ms(0.5),
        );
        let p99 = tally.latencies.quantile_ms(0.99);
        summary.set(&format!("{prefix}_p99_ms"), p99);
        summary.set(
            &format!("{prefix}_p99_over_fair"),
            if fair_p99 > 0.0 { p99 / fair_p99 } else { 0.0 },
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
