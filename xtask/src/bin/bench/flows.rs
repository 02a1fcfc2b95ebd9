//! Flows as data: the engine's own cost per step (expressions and the store's commit,
//! against a card that answers at once), what a `call` step adds on top of the card its
//! callee runs, and runs per second of a three-card flow on the sandbox with its limits
//! raised, on SQLite.

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::Result as CoreResult;
use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, link, validate};
use connector_runtime::{Flows, RuntimeConfig, Service, Store, TempDb};
use connector_sandbox::okta::Bucket;
use connector_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

use crate::measure::Samples;
use crate::report::Summary;

/// A card that answers at once: what is left is the engine's own time.
struct Instant0;

#[async_trait::async_trait]
impl Catalog for Instant0 {
    fn input_schema(&self, _card: &str) -> Option<Value> {
        Some(json!({"type": "object"}))
    }

    async fn run(&self, _card: &str, _connection: Option<&str>, input: Value) -> CoreResult<Value> {
        Ok(input)
    }
}

/// Five steps a run: three cards with templated inputs, an `assign`, a `return`.
const FIVE_STEPS: &str = r#"
name: overhead
trigger: { manual: {} }
steps:
  - id: a
    card: bench.echo
    input: { id: "{{ event.id }}", n: "{{ event.n }}" }
  - id: b
    card: bench.echo
    input: { id: "{{ steps.a.output.id }}", path: "/users/{{ steps.a.output.id }}/roles" }
  - id: c
    card: bench.echo
    input: { ids: "{{ [steps.a.output.id, steps.b.output.id] }}" }
  - id: d
    assign: { n: "steps.a.output.n + 1" }
  - id: done
    return: { outcome: done, output: { n: "{{ steps.d.output.n }}" } }
"#;

/// Five card steps; and the same five cards, each run by a `call` of a one-card helper.
const FIVE_CARDS: &str = r#"
name: cards
trigger: { manual: {} }
steps:
  - { id: a, card: bench.echo, input: { id: "{{ event.id }}" } }
  - { id: b, card: bench.echo, input: { id: "{{ event.id }}" } }
  - { id: c, card: bench.echo, input: { id: "{{ event.id }}" } }
  - { id: d, card: bench.echo, input: { id: "{{ event.id }}" } }
  - { id: e, card: bench.echo, input: { id: "{{ event.id }}" } }
"#;

const FIVE_CALLS: &str = r#"
name: calls
trigger: { manual: {} }
steps:
  - { id: a, call: one-card, input: { id: "{{ event.id }}" } }
  - { id: b, call: one-card, input: { id: "{{ event.id }}" } }
  - { id: c, call: one-card, input: { id: "{{ event.id }}" } }
  - { id: d, call: one-card, input: { id: "{{ event.id }}" } }
  - { id: e, call: one-card, input: { id: "{{ event.id }}" } }
"#;

const ONE_CARD: &str = r#"
name: one-card
trigger: { callable: { input: { type: object, required: [id] } } }
steps:
  - { id: echo, card: bench.echo, input: { id: "{{ event.id }}" } }
"#;

const THREE_CARDS: &str = r#"
name: three-cards
trigger: { manual: {} }
steps:
  - id: user
    card: okta.read-user
    input: { id: "{{ event.id }}" }
  - id: roles
    card: okta.list-user-roles
    input: { userId: "{{ steps.user.output.id }}" }
  - id: grant
    card: okta.add-user-to-admin-role
    input: { userId: "{{ steps.user.output.id }}" }
  - id: done
    return: { outcome: granted }
"#;

/// A runtime running the flows of `texts` (linked together); the first is returned.
fn runtime(
    store: Store,
    catalog: Arc<dyn Catalog>,
    texts: &[&str],
    workers: usize,
) -> Result<(Service, connector_runtime::flows::Flow), String> {
    let flows = texts
        .iter()
        .map(|text| validate("bench.yaml", text, catalog.as_ref()))
        .collect::<Result<Vec<_>, _>>()
        .and_then(link)
        .map_err(|e| format!("{e:?}"))?;
    let flow = flows.first().cloned().ok_or("no flow")?;
    let mut config = RuntimeConfig::new(SecretString::from("bench"));
    config.workers = workers;
    config.poll = Duration::from_millis(5);
    config.listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    config.admin_listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    Ok((
        Service::new(
            store,
            flows.into_iter().fold(Flows::new(catalog), Flows::with),
            config,
        ),
        flow,
    ))
}

pub(crate) async fn run(runs: usize, summary: &mut Summary) -> Result<(), String> {
    // The engine's own time per step, one run at a time.
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    let (service, flow) = runtime(store.clone(), Arc::new(Instant0), &[FIVE_STEPS], 1)?;
    let mut per_step = Samples::default();
    for i in 0..runs {
        let id = store
            .enqueue(
                &flow,
                &format!("o{i}"),
                &json!({"id": format!("u{i}"), "n": i}),
                0,
            )
            .await
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        if !service.run_now(&id).await {
            return Err(format!("run {id} was not run"));
        }
        per_step.push(t.elapsed() / 5);
    }
    summary.set(
        "flow_step_overhead_p50_ms",
        round3(per_step.quantile_ms(0.5)),
    );
    summary.set(
        "flow_step_overhead_p99_ms",
        round3(per_step.quantile_ms(0.99)),
    );
    store.close().await;
    call_overhead(runs, per_step.quantile_ms(0.5), summary).await?;

    // Runs per second of a three-card flow on the sandbox (limits raised), workers pulling
    // from the SQLite queue.
    let mut okta = SandboxConfig::new().okta.with_concurrency_limit(10_000);
    for bucket in [Bucket::Users, Bucket::User, Bucket::Roles, Bucket::Other] {
        okta = okta.with_bucket_limit(bucket, 1_000_000);
    }
    let sandbox = Sandbox::start(SandboxConfig::new().with_okta(okta))
        .await
        .map_err(|e| e.to_string())?;
    let users: Vec<String> = (0..runs)
        .map(|i| {
            let login = format!("flow{i}@example.com");
            sandbox
                .okta()
                .add_user(json!({"login": login, "email": login, "firstName": "F", "lastName": "U", "role": "Support"}))
                .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let env = connector_core::Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]);
    let cards: Arc<dyn Catalog> = Arc::new(connector_runtime::cards::Cards::new(
        connector_cli::registry(),
        env,
    ));
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    let (service, flow) = runtime(store.clone(), cards, &[THREE_CARDS], 8)?;
    for (i, user) in users.iter().enumerate() {
        store
            .enqueue(&flow, &format!("r{i}"), &json!({"id": user}), 0)
            .await
            .map_err(|e| e.to_string())?;
    }
    let started = connector_runtime::start(service.clone())
        .await
        .map_err(|e| e.to_string())?;
    let stop = connector_runtime::CancellationToken::new();
    let t0 = Instant::now();
    let serving = tokio::spawn(started.serve(stop.clone()));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done: i64 = store
            .counts()
            .await
            .map_err(|e| e.to_string())?
            .iter()
            .filter(|(o, _)| o == "granted")
            .map(|(_, n)| n)
            .sum();
        if done as usize >= runs {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("only {done} of {runs} runs finished in 120 s"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = t0.elapsed().as_secs_f64();
    stop.cancel();
    let _ = serving.await;
    summary.set("flow_runs_per_s", (runs as f64 / seconds).round());
    Ok(())
}

/// What a `call` step adds to the card its callee runs (its input rendered and checked
/// against the callee's schema, a runner of its own, its own commit): runs of five calls
/// of a one-card helper against runs of the same five cards, interleaved, p50 against p50,
/// per step; reported next to a card step's p50 (`flow_step_overhead_p50_ms`).
async fn call_overhead(
    runs: usize,
    card_step_p50_ms: f64,
    summary: &mut Summary,
) -> Result<(), String> {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    let catalog: Arc<dyn Catalog> = Arc::new(Instant0);
    let (cards, card_flow) = runtime(store.clone(), catalog.clone(), &[FIVE_CARDS], 1)?;
    let (calls, call_flow) = runtime(store.clone(), catalog, &[FIVE_CALLS, ONE_CARD], 1)?;
    let (mut card_runs, mut call_runs) = (Samples::default(), Samples::default());
    for i in 0..runs {
        for (service, flow, samples) in [
            (&cards, &card_flow, &mut card_runs),
            (&calls, &call_flow, &mut call_runs),
        ] {
            let id = store
                .enqueue(flow, &format!("{}-{i}", flow.name()), &json!({"id": i}), 0)
                .await
                .map_err(|e| e.to_string())?;
            let t = Instant::now();
            if !service.run_now(&id).await {
                return Err(format!("run {id} was not run"));
            }
            samples.push(t.elapsed());
        }
    }
    store.close().await;
    let added = ((call_runs.quantile_ms(0.5) - card_runs.quantile_ms(0.5)) / 5.0).max(0.0);
    summary.set("flow_call_overhead_p50_ms", round3(added));
    if card_step_p50_ms > 0.0 {
        summary.set(
            "flow_call_overhead_vs_card_step",
            (added / card_step_p50_ms * 100.0).round() / 100.0,
        );
    }
    Ok(())
}

fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}
