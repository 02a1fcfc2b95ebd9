//! The `schedule` trigger on an injected clock (no real waiting): polled at uneven
//! instants by two replicas on one store, every fire time starts exactly one run, keyed on
//! its cron instant, across both of Europe/Paris's DST changes; a restart does not run the
//! last fire time again.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::schedule::Poller;
use connector_runtime::{Flows, HistoryQuery, Run, RuntimeConfig, Service, Store, TempDb};
use serde_json::Value;

/// No cards: the scheduled flows only return.
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

fn flow(name: &str, cron: &str, zone: &str) -> String {
    format!(
        "name: {name}\ntrigger:\n  schedule: {{ cron: \"{cron}\", timezone: \"{zone}\" }}\nsteps:\n  - id: done\n    return: {{ outcome: ran }}\n"
    )
}

fn runtime(store: &Store, texts: &[String]) -> Service {
    let catalog: Arc<dyn Catalog> = Arc::new(NoCards);
    let mut flows = Flows::new(catalog.clone());
    for (i, text) in texts.iter().enumerate() {
        flows = flows.with(validate(&format!("{i}.yaml"), text, catalog.as_ref()).unwrap());
    }
    Service::new(
        store.clone(),
        flows,
        RuntimeConfig::new(SecretString::from("")),
    )
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn runs(store: &Store) -> Vec<Run> {
    let page = store.history(&HistoryQuery::newest(500)).await.unwrap();
    assert!(page.next_cursor.is_none());
    page.runs
}

/// The fire instants of `flow`'s runs, oldest first, each checked to be its run's key.
async fn fires(store: &Store, flow: &str) -> Vec<String> {
    let mut fires: Vec<String> = runs(store)
        .await
        .into_iter()
        .filter(|r| r.flow == flow)
        .map(|r| {
            let at = r.event["scheduledAt"].as_str().unwrap().to_owned();
            assert_eq!(r.event_id, format!("schedule:{}", at.replace(".000Z", "Z")));
            assert!(
                r.event["firedAt"].as_str().unwrap() >= at.as_str(),
                "{:?}",
                r.event
            );
            at
        })
        .collect();
    fires.sort();
    fires
}

#[tokio::test]
async fn uneven_polls_by_two_replicas_start_one_run_per_fire_time_and_a_restart_none_again() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let texts = [flow("minutely", "* * * * *", "UTC")];
    let (one, two) = (runtime(&store, &texts), runtime(&store, &texts));
    let (mut a, mut b) = (Poller::default(), Poller::default());
    // First loaded here: 06:31 is before it, and no run.
    assert_eq!(
        a.poll(&one, utc("2026-12-07T06:31:59.700Z")).await.unwrap(),
        0
    );
    let polls = [
        "2026-12-07T06:32:00.325Z",
        "2026-12-07T06:32:00.900Z",
        "2026-12-07T06:32:01.200Z",
        "2026-12-07T06:32:01.201Z",
        "2026-12-07T06:32:30.050Z",
        "2026-12-07T06:32:59.999Z",
        "2026-12-07T06:33:00.001Z",
        "2026-12-07T06:33:00.600Z",
        "2026-12-07T06:33:01.900Z",
        "2026-12-07T06:33:45.000Z",
        "2026-12-07T06:34:00.450Z",
        "2026-12-07T06:34:00.460Z",
        "2026-12-07T06:34:02.300Z",
    ];
    let mut started = 0;
    for (i, poll) in polls.iter().enumerate() {
        // The replicas take turns, and each polls some instants the other does too.
        started += a.poll(&one, utc(poll)).await.unwrap();
        if i % 2 == 0 {
            started += b.poll(&two, utc(poll)).await.unwrap();
        }
        // A poller without memory (every poll asks the store) starts nothing more.
        started += connector_runtime::schedule::fire_due(&two, utc(poll))
            .await
            .unwrap();
    }
    assert_eq!(started, 3);
    let expected = [
        "2026-12-07T06:32:00.000Z",
        "2026-12-07T06:33:00.000Z",
        "2026-12-07T06:34:00.000Z",
    ];
    assert_eq!(fires(&store, "minutely").await, expected);

    // A restart within the minute does not run 06:34 again; the next fire time runs once.
    drop((one, two, a, b));
    let restarted = runtime(&store, &texts);
    let mut poller = Poller::default();
    assert_eq!(
        poller
            .poll(&restarted, utc("2026-12-07T06:34:40.100Z"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        poller
            .poll(&restarted, utc("2026-12-07T06:35:00.010Z"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        poller
            .poll(&restarted, utc("2026-12-07T06:35:00.020Z"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(fires(&store, "minutely").await.len(), 4);
    // The runs run, each to the flow's outcome.
    assert_eq!(restarted.drain(10).await, 4);
    let done = store
        .history(&HistoryQuery::newest(10).with_outcome("ran"))
        .await
        .unwrap();
    assert_eq!(done.runs.len(), 4);
}

/// Polls two replicas at uneven instants (about every 7 minutes, never on a whole second)
/// from `from` for `hours`; returns the runs they started.
async fn sweep(one: &Service, two: &Service, from: DateTime<Utc>, hours: i64) -> usize {
    let (mut a, mut b) = (Poller::default(), Poller::default());
    let end = from + Duration::hours(hours);
    let mut at = from;
    let mut started = 0;
    for i in 0..10_000_i64 {
        if at > end {
            break;
        }
        started += a.poll(one, at).await.unwrap();
        started += b.poll(two, at + Duration::milliseconds(275)).await.unwrap();
        at += Duration::minutes(7) + Duration::milliseconds(1_000 * (i % 5) + 137 * (i % 7) + 1);
    }
    started
}

#[tokio::test]
async fn across_both_dst_changes_of_paris_each_wall_time_fires_once() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let texts = [
        flow("nightly", "30 2 * * *", "Europe/Paris"),
        flow("half-hourly", "*/30 * * * *", "Europe/Paris"),
    ];
    let (one, two) = (runtime(&store, &texts), runtime(&store, &texts));

    // Spring: 2026-03-29, 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    let spring = sweep(&one, &two, utc("2026-03-28T00:00:00.250Z"), 51).await;
    let nightly = fires(&store, "nightly").await;
    assert_eq!(
        nightly,
        [
            "2026-03-28T01:30:00.000Z", // 02:30 CET
            "2026-03-29T01:00:00.000Z", // 02:30 never happens: the first instant after the jump
            "2026-03-30T00:30:00.000Z", // 02:30 CEST
        ]
    );
    let around: Vec<String> = fires(&store, "half-hourly")
        .await
        .into_iter()
        .filter(|t| t.as_str() >= "2026-03-28T23:00" && t.as_str() < "2026-03-29T02:01")
        .collect();
    assert_eq!(
        around,
        [
            "2026-03-28T23:00:00.000Z",
            "2026-03-28T23:30:00.000Z",
            "2026-03-29T00:00:00.000Z",
            "2026-03-29T00:30:00.000Z",
            "2026-03-29T01:00:00.000Z", // 02:00 and 02:30 skipped, and 03:00: one run
            "2026-03-29T01:30:00.000Z",
            "2026-03-29T02:00:00.000Z",
        ]
    );
    assert_eq!(spring, runs(&store).await.len());

    // Autumn: 2026-10-25, 03:00 CEST falls back to 02:00 CET at 01:00 UTC.
    let before = runs(&store).await.len();
    let autumn = sweep(&one, &two, utc("2026-10-24T00:00:00.600Z"), 51).await;
    let nightly: Vec<String> = fires(&store, "nightly")
        .await
        .into_iter()
        .filter(|t| t.as_str() >= "2026-10")
        .collect();
    assert_eq!(
        nightly,
        [
            "2026-10-23T00:30:00.000Z", // the catch-up for the fires missed since March
            "2026-10-24T00:30:00.000Z", // 02:30 CEST
            "2026-10-25T00:30:00.000Z", // 02:30 twice: its first instant only
            "2026-10-26T01:30:00.000Z", // 02:30 CET
        ]
    );
    let around: Vec<String> = fires(&store, "half-hourly")
        .await
        .into_iter()
        .filter(|t| t.as_str() >= "2026-10-24T23:00" && t.as_str() < "2026-10-25T03:01")
        .collect();
    assert_eq!(
        around,
        [
            "2026-10-24T23:00:00.000Z",
            "2026-10-24T23:30:00.000Z",
            "2026-10-25T00:00:00.000Z", // 02:00 CEST
            "2026-10-25T00:30:00.000Z", // 02:30 CEST; 02:00 and 02:30 CET repeat them
            "2026-10-25T02:00:00.000Z", // 03:00 CET
            "2026-10-25T02:30:00.000Z",
            "2026-10-25T03:00:00.000Z",
        ]
    );
    assert_eq!(before + autumn, runs(&store).await.len());
}
