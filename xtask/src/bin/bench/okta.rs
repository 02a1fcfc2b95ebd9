//! Scenario 2, Okta goodput: 64 callers of `read-user` against a bucket of 50 requests per
//! 1 s window (Okta's per-minute buckets scaled down) and a concurrency limit of 75.
//!
//! This project: the `Okta` client as built by default. Baseline: the policy of Okta's
//! official SDKs, written here with raw `reqwest`: on a 429, sleep until
//! `X-Rate-Limit-Reset` − `Date` + 1 s, at most 2 retries, no jitter, no client-side budget.

use std::time::{Duration, UNIX_EPOCH};

use connector_okta::Okta;
use connector_sandbox::{OktaConfig, OktaEmulator, UserSeed};

use crate::Plan;
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

async fn project(sandbox: &OktaEmulator, duration: Duration) -> Result<Tally, String> {
    let okta = Okta::builder(sandbox.base_url())
        .api_token(sandbox.api_token())
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
    let (mut ours, mut theirs) = (Tally::default(), Tally::default());
    let (mut ours_wire, mut theirs_wire) = (Wire::default(), Wire::default());
    for round in 0..plan.goodput_rounds {
        // Alternate which goes first: A B, then B A.
        for project_turn in [round % 2 == 0, round % 2 == 1] {
            fresh(&sandbox).await;
            let tally = if project_turn {
                project(&sandbox, duration).await?
            } else {
                baseline(&sandbox, duration).await?
            };
            let w = wire(&sandbox);
            eprintln!(
                "  okta round {} {}: {} ok in time, {} failed, {} 429s, {} requests, at most {} per window",
                round + 1,
                if project_turn { "project " } else { "baseline" },
                tally.ok_in_time,
                tally.failed,
                w.too_many,
                w.requests,
                w.max_in_window
            );
            let (total, total_wire) = if project_turn {
                (&mut ours, &mut ours_wire)
            } else {
                (&mut theirs, &mut theirs_wire)
            };
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
    for (prefix, tally, w) in [
        ("okta", &mut ours, &ours_wire),
        ("okta_baseline", &mut theirs, &theirs_wire),
    ] {
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
        summary.set(
            &format!("{prefix}_p99_ms"),
            tally.latencies.quantile_ms(0.99),
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
