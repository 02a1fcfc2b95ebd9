//! Durable waits: 10,000 runs parked on one-second waits on SQLite, woken by the store's
//! claim (no task sleeps per run) with `connector serve`'s defaults (8 workers, a 250 ms
//! poll). Each run's wait step journals its wake time and when it woke: the lateness is
//! their difference, every run's read back from the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::{Flows, HistoryQuery, RunState, RuntimeConfig, Service, Store, TempDb};
use serde_json::{Value, json};

use crate::measure::Samples;
use crate::report::Summary;

/// Runs parked.
pub(crate) const PARKED: usize = 10_000;

const FLOW: &str = r#"
name: parked
trigger: { manual: {} }
steps:
  - id: hold
    wait: { for: 1s }
  - id: done
    return:
      outcome: woke
      output:
        wake: "{{ steps.hold.output.wakeAt | datetime_diff('1970-01-01T00:00:00Z') }}"
        woke: "{{ steps.hold.output.wokeAt | datetime_diff('1970-01-01T00:00:00Z') }}"
"#;

/// No card is called: the flow is a wait and a return.
struct NoCards;

#[async_trait::async_trait]
impl Catalog for NoCards {
    fn input_schema(&self, _card: &str) -> Option<Value> {
        None
    }

    async fn run(&self, card: &str, _: Option<&str>, _: Value) -> connector_core::Result<Value> {
        Err(connector_core::Error::configuration(format!(
            "no card {card}"
        )))
    }
}

/// Milliseconds since the epoch of the flow's seconds.
fn millis(seconds: &Value) -> Option<i64> {
    seconds.as_f64().map(|s| (s * 1000.0).round() as i64)
}

pub(crate) async fn run(summary: &mut Summary) -> Result<(), String> {
    let catalog: Arc<dyn Catalog> = Arc::new(NoCards);
    let flow = validate("parked.yaml", FLOW, catalog.as_ref()).map_err(|e| format!("{e:?}"))?;
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.map_err(|e| e.to_string())?;
    let mut config = RuntimeConfig::new(SecretString::from("bench"));
    config.listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    config.admin_listen = "127.0.0.1:0".parse().map_err(|_| "address")?;
    let service = Service::new(
        store.clone(),
        Flows::new(catalog).with(flow.clone()),
        config,
    );
    let started = connector_runtime::start(service)
        .await
        .map_err(|e| e.to_string())?;
    let stop = connector_runtime::CancellationToken::new();
    let serving = tokio::spawn(started.serve(stop.clone()));
    let t0 = Instant::now();
    for i in 0..PARKED {
        store
            .enqueue(
                &flow,
                &format!("w{i}"),
                &json!({}),
                connector_runtime::now_ms(),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    // Bounded: at most two minutes for every run to wake and finish.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut finished = 0;
    while Instant::now() < deadline {
        finished = store
            .counts()
            .await
            .map_err(|e| e.to_string())?
            .iter()
            .find(|(o, _)| o == "woke")
            .map_or(0, |(_, n)| *n as usize);
        if finished == PARKED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_done = t0.elapsed();
    stop.cancel();
    let _ = serving.await;
    if finished != PARKED {
        return Err(format!(
            "only {finished} of {PARKED} parked runs woke within 2 minutes"
        ));
    }
    let mut lateness = Samples::default();
    let (mut first_wake, mut last_woke) = (i64::MAX, i64::MIN);
    let mut query = HistoryQuery::newest(500);
    for _ in 0..(PARKED / 500 + 2) {
        let page = store.history(&query).await.map_err(|e| e.to_string())?;
        for run in &page.runs {
            if run.state != RunState::Finished {
                continue;
            }
            let output = run.output.clone().unwrap_or_default();
            if let (Some(wake), Some(woke)) = (millis(&output["wake"]), millis(&output["woke"])) {
                lateness.push(Duration::from_millis(
                    u64::try_from(woke - wake).unwrap_or(0),
                ));
                first_wake = first_wake.min(wake);
                last_woke = last_woke.max(woke);
            }
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    store.close().await;
    if lateness.len() != PARKED {
        return Err(format!(
            "{} of {PARKED} runs journaled their wake",
            lateness.len()
        ));
    }
    let span_s = ((last_woke - first_wake).max(1) as f64) / 1000.0;
    summary.set("flow_wait_runs", PARKED as f64);
    summary.set("flow_wait_wakeups_per_s", (PARKED as f64 / span_s).round());
    summary.set(
        "flow_wait_lateness_p50_ms",
        lateness.quantile_ms(0.5).round(),
    );
    summary.set(
        "flow_wait_lateness_p99_ms",
        lateness.quantile_ms(0.99).round(),
    );
    summary.set(
        "flow_wait_lateness_max_ms",
        lateness.quantile_ms(1.0).round(),
    );
    summary.set(
        "flow_wait_total_s",
        (all_done.as_secs_f64() * 10.0).round() / 10.0,
    );
    Ok(())
}
