//! `cargo xtask bench [--quick]`: the connectors against what people use today, side by
//! side in one run (see `docs/performance.md`).
//!
//! 1. **overhead**: 20,000 GETs at concurrency 32 to a minimal local server: the full
//!    pipeline beside raw `reqwest` (the floor), `reqwest` + `serde_json` decoding the same
//!    type, and `reqwest-middleware` + `reqwest-retry` decoding it;
//! 2. **okta**: rate-limit goodput against the policy of Okta's SDKs, latencies beside the
//!    fair queue's;
//! 3. **boards**: complexity-budget use against retry-on-429;
//! 4. **pagination**: 100,000 users streamed or collected;
//! 5. **cli**: the start of `connector list`;
//! 6. **redis**: one budget shared by 4 processes on Redis, against in-memory limiters.
//! 7. **serve**: the flow runtime's intake and events-to-assignments (see `serve.rs`).
//! 8. **flows**: the engine's time per step, runs/s of a three-card flow.
//! 9. **tables**: a key lookup and a `where` on 100,000 rows, `create-row` steps/s.
//! 10. **runtime**: `connector serve` processes on SQLite, on Postgres, and two on one
//!     Postgres: intake/s, three-card runs/s, step p50/p99, the claim's plan.
//! 11. **history**: a million finished runs on SQLite and on Postgres: Flow History's
//!     pages through the admin routes, and runs finishing while retention deletes half.
//!
//! Each scenario runs this project and its baselines alternately. The table goes to stdout,
//! every figure to `target/bench/summary.json`; a full run (not `--quick`, not `--only`)
//! also rewrites the measured section of `docs/performance.md`.
//!
//! Hidden subcommands re-invoke this binary as a child process: `__serve-overhead` (the
//! minimal server), `__paginate stream|vec URL TOKEN` (one pagination variant, so that
//! its peak memory is its own) and `__shared ...` (a worker process of the redis scenario).

mod boards;
mod cli;
mod fair;
mod flows;
mod goodput;
mod history;
mod measure;
mod okta;
mod overhead;
mod pagination;
mod postgres;
mod redis;
mod report;
mod runtime;
mod serve;
mod serve_proc;
mod tables;
mod waits;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use measure::Machine;
use report::Summary;

/// Every scenario, in the order a run takes them. A scenario is a module with
/// `run(&Plan, &mut Summary)`, a line here, an arm in [`scenario`], and its rows in
/// `report::rows`.
const SCENARIOS: [&str; 12] = [
    "overhead",
    "okta",
    "boards",
    "pagination",
    "cli",
    "redis",
    "serve",
    "flows",
    "waits",
    "tables",
    "runtime",
    "history",
];

fn usage() -> String {
    format!("usage: bench [--quick] [--only {}]", SCENARIOS.join(","))
}

/// How much of each scenario to run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) overhead_calls: usize,
    pub(crate) overhead_concurrency: usize,
    pub(crate) overhead_rounds: usize,
    pub(crate) goodput_duration: Duration,
    pub(crate) goodput_rounds: usize,
    pub(crate) pagination_rounds: usize,
    pub(crate) cli_runs: usize,
    pub(crate) serve_events: usize,
    pub(crate) flow_runs: usize,
    pub(crate) table_steps: usize,
    pub(crate) runtime_events: usize,
    pub(crate) history_runs: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        Plan {
            overhead_calls: 20_000,
            overhead_concurrency: 32,
            overhead_rounds: if quick { 2 } else { 6 },
            serve_events: if quick { 500 } else { 2_000 },
            flow_runs: if quick { 300 } else { 1_000 },
            table_steps: if quick { 1_000 } else { 5_000 },
            runtime_events: if quick { 500 } else { 2_000 },
            history_runs: if quick { 100_000 } else { 1_000_000 },
            goodput_duration: Duration::from_secs(if quick { 3 } else { 10 }),
            goodput_rounds: if quick { 1 } else { 2 },
            pagination_rounds: if quick { 1 } else { 2 },
            cli_runs: 20,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("__serve-overhead") => overhead::serve(),
        Some("__paginate") => pagination::child(&args[1..]),
        Some("__shared") => redis::child(&args[1..]),
        _ => bench(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut quick = false;
    let mut only: Option<Vec<String>> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => {
                let list = it.next().ok_or_else(usage)?;
                let names: Vec<String> = list.split(',').map(str::to_owned).collect();
                if let Some(bad) = names.iter().find(|n| !SCENARIOS.contains(&n.as_str())) {
                    return Err(format!("unknown scenario {bad}\n{}", usage()));
                }
                only = Some(names);
            }
            _ => return Err(usage()),
        }
    }
    let selected = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let plan = Plan::new(quick);
    let machine = Machine::detect();
    eprintln!(
        "bench ({}): {} cores, {}",
        if quick { "quick" } else { "full" },
        machine.cores,
        machine.cpu_model
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let mut summary = Summary::default();
    let started = Instant::now();
    let ran = runtime.block_on(async {
        for name in SCENARIOS.into_iter().filter(|n| selected(n)) {
            let t = Instant::now();
            eprintln!("{name}...");
            scenario(name, &plan, &mut summary)
                .await
                .map_err(|e| format!("{name}: {e}"))?;
            eprintln!("{name} done in {:.1} s", t.elapsed().as_secs_f64());
        }
        Ok::<_, String>(())
    });
    if let Err(e) = ran {
        // What was measured before the failure is kept, for the failure's diagnosis.
        let partial = target_dir().join("bench").join("summary-failed.json");
        let _ = std::fs::create_dir_all(target_dir().join("bench"));
        let _ = std::fs::write(&partial, summary.to_json());
        eprintln!("figures so far: {}", partial.display());
        return Err(e);
    }
    summary.set("quick", if quick { 1.0 } else { 0.0 });
    summary.set("cores", machine.cores as f64);
    summary.set("bench_seconds", started.elapsed().as_secs_f64().round());

    let out_dir = target_dir().join("bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let summary_path = out_dir.join("summary.json");
    std::fs::write(&summary_path, summary.to_json())
        .map_err(|e| format!("cannot write {}: {e}", summary_path.display()))?;

    println!("{}", report::table(&summary));
    for miss in report::missed(&summary) {
        println!("missed: {miss}");
    }
    println!("figures: {}", summary_path.display());
    if !quick && only.is_none() {
        let command = std::env::var("XTASK_BENCH_COMMAND").unwrap_or_else(|_| {
            std::iter::once("bench".to_owned())
                .chain(args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ")
        });
        let section = report::measured_section(&summary, &machine, &command, &revision());
        let doc = xtask::workspace_root().join("docs").join("performance.md");
        report::update_doc(&doc, &section)
            .map_err(|e| format!("cannot write {}: {e}", doc.display()))?;
        println!("report: {}", doc.display());
    }
    Ok(())
}

/// Runs one scenario of [`SCENARIOS`].
async fn scenario(name: &str, plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    match name {
        "overhead" => overhead::run(plan, summary).await,
        "okta" => okta::run(plan, summary).await,
        "boards" => boards::run(plan, summary).await,
        "pagination" => pagination::run(plan, summary).await,
        // Times child processes: nothing else runs on the runtime meanwhile.
        "cli" => cli::run(plan, summary),
        "redis" => redis::run(plan, summary).await,
        "serve" => serve::run(plan.serve_events, summary).await,
        "flows" => flows::run(plan.flow_runs, summary).await,
        "waits" => waits::run(summary).await,
        "tables" => tables::run(plan.table_steps, summary).await,
        "runtime" => runtime::run(plan.runtime_events, summary).await,
        "history" => history::run(plan.history_runs, summary).await,
        other => Err(format!("no scenario {other}")),
    }
}

/// The target folder this binary was built in (`…/target/dist/bench` → `…/target`).
pub(crate) fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| xtask::workspace_root().join("target"))
}

/// The commit measured, `+dirty` when the work tree has changes.
fn revision() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(xtask::workspace_root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit}+dirty")
    } else {
        commit
    }
}
