//! The store at scale, on small stores: retention deletes ended runs past the history's
//! days a batch at a time (with their steps, signals and events) and nothing else; a
//! subject filter looks at a bounded number of runs per page and its cursor goes on
//! where the look ended; the outcomes offered are every outcome; the claim's plan reads
//! no finished run.

use std::sync::Arc;

use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::{
    COUNTS_RECENT, CancellationToken, Flows, HistoryQuery, RunState, RuntimeConfig, SUBJECT_SCAN,
    Service, Store, TempDb,
};
use serde_json::json;

use crate::engine::Cards;

const FLOW: &str = "name: hello\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    card: test.echo\n    input: { n: 1 }\n  - id: done\n    return: { outcome: greeted }\n";

async fn runtime(db: &TempDb) -> (Store, Service, connector_runtime::flows::Flow) {
    let store = Store::open(&db.url()).await.unwrap();
    let cards = Arc::new(Cards::default());
    let flow = validate("hello.yaml", FLOW, cards.as_ref()).unwrap();
    let catalog: Arc<dyn Catalog> = cards;
    let service = Service::new(
        store.clone(),
        Flows::new(catalog).with(flow.clone()),
        RuntimeConfig::new(SecretString::from("unused")),
    );
    (store, service, flow)
}

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.unwrap();
    n
}

#[tokio::test]
async fn retention_deletes_ended_runs_past_the_days_a_batch_at_a_time_and_nothing_else() {
    let db = TempDb::new();
    let (store, service, flow) = runtime(&db).await;
    let mut old = Vec::new();
    for n in 0..25 {
        let id = store
            .enqueue(&flow, &format!("old-{n}"), &json!({}), 1_000 + n)
            .await
            .unwrap();
        assert!(service.run_now(&id).await);
        old.push(id);
    }
    let mut recent = Vec::new();
    for n in 0..3 {
        let id = store
            .enqueue(&flow, &format!("recent-{n}"), &json!({}), 2_000 + n)
            .await
            .unwrap();
        assert!(service.run_now(&id).await);
        recent.push(id);
    }
    // Two runs still queued, from long ago: retention never takes a run that has not ended.
    for n in 0..2 {
        store
            .enqueue(&flow, &format!("queued-{n}"), &json!({}), 500)
            .await
            .unwrap();
    }
    let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
    // The old runs ended at 10,000 + n, the recent ones far later; each run's event was
    // received when it was queued, and one event no run holds is old too.
    sqlx::query("UPDATE runs SET finished_ms = 10000 + created_ms WHERE event_key LIKE 'old-%'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE runs SET finished_ms = 90000000 WHERE event_key LIKE 'recent-%'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO events (event_key, event_type, received_ms) SELECT event_key, 'manual', created_ms FROM runs")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO events (event_key, event_type, received_ms) VALUES ('lonely', 'manual', 5), ('new', 'manual', 80000000)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO signals (run_id, idempotency_key, name, received_ms) SELECT run_id, 'k', 'go', 1 FROM runs")
        .execute(&pool)
        .await
        .unwrap();
    let steps_before = count(&pool, "SELECT COUNT(*) FROM steps").await;
    let per_run = steps_before / 28;
    assert!(
        per_run >= 1 && steps_before % 28 == 0,
        "{steps_before} steps"
    );

    // One batch: the 10 that ended first, with their steps and signals; the rest stays.
    assert_eq!(store.prune_runs(50_000_000, 10).await.unwrap(), 10);
    for id in &old[..10] {
        assert!(store.run(id).await.unwrap().is_none(), "{id} pruned");
    }
    for id in &old[10..] {
        assert!(store.run(id).await.unwrap().is_some(), "{id} kept");
    }
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM steps").await,
        per_run * 18
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM signals").await, 20);

    // A round: the rest in batches of 10 (10 and 5), then the events no run holds.
    let pruned = store
        .prune(50_000_000, 10, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(pruned.runs, 15);
    assert_eq!(pruned.events, 26, "25 runs' events and the lonely one");
    assert_eq!(
        pruned.batches,
        2 + 3,
        "10 + 5 runs, then 10 + 10 + 6 events"
    );
    for id in old.iter() {
        assert!(store.run(id).await.unwrap().is_none(), "{id} pruned");
    }
    for id in &recent {
        let run = store.run(id).await.unwrap().expect("a recent run stays");
        assert_eq!(run.state, RunState::Finished);
        assert_eq!(run.steps.len() as i64, per_run, "its journal stays");
    }
    let queued = store
        .history(&HistoryQuery::newest(50).with_state("queued"))
        .await
        .unwrap();
    assert_eq!(queued.runs.len(), 2, "queued runs stay however old");
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM steps").await,
        per_run * 3
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM signals").await, 5);
    let mut events: Vec<(String,)> =
        sqlx::query_as("SELECT event_key FROM events ORDER BY event_key")
            .fetch_all(&pool)
            .await
            .unwrap();
    events.sort();
    let events: Vec<String> = events.into_iter().map(|(k,)| k).collect();
    assert_eq!(
        events,
        [
            "new", "queued-0", "queued-1", "recent-0", "recent-1", "recent-2"
        ]
    );
    // Nothing left to do: a round deletes nothing and takes one batch of each.
    let again = store
        .prune(50_000_000, 10, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((again.runs, again.events, again.batches), (0, 0, 2));

    // A cancelled round stops before its next batch.
    let stopped = CancellationToken::new();
    stopped.cancel();
    let none = store.prune(i64::MAX, 10, &stopped).await.unwrap();
    assert_eq!(none.batches, 0);
    assert!(store.run(&recent[0]).await.unwrap().is_some());
}

#[tokio::test]
async fn a_subject_filter_looks_at_a_bounded_number_of_runs_and_its_cursor_goes_on() {
    let db = TempDb::new();
    let (store, _service, flow) = runtime(&db).await;
    let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
    let first = store.enqueue(&flow, "seed", &json!({}), 1).await.unwrap();
    // SUBJECT_SCAN + 30 runs, newest last: the subject "needle" is held by the 5 oldest
    // and by 3 within the newest SUBJECT_SCAN.
    let total = SUBJECT_SCAN + 30;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO runs (run_id, event_key, flow, subject, event, state, outcome, tries, due_ms, created_ms) \
         SELECT printf('run_%06d', i), printf('e%06d', i), 'hello', \
           CASE WHEN i <= 5 OR i IN ($1 - 2, $1 - 100, $1 - 4000) THEN 'the needle ' || i ELSE 'hay ' || i END, \
           '{}', 'finished', 'greeted', 1, 0, 1000 + i FROM n",
    )
    .bind(total)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM runs WHERE run_id = $1")
        .bind(&first)
        .execute(&pool)
        .await
        .unwrap();
    let query = HistoryQuery::newest(10)
        .with_subject("needle")
        .with_flow("hello")
        .with_outcome("greeted");
    let page = store.history(&query).await.unwrap();
    let subjects: Vec<String> = page
        .runs
        .iter()
        .map(|r| r.subject.clone().unwrap_or_default())
        .collect();
    let t = total;
    assert_eq!(
        subjects,
        [
            format!("the needle {}", t - 2),
            format!("the needle {}", t - 100),
            format!("the needle {}", t - 4000)
        ],
        "the matches among the newest SUBJECT_SCAN runs"
    );
    // The look stopped at its bound: the cursor goes on from the last run it looked at.
    let cursor = page.next_cursor.clone().expect("a cursor past the look");
    assert_eq!(
        cursor,
        format!(
            "{}:run_{:06}",
            1000 + t - SUBJECT_SCAN + 1,
            t - SUBJECT_SCAN + 1
        )
    );
    let next = store
        .history(&query.clone().with_cursor(cursor))
        .await
        .unwrap();
    let older: Vec<String> = next
        .runs
        .iter()
        .map(|r| r.subject.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        older,
        (1..=5)
            .rev()
            .map(|i| format!("the needle {i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        next.next_cursor, None,
        "fewer than SUBJECT_SCAN runs were left"
    );
    // A full page of matches pages as before: by the last run shown.
    let small = store
        .history(
            &HistoryQuery::newest(2)
                .with_subject("needle")
                .with_flow("hello")
                .with_outcome("greeted"),
        )
        .await
        .unwrap();
    assert_eq!(small.runs.len(), 2);
    let last = &small.runs[1];
    assert_eq!(
        small.next_cursor,
        Some(format!("{}:{}", 1000 + t - 100, last.run_id))
    );
    // Without a subject nothing is bounded: the oldest run is on the last page.
    let all = store
        .history(&HistoryQuery::newest(500).with_outcome("greeted"))
        .await
        .unwrap();
    assert_eq!(all.runs.len(), 500);
    assert!(all.next_cursor.is_some());
    // The outcomes offered: every outcome held, once.
    sqlx::query("UPDATE runs SET outcome = 'other' WHERE run_id = 'run_000007'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(store.outcomes().await.unwrap(), ["greeted", "other"]);
    // The page's counts: runs in flight, every one; ended runs among the newest
    // COUNTS_RECENT (run_000007 is older than those).
    store
        .enqueue(&flow, "late", &json!({}), 9_000_000_000)
        .await
        .unwrap();
    let (counts, window) = store.page_counts().await.unwrap();
    assert_eq!(window, COUNTS_RECENT);
    assert_eq!(
        counts,
        [
            ("greeted".to_owned(), COUNTS_RECENT - 1),
            ("queued".to_owned(), 1)
        ]
    );
}

#[tokio::test]
async fn the_claim_reads_no_finished_run() {
    let db = TempDb::new();
    let (store, _service, _flow) = runtime(&db).await;
    let plan = store.explain_claim(1_000).await.unwrap();
    let text = plan.join("\n");
    assert!(text.contains("runs_due"), "{text}");
    assert!(
        !plan
            .iter()
            .any(|line| line.trim_start().starts_with("SCAN runs")),
        "{text}"
    );
}
