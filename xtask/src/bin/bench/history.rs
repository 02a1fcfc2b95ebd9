//! **history**: Flow History and retention at a million runs, on SQLite and on Postgres.
//!
//! Each store is seeded in bulk (`INSERT ... SELECT` over a recursive CTE on SQLite, over
//! `generate_series` on Postgres; 100,000 runs a statement) with finished runs spread over
//! the last 60 days, four flows, three outcomes, 50,000 subjects, five journaled steps a
//! run (50 steps per 10 runs) and their events. Then, through the admin routes of a
//! running `connector serve` (the optimised binary next to this one):
//!
//! - Flow History's first page (`GET /`, HTML, with its counts and filters), the same
//!   first page as JSON (`GET /history`), a filtered page (`GET /?flow=..&outcome=..&subject=..`,
//!   a subject held by about 20 runs of the million) and a run's page (`GET /runs/{id}`):
//!   p50 and p99 of 100 requests each, interleaved;
//! - retention: the process restarted with `--history-days 30` deletes the runs that ended
//!   more than 30 days ago (half of them) while events are delivered one at a time to a
//!   three-card flow: every run's time from delivery to `granted` (target: under 1 s).
//!
//! The claim's plan is recorded on each seeded store and must not read every run.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use connector_runtime::{HistoryQuery, RunState, Store, TempDb};
use connector_sandbox::Sandbox;

use crate::measure::Samples;
use crate::postgres::Postgres;
use crate::report::Summary;
use crate::runtime::{check_claim_plan, record_plans, roomy_sandbox, users};
use crate::serve_proc::{HOOK_SECRET, Serve, THREE_CARDS, delivery};

/// Runs inserted per statement while seeding.
const CHUNK: usize = 100_000;

/// Days the seeded runs span, newest now.
const SPAN_DAYS: i64 = 60;

/// Page requests of each kind.
const REQUESTS: usize = 100;

/// Distinct subjects (`user{k}@example.com`).
const SUBJECTS: usize = 50_000;

const FLOWS: [&str; 4] = ["onboard", "offboard", "sync-groups", "audit"];
const OUTCOMES: [&str; 3] = ["assigned", "alreadyAssigned", "skipped"];

/// The statements that seed runs `lo..hi`, on `backend`, the first created at `first_ms`,
/// one every `step_ms`.
fn seed_statements(
    backend: &str,
    lo: usize,
    hi: usize,
    first_ms: i64,
    step_ms: i64,
) -> [String; 3] {
    let (series, pad) = match backend {
        "sqlite" => (
            format!(
                "(WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {hi}) SELECT i FROM n) AS s"
            ),
            "printf('%07d', i)".to_owned(),
        ),
        _ => (
            format!("generate_series({lo}::bigint, {hi}::bigint - 1) AS s(i)"),
            "lpad(i::text, 7, '0')".to_owned(),
        ),
    };
    let pick = |names: &[&str], of: &str| {
        let arms: String = names
            .iter()
            .enumerate()
            .map(|(k, n)| format!(" WHEN {k} THEN '{n}'"))
            .collect();
        format!("CASE {of}{arms} END")
    };
    let flow = pick(&FLOWS, &format!("i % {}", FLOWS.len()));
    let outcome = pick(
        &OUTCOMES,
        &format!("(i / {}) % {}", FLOWS.len(), OUTCOMES.len()),
    );
    let created = format!("({first_ms} + i * {step_ms})");
    let runs = format!(
        "INSERT INTO runs (run_id, event_key, flow, subject, event, state, outcome, tries, due_ms, created_ms, started_ms, finished_ms, output) \
         SELECT 'run_seed' || {pad}, 'seed-' || {pad}, {flow}, 'user' || (i % {SUBJECTS}) || '@example.com', \
           '{{\"uuid\":\"seed-' || {pad} || '\"}}', 'finished', {outcome}, 1, {created}, {created}, {created} + 5, \
           {created} + 1000 + i % 997, '{{\"ok\":true}}' FROM {series}"
    );
    let steps = format!(
        "INSERT INTO steps (run_id, seq, try_no, step_id, record) \
         SELECT 'run_seed' || {pad}, q.seq, 1, 'step' || q.seq, \
           '{{\"id\":\"step' || q.seq || '\",\"card\":\"okta.read-user\",\"try\":1,\"status\":\"succeeded\",\"input\":{{\"id\":\"00u' || {pad} || '\"}},\"output\":{{\"id\":\"00u' || {pad} || '\",\"status\":\"ACTIVE\",\"profile\":{{\"login\":\"user' || (i % {SUBJECTS}) || '@example.com\"}}}},\"attempts\":1,\"limiterWaitMs\":0.0,\"durationMs\":12.5}}' \
         FROM {series} CROSS JOIN (SELECT 1 AS seq UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) AS q"
    );
    let events = format!(
        "INSERT INTO events (event_key, event_type, received_ms) \
         SELECT 'seed-' || {pad}, 'user.lifecycle.create', {created} FROM {series}"
    );
    [runs, steps, events]
}

/// Seeds `runs` finished runs on the store at `url`.
async fn seed(backend: &str, url: &str, runs: usize, now_ms: i64) -> Result<(), String> {
    let span = SPAN_DAYS * 86_400_000;
    let step = (span / runs.max(1) as i64).max(1);
    let first = now_ms - span;
    macro_rules! each_chunk {
        ($pool:expr) => {{
            let pool = $pool;
            for lo in (0..runs).step_by(CHUNK) {
                let hi = (lo + CHUNK).min(runs);
                for sql in seed_statements(backend, lo, hi, first, step) {
                    sqlx::query(&sql)
                        .execute(&pool)
                        .await
                        .map_err(|e| format!("seeding: {e}\n{sql}"))?;
                }
            }
            pool.close().await;
        }};
    }
    if backend == "sqlite" {
        let options: sqlx::sqlite::SqliteConnectOptions =
            url.parse().map_err(|e: sqlx::Error| e.to_string())?;
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal))
            .await
            .map_err(|e| e.to_string())?;
        each_chunk!(pool);
    } else {
        let pool = sqlx::PgPool::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        each_chunk!(pool);
        // What autovacuum does after a bulk load, at once.
        crate::postgres::execute(url, "VACUUM ANALYZE").await?;
    }
    Ok(())
}

/// `GET url`, checked for a 200 whose body holds `expect`; its time.
async fn get(client: &reqwest::Client, url: &str, expect: &str) -> Result<Duration, String> {
    let t = Instant::now();
    let answer = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = answer.status();
    let body = answer.text().await.map_err(|e| format!("{url}: {e}"))?;
    let took = t.elapsed();
    if !status.is_success() || !body.contains(expect) {
        return Err(format!(
            "{url} answered {status} without {expect:?}: {}",
            body.chars().take(300).collect::<String>()
        ));
    }
    Ok(took)
}

/// The four pages' times on the running process.
async fn pages(serve: &Serve, runs: usize, key: &str, summary: &mut Summary) -> Result<(), String> {
    let client = reqwest::Client::new();
    let admin = &serve.admin;
    let mut samples: [Samples; 4] = Default::default();
    // A cheap spread of picks, the same on every backend.
    let pick = |i: usize, n: usize| (i * 7919 + 13) % n;
    for i in 0..(REQUESTS + 5) {
        let subject = format!("user{}@", pick(i, SUBJECTS));
        let flow = FLOWS[i % FLOWS.len()];
        let outcome = OUTCOMES[i % OUTCOMES.len()];
        let run = format!("run_seed{:07}", pick(i, runs));
        let times = [
            get(&client, &format!("{admin}/"), "Flow History").await?,
            get(&client, &format!("{admin}/history?limit=50"), "run_seed").await?,
            get(
                &client,
                &format!("{admin}/?flow={flow}&outcome={outcome}&subject={subject}"),
                "Flow History",
            )
            .await?,
            get(&client, &format!("{admin}/runs/{run}"), &run).await?,
        ];
        // The first few warm the process and the caches.
        if i >= 5 {
            for (s, t) in samples.iter_mut().zip(times) {
                s.push(t);
            }
        }
    }
    for (name, s) in ["first_page", "first_page_json", "filtered_page", "run_page"]
        .iter()
        .zip(samples.iter_mut())
    {
        summary.set(
            &format!("history_{key}_{name}_p50_ms"),
            (s.quantile_ms(0.5) * 10.0).round() / 10.0,
        );
        summary.set(
            &format!("history_{key}_{name}_p99_ms"),
            (s.quantile_ms(0.99) * 10.0).round() / 10.0,
        );
    }
    Ok(())
}

/// Runs the seeded store keeps, by direct count.
async fn count_runs(store: &Store) -> Result<i64, String> {
    Ok(store
        .counts()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|(_, n)| n)
        .sum())
}

/// Retention under way: events delivered one at a time, each run's time to `granted`,
/// until the process logs the round's end (at most 20 minutes).
async fn retention(
    sandbox: &Sandbox,
    url: &str,
    flows: &std::path::Path,
    store: &Store,
    key: &str,
    summary: &mut Summary,
) -> Result<(), String> {
    let before = count_runs(store).await?;
    let people = users(sandbox, &format!("ret-{key}-"), 5_000)?;
    let started = Instant::now();
    let serve = Serve::start(
        sandbox,
        url,
        flows,
        &["--workers", "8", "--history-days", "30"],
    )?;
    let client = reqwest::Client::new();
    let mut times = Samples::default();
    let deadline = Instant::now() + Duration::from_secs(1200);
    let mut done_line = None;
    for (i, (user, login)) in people.iter().enumerate() {
        if let Some(line) = serve.log().lines().find(|l| l.contains("pruned runs past")) {
            done_line = Some(line.to_owned());
            break;
        }
        if Instant::now() > deadline {
            break;
        }
        let body = delivery(&format!("ret-{key}-{i}"), user, login);
        let sent = Instant::now();
        let answer = client
            .post(&serve.hook)
            .header("authorization", HOOK_SECRET)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !answer.status().is_success() {
            return Err(format!("delivery answered {}", answer.status()));
        }
        let query = HistoryQuery::newest(1)
            .with_flow("three-cards")
            .with_subject(login.clone());
        let wait_until = Instant::now() + Duration::from_secs(30);
        loop {
            let page = store.history(&query).await.map_err(|e| e.to_string())?;
            if page
                .runs
                .first()
                .is_some_and(|r| r.state == RunState::Finished)
            {
                times.push(sent.elapsed());
                break;
            }
            if Instant::now() > wait_until {
                return Err(format!(
                    "{key}: a run did not finish within 30 s while retention ran:\n{}",
                    serve.log()
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Out of users (or time) before the round ended: wait for its end, delivering nothing.
    while done_line.is_none() && Instant::now() < deadline {
        done_line = serve
            .log()
            .lines()
            .find(|l| l.contains("pruned runs past"))
            .map(str::to_owned);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let log = serve.log();
    serve.stop();
    let Some(line) = done_line else {
        return Err(format!(
            "{key}: retention did not end within 20 minutes:\n{log}"
        ));
    };
    let after = count_runs(store).await?;
    let measured = times.len() as i64;
    let deleted = before + measured - after;
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.trim_end_matches(',').parse::<f64>().ok())
    };
    summary.set(&format!("history_{key}_retention_deleted"), deleted as f64);
    summary.set(
        &format!("history_{key}_retention_s"),
        (field("seconds").unwrap_or(seconds) * 10.0).round() / 10.0,
    );
    summary.set(
        &format!("history_{key}_retention_runs_measured"),
        measured as f64,
    );
    summary.set(
        &format!("history_{key}_retention_run_p50_ms"),
        times.quantile_ms(0.5).round(),
    );
    summary.set(
        &format!("history_{key}_retention_run_max_ms"),
        times.quantile_ms(1.0).round(),
    );
    eprintln!(
        "history: {key}: retention deleted {deleted} runs in {:.1} s; {measured} runs meanwhile, slowest {:.0} ms ({line})",
        field("seconds").unwrap_or(seconds),
        times.quantile_ms(1.0)
    );
    if measured == 0 {
        return Err(format!("{key}: no run was measured while retention ran"));
    }
    summary.set(&format!("history_{key}_retention_failed"), 0.0);
    Ok(())
}

async fn one_backend(
    backend: &str,
    runs: usize,
    sandbox: &Sandbox,
    flows: &std::path::Path,
    plans: &mut String,
    summary: &mut Summary,
) -> Result<(), String> {
    // Each store lives in a temporary folder removed at the end (a million runs are about
    // 2 GB on either backend).
    let sqlite = TempDb::new();
    let postgres = if backend == "postgres" {
        Some(Postgres::start()?)
    } else {
        None
    };
    let url = match &postgres {
        Some(pg) => pg.create("history").await?,
        None => sqlite.url(),
    };
    let store = Store::open(&url).await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    seed(backend, &url, runs, connector_runtime::now_ms()).await?;
    let seed_s = t.elapsed().as_secs_f64();
    eprintln!("history: {backend}: {runs} runs seeded in {seed_s:.1} s");
    summary.set(
        &format!("history_{backend}_seed_s"),
        (seed_s * 10.0).round() / 10.0,
    );
    summary.set(
        &format!("history_{backend}_runs"),
        count_runs(&store).await? as f64,
    );
    check_claim_plan(&store, &format!("{backend}, {runs} finished runs"), plans).await?;

    let serve = Serve::start(
        sandbox,
        &url,
        flows,
        &["--workers", "8", "--history-days", "3650"],
    )?;
    let measured = pages(&serve, runs, backend, summary).await;
    serve.stop();
    measured?;
    // A failed retention is a figure too: recorded, and the other backend still measured.
    if let Err(e) = retention(sandbox, &url, flows, &store, backend, summary).await {
        eprintln!("history: {backend}: retention: {e}");
        summary.set(&format!("history_{backend}_retention_failed"), 1.0);
    }
    store.close().await;
    drop(postgres);
    drop(sqlite);
    Ok(())
}

pub(crate) async fn run(runs: usize, summary: &mut Summary) -> Result<(), String> {
    let sandbox = roomy_sandbox().await?;
    let flows = tempfile::Builder::new()
        .prefix("connector-bench-flows")
        .tempdir()
        .map_err(|e| e.to_string())?;
    std::fs::write(flows.path().join("three-cards.yaml"), THREE_CARDS)
        .map_err(|e| e.to_string())?;
    let mut plans = String::new();
    for backend in ["sqlite", "postgres"] {
        one_backend(backend, runs, &sandbox, flows.path(), &mut plans, summary).await?;
    }
    sandbox.shutdown().await;
    summary.set("history_seeded_runs", runs as f64);
    let _ = writeln!(plans);
    record_plans("history", &plans)?;
    Ok(())
}
