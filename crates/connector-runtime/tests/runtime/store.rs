//! The store's side of a run's life: re-runs made once per `Idempotency-Key`, a flow's
//! text stored once whatever the number of runs, and the states a run moves through.

use connector_runtime::flows::validate;
use connector_runtime::{Rerun, RunState, Store, TempDb};
use serde_json::json;

use crate::engine::Cards;

const FLOW: &str = "name: hello\ntrigger: { manual: {} }\nsteps:\n  - id: done\n    return: { outcome: greeted }\n";

#[tokio::test]
async fn a_rerun_with_a_key_seen_before_answers_the_first_rerun() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let flow = validate("hello.yaml", FLOW, &Cards::default()).unwrap();
    let first = store
        .enqueue(&flow, "manual-1", &json!({}), 1_000)
        .await
        .unwrap();

    let once = store
        .rerun_once(&first, Some(&flow), 2_000, Some("view-1"))
        .await
        .unwrap();
    let again = store
        .rerun_once(&first, Some(&flow), 3_000, Some("view-1"))
        .await
        .unwrap();
    assert_eq!(once, again, "the same key makes one re-run");
    let other = store
        .rerun_once(&first, Some(&flow), 4_000, Some("view-2"))
        .await
        .unwrap();
    assert_ne!(
        once, other,
        "another key (another view of the page) makes another"
    );
    let plain = store.rerun(&first, None, 5_000).await.unwrap();
    assert_ne!(plain, once, "a re-run without a key is always made");
    // The key is scoped to the run re-run: the same key on another run makes a re-run of it.
    let Rerun::Queued { run_id: rerun } = &once else {
        panic!("{once:?}")
    };
    let of_rerun = store
        .rerun_once(rerun, None, 6_000, Some("view-1"))
        .await
        .unwrap();
    assert_ne!(of_rerun, once);
    assert_eq!(
        store
            .rerun_once("run_nope", None, 7_000, Some("view-1"))
            .await
            .unwrap(),
        Rerun::NotFound
    );
    let page = store
        .history(&connector_runtime::HistoryQuery::newest(50))
        .await
        .unwrap();
    assert_eq!(page.runs.len(), 5, "one run and four re-runs");
    assert!(page.runs.iter().all(|r| r.state == RunState::Queued));
}

#[tokio::test]
async fn a_flow_text_is_stored_once_for_any_number_of_runs() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let flow = validate("hello.yaml", FLOW, &Cards::default()).unwrap();
    for n in 0..20 {
        store
            .enqueue(&flow, &format!("manual-{n}"), &json!({}), 1_000 + n)
            .await
            .unwrap();
    }
    let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
    let (definitions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM flow_definitions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (distinct,): (i64,) = sqlx::query_as("SELECT COUNT(DISTINCT definition_hash) FROM runs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((definitions, distinct), (1, 1));
    assert_eq!(
        store.definition(&flow.hash).await.unwrap().as_deref(),
        Some(FLOW)
    );
}
