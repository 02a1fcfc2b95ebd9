//! **serve**: the flow runtime of `connector serve` (in-process, SQLite store in a
//! temporary file) fed by HTTP deliveries on loopback.
//!
//! - `serve_accepted_per_s`, `serve_ack_p50_ms`, `serve_ack_p99_ms`: deliveries of one event
//!   each, 16 at a time, answered only once stored (Okta wants an answer within 3 s);
//! - `serve_runs_per_s`: events to role assignments per second against the sandbox's Okta
//!   buckets (200 per second for reading users and for roles), which bound it;
//!   `serve_429`: the 429s the sandbox answered meanwhile (the pipeline paces to the bucket).

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::secrecy::SecretString;
use connector_runtime::{CancellationToken, RuntimeConfig, Service, Store, TempDb};
use connector_sandbox::okta::{Bucket, OktaConfig};
use connector_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use crate::measure::Samples;
use crate::report::Summary;

const SECRET: &str = "bench-hook-secret";
const BUCKET_PER_SECOND: u32 = 200;

/// Runs the scenario with `events` deliveries.
pub(crate) async fn run(events: usize, summary: &mut Summary) -> Result<(), String> {
    let okta = OktaConfig::default()
        .with_window(Duration::from_secs(1))
        .with_all_bucket_limits(100_000)
        .with_bucket_limit(Bucket::User, BUCKET_PER_SECOND)
        .with_bucket_limit(Bucket::Roles, BUCKET_PER_SECOND);
    let sandbox = Sandbox::start(SandboxConfig::new().with_okta(okta))
        .await
        .map_err(|e| e.to_string())?;
    let users: Vec<String> = (0..events)
        .map(|i| {
            let login = format!("bench{i}@example.com");
            sandbox
                .okta()
                .add_user(json!({"login": login, "email": login, "firstName": "B", "lastName": "U", "role": "Support"}))
                .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let env = connector_core::Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]);
    let cards = Arc::new(connector_runtime::cards::Cards::new(
        connector_cli::registry(),
        env.clone(),
    ));
    let template = connector_cli::hooks::template(cards.as_ref())
        .map_err(|e| format!("the template does not validate: {e:?}"))?;
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    let mut config = RuntimeConfig::new(SecretString::from(SECRET));
    config.listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    config.admin_listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    config.poll = Duration::from_millis(20);
    let service: Service =
        connector_cli::hooks::service(vec![template], cards, &env, store, config)
            .map_err(|e| e.to_string())?;
    let started = connector_runtime::start(service.clone())
        .await
        .map_err(|e| e.to_string())?;
    let hook = format!("http://{}/okta/event-hook", started.hook_addr());
    let stop = CancellationToken::new();
    let serving = tokio::spawn(started.serve(stop.clone()));

    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let users = Arc::new(users);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, hook, next, users) =
            (client.clone(), hook.clone(), next.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(user) = users.get(i) else { return Ok(samples) };
                let body = json!({"eventType": "com.okta.event_hook", "eventId": format!("d{i}"), "data": {"events": [
                    {"uuid": format!("bench-{i}"), "eventType": "user.lifecycle.create", "target": [{"id": user, "type": "User"}]}
                ]}});
                let sent = Instant::now();
                let answer = client.post(&hook).header("authorization", SECRET).json(&body).send().await;
                match answer {
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
    let accepted_s = t0.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let counts = service.store().counts().await.map_err(|e| e.to_string())?;
        let done: i64 = counts
            .iter()
            .filter(|(o, _)| o == "assigned")
            .map(|(_, n)| n)
            .sum();
        if done as usize >= events {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("only {done} of {events} runs finished in 120 s"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let runs_s = t0.elapsed().as_secs_f64();
    stop.cancel();
    let _ = serving.await;
    summary.set("serve_accepted_per_s", (events as f64 / accepted_s).round());
    summary.set(
        "serve_ack_p50_ms",
        (acks.quantile_ms(0.5) * 100.0).round() / 100.0,
    );
    summary.set(
        "serve_ack_p99_ms",
        (acks.quantile_ms(0.99) * 100.0).round() / 100.0,
    );
    summary.set(
        "serve_runs_per_s",
        (events as f64 / runs_s * 10.0).round() / 10.0,
    );
    summary.set("serve_429", sandbox.okta().stats().rate_limited as f64);
    sandbox.shutdown().await;
    Ok(())
}
