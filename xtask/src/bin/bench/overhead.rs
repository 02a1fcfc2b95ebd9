//! Scenario 1, the pipeline's overhead: the same GETs to a minimal local server through raw
//! `reqwest` (the floor) and through the Okta client's full pipeline (auth, learning gate,
//! limiter with an effectively unlimited quota, concurrency cap, retry policy, typed JSON
//! decode).
//!
//! The server runs in a child process (this binary, `__serve-overhead`) on one thread, so
//! that the CPU time read from this process is the client's alone.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use connector_okta::Okta;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::Plan;
use crate::measure::{Samples, median, process_cpu};
use crate::report::Summary;

const TOKEN: &str = "00overhead-bench-token";
const USER_ID: &str = "00u1bench0overhead1";

/// What one approach did in one round.
struct Run {
    calls: usize,
    errors: usize,
    wall: Duration,
    cpu: Duration,
    latencies: Samples,
}

/// The small JSON the server answers: an Okta user as `GET /api/v1/users/{id}` returns it.
fn user_body() -> Bytes {
    Bytes::from(
        serde_json::json!({
            "id": USER_ID,
            "status": "ACTIVE",
            "created": "2026-01-05T10:00:00.000Z",
            "activated": "2026-01-05T10:00:00.000Z",
            "statusChanged": "2026-01-05T10:00:00.000Z",
            "lastLogin": null,
            "lastUpdated": "2026-01-05T10:00:00.000Z",
            "passwordChanged": "2026-01-05T10:00:00.000Z",
            "type": {"id": "otyabcdefghijklmnopq"},
            "profile": {
                "login": "ada@example.com",
                "email": "ada@example.com",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "role": "Support"
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": "http://127.0.0.1/api/v1/users/00u1bench0overhead1"}}
        })
        .to_string(),
    )
}

/// The child process: serves the user on 127.0.0.1 until its standard input closes.
pub(crate) fn serve() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        println!("{port}");
        // The parent closes our stdin when it is done (or dies): then stop.
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = stop_tx.send(());
        });
        let body = user_body();
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted.map_err(|e| e.to_string())?,
                _ = &mut stop_rx => return Ok(()),
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let body = body.clone();
                    async move { Ok::<_, Infallible>(answer(&request, body)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn answer(request: &Request<Incoming>, body: Bytes) -> Response<Full<Bytes>> {
    let authorized = request
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("SSWS {TOKEN}").as_bytes());
    if !authorized {
        return Response::builder()
            .status(401)
            .body(Full::new(Bytes::from_static(
                b"{\"errorCode\":\"E0000011\"}",
            )))
            .unwrap_or_default();
    }
    // Okta's rate-limit headers with a quota no run can reach, so the limiter's feedback
    // path runs as it does against a real org.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Response::builder()
        .header("content-type", "application/json")
        .header("x-okta-request-id", "bench")
        .header("x-rate-limit-limit", "1000000000")
        .header("x-rate-limit-remaining", "999999999")
        .header("x-rate-limit-reset", (now + 60).to_string())
        .body(Full::new(body))
        .unwrap_or_default()
}

/// The server child, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("__serve-overhead")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the overhead server: {e}"))?;
        let stdout = child.stdout.take().ok_or("the server has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let port = line
            .trim()
            .parse()
            .map_err(|_| format!("the overhead server said {line:?}, not a port"))?;
        Ok(Server { child, port })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin asks the server to stop; kill it if it does not.
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `calls` calls of `call` from `concurrency` tasks.
async fn drive<F, Fut>(calls: usize, concurrency: usize, call: F) -> Run
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Samples::default();
            let mut errors = 0;
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let t = Instant::now();
                if !call().await {
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

pub(crate) async fn run(plan: &Plan, summary: &mut Summary) -> Result<(), String> {
    let server = Server::start()?;
    let base = format!("http://127.0.0.1:{}", server.port);
    let url = format!("{base}/api/v1/users/{USER_ID}");
    let raw = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("cannot build a client: {e}"))?;
    let okta = Okta::builder(&base)
        .api_token(TOKEN)
        .build()
        .map_err(|e| format!("cannot build the Okta client: {e}"))?;

    let raw_call = {
        let raw = raw.clone();
        let url = url.clone();
        move || {
            let raw = raw.clone();
            let url = url.clone();
            async move {
                match raw
                    .get(url)
                    .header("authorization", format!("SSWS {TOKEN}"))
                    .header("accept", "application/json")
                    .send()
                    .await
                {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    };
    let pipeline_call = {
        let okta = okta.clone();
        move || {
            let okta = okta.clone();
            async move { okta.read_user(USER_ID).await.is_ok() }
        }
    };

    // Warm both: connections open, the learning gate has learned, caches are hot.
    drive(1_000, plan.overhead_concurrency, raw_call.clone()).await;
    drive(1_000, plan.overhead_concurrency, pipeline_call.clone()).await;

    let (mut raw_runs, mut pipeline_runs) = (Vec::new(), Vec::new());
    for round in 0..plan.overhead_rounds {
        // Alternate which goes first, so that neither always runs on a warmer machine.
        let pipeline_first = round % 2 == 1;
        if pipeline_first {
            pipeline_runs.push(
                drive(
                    plan.overhead_calls,
                    plan.overhead_concurrency,
                    pipeline_call.clone(),
                )
                .await,
            );
        }
        raw_runs.push(
            drive(
                plan.overhead_calls,
                plan.overhead_concurrency,
                raw_call.clone(),
            )
            .await,
        );
        if !pipeline_first {
            pipeline_runs.push(
                drive(
                    plan.overhead_calls,
                    plan.overhead_concurrency,
                    pipeline_call.clone(),
                )
                .await,
            );
        }
        eprintln!(
            "  overhead round {}: raw {:.0}/s, pipeline {:.0}/s",
            round + 1,
            rps(raw_runs.last()),
            rps(pipeline_runs.last())
        );
    }
    drop(server);

    let raw_rps = median(&raw_runs.iter().map(|r| rps(Some(r))).collect::<Vec<_>>());
    let pipeline_rps = median(
        &pipeline_runs
            .iter()
            .map(|r| rps(Some(r)))
            .collect::<Vec<_>>(),
    );
    let (mut raw_lat, raw_cpu, raw_calls, raw_errors) = merge(raw_runs);
    let (mut pipe_lat, pipe_cpu, pipe_calls, pipe_errors) = merge(pipeline_runs);
    summary.set("overhead_calls", plan.overhead_calls as f64);
    summary.set("overhead_concurrency", plan.overhead_concurrency as f64);
    summary.set("overhead_rounds", plan.overhead_rounds as f64);
    summary.set("overhead_raw_rps", raw_rps);
    summary.set("overhead_pipeline_rps", pipeline_rps);
    summary.set(
        "overhead_ratio",
        if raw_rps > 0.0 {
            pipeline_rps / raw_rps
        } else {
            0.0
        },
    );
    summary.set("overhead_p50_us", pipe_lat.quantile_us(0.50));
    summary.set("overhead_p99_us", pipe_lat.quantile_us(0.99));
    summary.set("overhead_raw_p50_us", raw_lat.quantile_us(0.50));
    summary.set("overhead_raw_p99_us", raw_lat.quantile_us(0.99));
    summary.set(
        "overhead_cpu_us_per_call",
        pipe_cpu.as_secs_f64() * 1e6 / pipe_calls.max(1) as f64,
    );
    summary.set(
        "overhead_raw_cpu_us_per_call",
        raw_cpu.as_secs_f64() * 1e6 / raw_calls.max(1) as f64,
    );
    summary.set("overhead_errors", (pipe_errors + raw_errors) as f64);
    Ok(())
}

fn rps(run: Option<&Run>) -> f64 {
    run.map_or(0.0, |r| r.calls as f64 / r.wall.as_secs_f64().max(1e-9))
}

fn merge(runs: Vec<Run>) -> (Samples, Duration, usize, usize) {
    let mut latencies = Samples::default();
    let (mut cpu, mut calls, mut errors) = (Duration::ZERO, 0, 0);
    for run in runs {
        latencies.extend(run.latencies);
        cpu += run.cpu;
        calls += run.calls;
        errors += run.errors;
    }
    (latencies, cpu, calls, errors)
}
