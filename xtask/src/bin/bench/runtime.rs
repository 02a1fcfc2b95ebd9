//! **runtime**: `connector serve` as deployed, on SQLite (one process) and on Postgres
//! (one process, then two on one store), each run of a three-card flow on the sandbox with
//! its limits raised. For each variant: events delivered over HTTP, one an event, 16 at a
//! time spread over the processes (intake per second, the hook's answer p50/p99), runs per
//! second until every run has `granted`, and the journal's card steps p50/p99. The
//! variants run A B C then C B A, each figure the mean of its two.
//!
//! The claim's plan (`EXPLAIN`) is recorded on each store once its runs have finished; a
//! plan that reads every run (SQLite's `SCAN runs`, Postgres's `Seq Scan on runs`) fails
//! the scenario.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use connector_runtime::{HistoryQuery, RunState, Store, TempDb};
use connector_sandbox::okta::Bucket;
use connector_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use crate::measure::Samples;
use crate::postgres::Postgres;
use crate::report::Summary;
use crate::serve_proc::{HOOK_SECRET, Serve, THREE_CARDS, delivery};

/// Deliveries in flight at once, over all processes.
const SENDERS: usize = 16;

/// A variant: its key in the summary, the backend, how many processes.
const VARIANTS: [(&str, &str, usize); 3] = [
    ("sqlite", "sqlite", 1),
    ("postgres", "postgres", 1),
    ("postgres_2", "postgres", 2),
];

/// A sandbox whose Okta never limits the scenario.
pub(crate) async fn roomy_sandbox() -> Result<Sandbox, String> {
    let mut okta = SandboxConfig::new().okta.with_concurrency_limit(10_000);
    for bucket in [Bucket::Users, Bucket::User, Bucket::Roles, Bucket::Other] {
        okta = okta.with_bucket_limit(bucket, 1_000_000);
    }
    Sandbox::start(SandboxConfig::new().with_okta(okta))
        .await
        .map_err(|e| e.to_string())
}

/// `n` Support users, `prefix` naming them: (id, login).
pub(crate) fn users(
    sandbox: &Sandbox,
    prefix: &str,
    n: usize,
) -> Result<Vec<(String, String)>, String> {
    (0..n)
        .map(|i| {
            let login = format!("{prefix}{i}@example.com");
            sandbox
                .okta()
                .add_user(json!({"login": login, "email": login, "firstName": "R", "lastName": "U", "role": "Support"}))
                .map(|u| (u["id"].as_str().unwrap_or_default().to_owned(), login))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Whether a claim's plan reads every run.
pub(crate) fn scans_every_run(plan: &[String]) -> bool {
    plan.iter().any(|line| {
        let line = line.trim_start().trim_start_matches("->").trim_start();
        line.starts_with("SCAN runs") || line.contains("Seq Scan on runs")
    })
}

/// The claim's plan on `store`, written to `plans` under `title`; an error if it reads
/// every run.
pub(crate) async fn check_claim_plan(
    store: &Store,
    title: &str,
    plans: &mut String,
) -> Result<(), String> {
    let plan = store
        .explain_claim(connector_runtime::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    let _ = writeln!(plans, "## {title}\n\n```\n{}\n```\n", plan.join("\n"));
    eprintln!("claim plan ({title}):\n  {}", plan.join("\n  "));
    if scans_every_run(&plan) {
        return Err(format!(
            "the claim reads every run ({title}):\n{}",
            plan.join("\n")
        ));
    }
    Ok(())
}

/// Appends the plans to `target/bench/plans.md`, where the claim's and the history's plans
/// of a run are kept.
pub(crate) fn record_plans(scenario: &str, plans: &str) -> Result<(), String> {
    let dir = crate::target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("plans-{scenario}.md"));
    std::fs::write(&path, format!("# Plans ({scenario})\n\n{plans}"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// What one variant measured.
#[derive(Default)]
struct Figures {
    accepted_per_s: f64,
    ack_p50_ms: f64,
    ack_p99_ms: f64,
    runs_per_s: f64,
    step_p50_ms: f64,
    step_p99_ms: f64,
}

#[allow(clippy::too_many_arguments)] // One variant's whole setting, named at its one call.
async fn variant(
    sandbox: &Sandbox,
    flows: &std::path::Path,
    url: &str,
    processes: usize,
    users: &[(String, String)],
    tag: &str,
    plans: &mut String,
    title: &str,
) -> Result<Figures, String> {
    let store = Store::open(url).await.map_err(|e| e.to_string())?;
    let serves = (0..processes)
        .map(|_| Serve::start(sandbox, url, flows, &["--workers", "8"]))
        .collect::<Result<Vec<_>, _>>()?;
    let hooks: Arc<Vec<String>> = Arc::new(serves.iter().map(|s| s.hook.clone()).collect());
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let users = Arc::new(users.to_vec());
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let (client, hooks, next, users) =
            (client.clone(), hooks.clone(), next.clone(), users.clone());
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((user, login)) = users.get(i) else {
                    return Ok::<_, String>(samples);
                };
                let hook = &hooks[i % hooks.len()];
                let body = delivery(&format!("{tag}-{i}"), user, login);
                let sent = Instant::now();
                match client
                    .post(hook)
                    .header("authorization", HOOK_SECRET)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(a) if a.status().is_success() => samples.push(sent.elapsed()),
                    Ok(a) => return Err(format!("delivery answered {}", a.status())),
                    Err(e) => return Err(format!("delivery failed: {e}")),
                }
            }
        }));
    }
    let mut acks = Samples::default();
    for task in tasks {
        acks.extend(task.await.map_err(|e| e.to_string())??);
    }
    let intake_s = t0.elapsed().as_secs_f64();
    let events = users.len();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let counts = store.counts().await.map_err(|e| e.to_string())?;
        let granted: i64 = counts
            .iter()
            .filter(|(o, _)| o == "granted")
            .map(|(_, n)| n)
            .sum();
        if granted as usize >= events {
            break;
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = serves.iter().map(Serve::log).collect();
            return Err(format!(
                "{title}: only {granted} of {events} runs granted in 300 s: {counts:?}\n{}",
                logs.join("\n")
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let runs_s = t0.elapsed().as_secs_f64();
    for serve in serves {
        serve.stop();
    }
    // The journal's card steps.
    let mut steps = Samples::default();
    let mut query = HistoryQuery::newest(500);
    let mut seen = 0;
    for _ in 0..(events / 500 + 2) {
        let page = store.history(&query).await.map_err(|e| e.to_string())?;
        for run in &page.runs {
            if run.state != RunState::Finished {
                return Err(format!("{title}: run {} is {:?}", run.run_id, run.state));
            }
            seen += 1;
            for step in run.steps.iter().filter(|s| s.card.is_some()) {
                steps.push(Duration::from_secs_f64(step.duration_ms.max(0.0) / 1000.0));
            }
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    if seen != events || steps.len() != 3 * events {
        return Err(format!(
            "{title}: {seen} runs and {} card steps for {events} events",
            steps.len()
        ));
    }
    if store.backend() == "postgres" {
        // What autovacuum would have done by now on a store in service.
        crate::postgres::execute(url, "ANALYZE").await?;
    }
    check_claim_plan(&store, title, plans).await?;
    store.close().await;
    Ok(Figures {
        accepted_per_s: events as f64 / intake_s,
        ack_p50_ms: acks.quantile_ms(0.5),
        ack_p99_ms: acks.quantile_ms(0.99),
        runs_per_s: events as f64 / runs_s,
        step_p50_ms: steps.quantile_ms(0.5),
        step_p99_ms: steps.quantile_ms(0.99),
    })
}

pub(crate) async fn run(events: usize, summary: &mut Summary) -> Result<(), String> {
    let postgres = Postgres::start()?;
    let sandbox = roomy_sandbox().await?;
    let flows = tempfile::Builder::new()
        .prefix("connector-bench-flows")
        .tempdir()
        .map_err(|e| e.to_string())?;
    std::fs::write(flows.path().join("three-cards.yaml"), THREE_CARDS)
        .map_err(|e| e.to_string())?;
    let mut plans = String::new();
    let mut figures: Vec<(usize, Figures)> = Vec::new();
    // A B C, then C B A.
    let order: Vec<usize> = (0..VARIANTS.len())
        .chain((0..VARIANTS.len()).rev())
        .collect();
    for (round, &v) in order.iter().enumerate() {
        let (key, backend, processes) = VARIANTS[v];
        let tag = format!("rt{round}");
        let users = users(&sandbox, &format!("{tag}-"), events)?;
        let sqlite = TempDb::new();
        let url = match backend {
            "sqlite" => sqlite.url(),
            _ => postgres.create(&format!("runtime_{round}")).await?,
        };
        let title = format!("{key}, round {}", round / VARIANTS.len() + 1);
        eprintln!("runtime: {title}...");
        let f = variant(
            &sandbox,
            flows.path(),
            &url,
            processes,
            &users,
            &tag,
            &mut plans,
            &title,
        )
        .await?;
        eprintln!(
            "runtime: {title}: {:.0} accepted/s, {:.0} runs/s, step p50 {:.2} ms p99 {:.2} ms",
            f.accepted_per_s, f.runs_per_s, f.step_p50_ms, f.step_p99_ms
        );
        figures.push((v, f));
    }
    sandbox.shutdown().await;
    for (v, (key, _, _)) in VARIANTS.iter().enumerate() {
        let mine: Vec<&Figures> = figures
            .iter()
            .filter(|(i, _)| *i == v)
            .map(|(_, f)| f)
            .collect();
        let mean = |get: fn(&Figures) -> f64| {
            mine.iter().map(|f| get(f)).sum::<f64>() / mine.len().max(1) as f64
        };
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        summary.set(
            &format!("runtime_{key}_accepted_per_s"),
            mean(|f| f.accepted_per_s).round(),
        );
        summary.set(
            &format!("runtime_{key}_ack_p50_ms"),
            r2(mean(|f| f.ack_p50_ms)),
        );
        summary.set(
            &format!("runtime_{key}_ack_p99_ms"),
            r2(mean(|f| f.ack_p99_ms)),
        );
        summary.set(
            &format!("runtime_{key}_runs_per_s"),
            mean(|f| f.runs_per_s).round(),
        );
        summary.set(
            &format!("runtime_{key}_step_p50_ms"),
            r2(mean(|f| f.step_p50_ms)),
        );
        summary.set(
            &format!("runtime_{key}_step_p99_ms"),
            r2(mean(|f| f.step_p99_ms)),
        );
    }
    let one = summary.get("runtime_postgres_runs_per_s").unwrap_or(0.0);
    let two = summary.get("runtime_postgres_2_runs_per_s").unwrap_or(0.0);
    if one > 0.0 {
        summary.set(
            "runtime_postgres_2_over_1",
            (two / one * 100.0).round() / 100.0,
        );
    }
    summary.set("runtime_events", events as f64);
    summary.set("runtime_claim_full_scans", 0.0);
    record_plans("runtime", &plans)?;
    Ok(())
}
