//! Scenario 1, the pipeline's overhead: the same GETs of one Okta user to a minimal local
//! server (`server.rs`), made four ways side by side in each round:
//!
//! - **raw**: `reqwest`, the body read but not decoded (the floor);
//! - **decode**: `reqwest` + `serde_json`, decoded into the same `User` type (baseline a);
//! - **middleware**: `reqwest-middleware` with `reqwest-retry`'s transient-error retry,
//!   decoded into the same `User` (baseline b, the ecosystem's usual retry stack);
//! - **pipeline**: the Okta client's `read_user`, the whole pipeline (auth, learning gate,
//!   limiter with an effectively unlimited quota, concurrency cap, retry policy,
//!   per-attempt timeout, typed decode).

mod server;

pub(crate) use server::serve;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use connector_okta::{Okta, User};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;

use crate::Plan;
use crate::measure::{Samples, median, process_cpu};
use crate::report::Summary;
use server::Server;

const TOKEN: &str = "00overhead-bench-token";
const USER_ID: &str = "00u1bench0overhead1";

/// One way of making the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approach {
    Raw,
    Decode,
    Middleware,
    Pipeline,
}

impl Approach {
    /// In the order of the first round (later rounds alternate it).
    const ALL: [Approach; 4] = [
        Approach::Raw,
        Approach::Decode,
        Approach::Middleware,
        Approach::Pipeline,
    ];

    fn name(self) -> &'static str {
        match self {
            Approach::Raw => "raw",
            Approach::Decode => "decode",
            Approach::Middleware => "middleware",
            Approach::Pipeline => "pipeline",
        }
    }

    /// The summary key of one of its figures (`p50_us`, `rps`, ...). The pipeline's keys
    /// predate the baselines (`overhead_p50_us`, `overhead_pipeline_rps`) and keep their names.
    fn key(self, figure: &str) -> String {
        match (self, figure) {
            (Approach::Pipeline, "rps") => "overhead_pipeline_rps".to_owned(),
            (Approach::Pipeline, _) => format!("overhead_{figure}"),
            (other, _) => format!("overhead_{}_{figure}", other.name()),
        }
    }
}

/// The clients, built once and shared by the calling tasks.
struct Clients {
    url: String,
    authorization: HeaderValue,
    accept: HeaderValue,
    http: reqwest::Client,
    middleware: reqwest_middleware::ClientWithMiddleware,
    okta: Okta,
}

impl Clients {
    fn new(base: &str) -> Result<Clients, String> {
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| format!("cannot build a client: {e}"))?;
        // reqwest-retry's usual setup: exponential backoff, 3 retries of transient errors
        // (connect errors, 408, 429, 5xx), as many as the pipeline's policy allows.
        let retry = RetryTransientMiddleware::new_with_policy(
            ExponentialBackoff::builder().build_with_max_retries(3),
        );
        let middleware = reqwest_middleware::ClientBuilder::new(
            reqwest::Client::builder()
                .build()
                .map_err(|e| format!("cannot build a client: {e}"))?,
        )
        .with(retry)
        .build();
        let okta = Okta::builder(base)
            .api_token(TOKEN)
            .build()
            .map_err(|e| format!("cannot build the Okta client: {e}"))?;
        let mut authorization = HeaderValue::from_str(&format!("SSWS {TOKEN}"))
            .map_err(|e| format!("bad token header: {e}"))?;
        authorization.set_sensitive(true);
        Ok(Clients {
            url: format!("{base}/api/v1/users/{USER_ID}"),
            authorization,
            accept: HeaderValue::from_static("application/json"),
            http,
            middleware,
            okta,
        })
    }

    /// One call; `true` when it succeeded (and, but for the floor, decoded a `User`).
    async fn call(&self, approach: Approach) -> bool {
        match approach {
            Approach::Raw => match self.get(&self.http).await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            },
            Approach::Decode => match self.get(&self.http).await {
                Ok(r) if r.status().is_success() => r.json::<User>().await.is_ok(),
                _ => false,
            },
            Approach::Middleware => {
                let sent = self
                    .middleware
                    .get(&self.url)
                    .header(AUTHORIZATION, self.authorization.clone())
                    .header(ACCEPT, self.accept.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => r.json::<User>().await.is_ok(),
                    _ => false,
                }
            }
            Approach::Pipeline => self.okta.read_user(USER_ID).await.is_ok(),
        }
    }

    async fn get(&self, http: &reqwest::Client) -> reqwest::Result<reqwest::Response> {
        http.get(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, self.accept.clone())
            .send()
            .await
    }
}

/// What one approach did in one round.
struct Run {
    calls: usize,
    errors: usize,
    wall: Duration,
    cpu: Duration,
    latencies: Samples,
}

impl Run {
    fn rps(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// `calls` calls from `concurrency` tasks.
async fn drive(
    clients: &Arc<Clients>,
    approach: Approach,
    calls: usize,
    concurrency: usize,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let clients = clients.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Samples::default();
            let mut errors = 0;
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let t = Instant::now();
                if !clients.call(approach).await {
                    errors += 1;
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Samples::default();
    let mut errors = 0;
    for task in tasks {
        if let Ok((l, e)) = task.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let wall = started.elapsed();
    Run {
        calls: latencies.len(),
        errors,
        wall,
        cpu: process_cpu().saturating_sub(cpu_before),
        latencies,
    }
}

/// Every run of one approach.
#[derive(Default)]
struct Totals {
    rps: Vec<f64>,
    latencies: Samples,
    cpu: Duration,
    calls: usize,
    errors: usize,
}

impl Totals {
    fn add(&mut self, run: Run) {
        self.rps.push(run.rps());
        self.cpu += run.cpu;
        self.calls += run.calls;
        self.errors += run.errors;
        self.latencies.extend(run.latencies);
    }
}

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let server = Server::start()?;
    let clients = Arc::new(Clients::new(&format!("http://127.0.0.1:{}", server.port))?);
    let concurrency = plan.overhead_concurrency;

    // Warm every approach: connections open, the learning gate has learned, caches are hot.
    for approach in Approach::ALL {
        let warm = drive(&clients, approach, 1_000, concurrency).await;
        if warm.errors > 0 {
            return Err(format!(
                "{} failed {} of its warm-up calls",
                approach.name(),
                warm.errors
            ));
        }
    }

    let mut totals: Vec<Totals> = Approach::ALL.iter().map(|_| Totals::default()).collect();
    for round in 0..plan.overhead_rounds {
        // Forwards on odd rounds, backwards on even ones, so that no approach always runs
        // on a warmer (or busier) machine.
        let mut order: Vec<usize> = (0..Approach::ALL.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let run = drive(&clients, Approach::ALL[i], plan.overhead_calls, concurrency).await;
            totals[i].add(run);
        }
        let line = Approach::ALL
            .iter()
            .zip(&totals)
            .map(|(a, t)| format!("{} {:.0}/s", a.name(), t.rps.last().unwrap_or(&0.0)))
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!("  overhead round {}: {line}", round + 1);
    }
    drop(server);

    summary.set("overhead_calls", plan.overhead_calls as f64);
    summary.set("overhead_concurrency", concurrency as f64);
    summary.set("overhead_rounds", plan.overhead_rounds as f64);
    let mut errors = 0;
    for (approach, total) in Approach::ALL.iter().zip(&mut totals) {
        summary.set(&approach.key("rps"), median(&total.rps));
        summary.set(&approach.key("p50_us"), total.latencies.quantile_us(0.50));
        summary.set(&approach.key("p99_us"), total.latencies.quantile_us(0.99));
        summary.set(
            &approach.key("cpu_us_per_call"),
            total.cpu.as_secs_f64() * 1e6 / total.calls.max(1) as f64,
        );
        errors += total.errors;
    }
    summary.set("overhead_errors", errors as f64);
    let pipeline = &totals[index(Approach::Pipeline)];
    for (key, baseline) in [
        ("overhead_ratio", Approach::Raw),
        ("overhead_ratio_vs_decode", Approach::Decode),
        ("overhead_ratio_vs_middleware", Approach::Middleware),
    ] {
        summary.set(
            key,
            paired_ratio(&pipeline.rps, &totals[index(baseline)].rps),
        );
    }
    Ok(())
}

fn index(approach: Approach) -> usize {
    Approach::ALL
        .iter()
        .position(|a| *a == approach)
        .unwrap_or_default()
}

/// The median over rounds of `ours / theirs` in the same round: the two ran back to back,
/// so a round's ratio is measured under one load of the machine, which a ratio of medians
/// taken from different rounds is not.
fn paired_ratio(ours: &[f64], theirs: &[f64]) -> f64 {
    let ratios: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .filter(|(_, t)| **t > 0.0)
        .map(|(o, t)| o / t)
        .collect();
    median(&ratios)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipeline_keeps_its_historical_keys_and_baselines_get_their_own() {
        assert_eq!(Approach::Pipeline.key("rps"), "overhead_pipeline_rps");
        assert_eq!(Approach::Pipeline.key("p99_us"), "overhead_p99_us");
        assert_eq!(Approach::Raw.key("rps"), "overhead_raw_rps");
        assert_eq!(Approach::Decode.key("p50_us"), "overhead_decode_p50_us");
        assert_eq!(
            Approach::Middleware.key("cpu_us_per_call"),
            "overhead_middleware_cpu_us_per_call"
        );
    }

    #[test]
    fn ratios_pair_rounds_before_taking_the_median() {
        // Round 2 ran on a machine twice as busy: both halves of it halved.
        let ours = [900.0, 450.0, 880.0];
        let theirs = [1000.0, 500.0, 1000.0];
        assert!((paired_ratio(&ours, &theirs) - 0.9).abs() < 1e-9);
        assert_eq!(paired_ratio(&[1.0], &[0.0]), 0.0);
    }
}
