//! The `schedule` trigger on injected time (no real waiting): one run per fire time, the
//! same with two runtimes on one Postgres store, and one catch-up run after fires were
//! missed.

use crate::pg_support::{Postgres, postgres_bin};

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::schedule::fire_due;
use connector_runtime::{Flows, HistoryQuery, RuntimeConfig, Service, Store, TempDb};
use serde_json::{Value, json};

/// No cards: the scheduled flow only returns.
struct NoCards;

#[async_trait]
impl Catalog for NoCards {
    fn input_schema(&self, _card: &str) -> Option<Value> {
        None
    }

    async fn run(&self, _: &str, _: Option<&str>, _: Value) -> connector_core::Result<Value> {
        Err(connector_core::Error::configuration("no cards here"))
    }
}

const DAILY: &str = r#"
name: daily-report
trigger:
  schedule: { cron: "0 9 * * *", timezone: "Europe/Paris" }
steps:
  - id: done
    return: { outcome: reported, output: { at: "{{ event.scheduledAt }}" } }
"#;

fn runtime(store: Store) -> Service {
    let catalog: Arc<dyn Catalog> = Arc::new(NoCards);
    let flow = validate("daily.yaml", DAILY, catalog.as_ref()).unwrap();
    Service::new(
        store,
        Flows::new(catalog).with(flow),
        RuntimeConfig::new(SecretString::from("s")),
    )
}

/// 09:00 in Paris in December is 08:00 UTC.
fn at(day: u32, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
        .unwrap()
}

async fn runs(store: &Store) -> Vec<Value> {
    let page = store.history(&HistoryQuery::newest(100)).await.unwrap();
    page.runs
        .into_iter()
        .map(|r| json!({"flow": r.flow, "event": r.event}))
        .collect()
}

#[tokio::test]
async fn three_fire_times_give_three_runs_and_a_restart_after_missed_fires_one_catch_up() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let service = runtime(store.clone());
    // First loaded at 07:00 UTC: nothing is due yet, and no earlier fire counts as missed.
    assert_eq!(fire_due(&service, at(1, 7, 0)).await.unwrap(), 0);
    for (day, expected) in [(1, 1), (2, 2), (3, 3)] {
        assert_eq!(
            fire_due(&service, at(day, 8, 0)).await.unwrap(),
            1,
            "day {day}"
        );
        // Asked again within the minute: still one run for that fire time.
        assert_eq!(fire_due(&service, at(day, 8, 1)).await.unwrap(), 0);
        assert_eq!(runs(&store).await.len(), expected);
    }
    let newest = &runs(&store).await[0];
    assert_eq!(newest["event"]["scheduledAt"], "2026-12-03T08:00:00.000Z");
    assert_eq!(newest["flow"], "daily-report");

    // A restart after two missed fires (days 4 and 5): one catch-up run, for the latest.
    drop(service);
    let restarted = runtime(store.clone());
    assert_eq!(fire_due(&restarted, at(5, 12, 0)).await.unwrap(), 1);
    let runs_now = runs(&store).await;
    assert_eq!(runs_now.len(), 4);
    assert_eq!(
        runs_now[0]["event"]["scheduledAt"],
        "2026-12-05T08:00:00.000Z"
    );
    // The runs run: each ends with the flow's outcome.
    assert_eq!(restarted.drain(10).await, 4);
    let page = store
        .history(&HistoryQuery::newest(10).with_outcome("reported"))
        .await
        .unwrap();
    assert_eq!(page.runs.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runtimes_on_one_postgres_store_start_each_fire_time_once() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let (one, two) = (
        runtime(Store::open(&postgres.url()).await.unwrap()),
        runtime(Store::open(&postgres.url()).await.unwrap()),
    );
    let (a, b) = tokio::join!(fire_due(&one, at(1, 7, 0)), fire_due(&two, at(1, 7, 0)));
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    let mut started = 0;
    for day in 1..=3 {
        let (a, b) = tokio::join!(fire_due(&one, at(day, 8, 0)), fire_due(&two, at(day, 8, 0)));
        started += a.unwrap() + b.unwrap();
    }
    assert_eq!(started, 3);
    assert_eq!(runs(one.store()).await.len(), 3);
}
