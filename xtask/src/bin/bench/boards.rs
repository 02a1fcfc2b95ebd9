//! Scenario 3, the boards complexity budget: 32 callers of `read-board` against a budget of
//! 100,000 points per 1 s window (the service's per-minute budget scaled down), each read
//! charged 1,000 points.
//!
//! This project: the `Boards` client with its default limiter's keys, the budget window
//! scaled down like the sandbox's. Baseline: retry a 429 after the `retry_in_seconds` it
//! carries (at most 3 times, the workflow product's promise), with no budget of its own.

use std::sync::Arc;
use std::time::Duration;

use connector_boards::{Boards, DEFAULT_API_VERSION, DEFAULT_MAX_CONCURRENCY, graphql};
use connector_core::limiter::{Limit, MemoryLimiter, RateLimiter};
use connector_sandbox::BoardsEmulator;
use connector_sandbox::boards::BoardsConfig;
use serde_json::{Value, json};

use crate::Plan;
use crate::goodput::{Outcome, Tally, callers};
use crate::report::Summary;

/// Points per window.
pub(crate) const BUDGET: u64 = 100_000;
/// The window length.
pub(crate) const WINDOW: Duration = Duration::from_secs(1);
/// What the sandbox charges each read.
pub(crate) const COST: u64 = 1_000;
const CALLERS: usize = 32;
const BOARDS: usize = 8;
const EXHAUSTED: &str = "COMPLEXITY_BUDGET_EXHAUSTED";

/// What the sandbox saw during one run.
#[derive(Debug, Default)]
struct Wire {
    exhausted: u64,
    requests: u64,
    max_window_points: u64,
}

/// How the callers reach the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approach {
    /// The `Boards` client, its limiter's budget window scaled down.
    Project,
    /// Retry-on-429 after `retry_in_seconds` on raw `reqwest`.
    Naive,
}

impl Approach {
    const ALL: [Approach; 2] = [Approach::Project, Approach::Naive];

    fn prefix(self) -> &'static str {
        match self {
            Approach::Project => "boards",
            Approach::Naive => "boards_baseline",
        }
    }
}

async fn project(
    sandbox: &BoardsEmulator,
    ids: Arc<Vec<String>>,
    duration: Duration,
) -> Result<Tally, String> {
    let builder = Boards::builder(sandbox.api_token()).api_url(sandbox.api_url());
    // The default limiter's keys and concurrency cap, with the budget's window scaled down
    // as the sandbox's is (the builder's `complexity_budget` is per minute).
    let profile = builder.profile();
    let limiter = MemoryLimiter::new()
        .with_limit(profile.complexity_key(), Limit::per(WINDOW, BUDGET))
        .with_limit(
            profile.concurrency_key(),
            Limit::Concurrency(DEFAULT_MAX_CONCURRENCY),
        );
    let limiter: Arc<dyn RateLimiter> = Arc::new(limiter);
    let boards = builder
        .limiter(limiter)
        .build()
        .map_err(|e| format!("cannot build the boards client: {e}"))?;
    Ok(callers(CALLERS, duration, move |caller, n| {
        let boards = boards.clone();
        let id = ids[(caller + n as usize) % ids.len()].clone();
        async move {
            match boards.read_board(&id).await {
                Ok(_) => Outcome::Ok,
                Err(_) => Outcome::Failed,
            }
        }
    })
    .await)
}

/// `retry_in_seconds` of a 429's body, else `Retry-After`.
fn retry_in(body: &Value, retry_after: Option<u64>) -> Option<u64> {
    body.get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|e| e.pointer("/extensions/retry_in_seconds")?.as_u64())
        .or(retry_after)
}

async fn naive_call(http: &reqwest::Client, url: &str, token: &str, id: &str) -> Outcome {
    const MAX_RETRIES: u32 = 3;
    let body = json!({"query": graphql::READ_BOARD.text, "variables": {"boardId": id}});
    let mut retries = 0;
    loop {
        let response = match http
            .post(url)
            .header("authorization", token)
            .header("api-version", DEFAULT_API_VERSION)
            .json(&body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(_) => return Outcome::Failed,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.trim().parse().ok());
        let Ok(answer) = response.json::<Value>().await else {
            return Outcome::Failed;
        };
        if status == 429 && retries < MAX_RETRIES {
            let wait = retry_in(&answer, retry_after).unwrap_or(1);
            retries += 1;
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        let errors = answer.get("errors").is_some_and(|e| !e.is_null());
        return if status.is_success() && !errors {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
    }
}

async fn baseline(
    sandbox: &BoardsEmulator,
    ids: Arc<Vec<String>>,
    duration: Duration,
) -> Result<Tally, String> {
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("cannot build a client: {e}"))?;
    let url = sandbox.api_url();
    let token = sandbox.api_token();
    Ok(callers(CALLERS, duration, move |caller, n| {
        let http = http.clone();
        let url = url.clone();
        let token = token.clone();
        let id = ids[(caller + n as usize) % ids.len()].clone();
        async move { naive_call(&http, &url, &token, &id).await }
    })
    .await)
}

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let mut config = BoardsConfig::default();
    config.complexity_budget = BUDGET;
    config.complexity_window = WINDOW;
    config.fixed_cost = Some(COST);
    let sandbox = BoardsEmulator::start(config, 0)
        .await
        .map_err(|e| format!("cannot start the boards sandbox: {e}"))?;
    let ids = Arc::new(sandbox.state().seed_boards(BOARDS));
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
            tokio::time::sleep(WINDOW + Duration::from_millis(200)).await;
            // Closes the open window, so the run starts on a fresh one.
            sandbox.state().set_budget(BUDGET, WINDOW);
            let before = sandbox.state().stats();
            let tally = match approach {
                Approach::Naive => baseline(&sandbox, ids.clone(), duration).await?,
                _ => project(&sandbox, ids.clone(), duration).await?,
            };
            let after = sandbox.state().stats();
            let w = Wire {
                exhausted: after.throttled_with(EXHAUSTED) - before.throttled_with(EXHAUSTED),
                requests: after.requests - before.requests,
                max_window_points: after
                    .window_points
                    .iter()
                    .skip(before.window_points.len())
                    .copied()
                    .max()
                    .unwrap_or(0),
            };
            eprintln!(
                "  boards round {} {:16}: {} ok in time, {} failed, {} exhausted, {} requests, at most {} points per window",
                round + 1,
                approach.prefix(),
                tally.ok_in_time,
                tally.failed,
                w.exhausted,
                w.requests,
                w.max_window_points
            );
            if std::env::var_os("BENCH_TIMELINE").is_some() {
                eprintln!(
                    "    ok per 250 ms: {}",
                    tally.timeline(Duration::from_millis(250))
                );
            }
            let (_, total, total_wire) = &mut totals[i];
            total.add(tally);
            total_wire.exhausted += w.exhausted;
            total_wire.requests += w.requests;
            total_wire.max_window_points = total_wire.max_window_points.max(w.max_window_points);
        }
    }
    let capacity = BUDGET as f64
        * (duration.as_secs_f64() / WINDOW.as_secs_f64())
        * plan.goodput_rounds as f64;
    summary.set("boards_budget_per_window", BUDGET as f64);
    summary.set("boards_cost_per_read", COST as f64);
    summary.set("boards_callers", CALLERS as f64);
    summary.set("boards_seconds", duration.as_secs_f64());
    for (approach, tally, w) in &mut totals {
        let prefix = approach.prefix();
        summary.set(
            &format!("{prefix}_utilization"),
            (tally.ok_in_time * COST) as f64 / capacity,
        );
        summary.set(&format!("{prefix}_ok"), tally.ok_in_time as f64);
        summary.set(&format!("{prefix}_exhausted"), w.exhausted as f64);
        summary.set(&format!("{prefix}_failed"), tally.failed as f64);
        summary.set(&format!("{prefix}_requests"), w.requests as f64);
        summary.set(
            &format!("{prefix}_max_window_points"),
            w.max_window_points as f64,
        );
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
