//! `spawn`: a callable flow started as a run of its own, once per (run, step, item) in the
//! store however often the step runs again, linked by `parentRunId`; a chain of spawns
//! stops at depth 10 with `invalid_input`.

use std::sync::Arc;
use std::time::Duration;

use connector_core::secrecy::SecretString;
use connector_runtime::flows::Catalog;
use connector_runtime::{
    Flows, HistoryQuery, NewSpawn, Run, RunState, RuntimeConfig, Service, Spawned, Store, TempDb,
};
use serde_json::{Value, json};

use crate::calls::load;
use crate::engine::Cards;

async fn service(db: &TempDb, files: &[(&str, &str)], cards: Arc<Cards>) -> Service {
    let store = Store::open(&db.url()).await.unwrap();
    let mut config = RuntimeConfig::new(SecretString::from("unused"));
    // A try that fails transiently is due again at once: the test drains the queue.
    config.backoff = vec![Duration::ZERO; 3];
    let flows = load(files, &cards).unwrap_or_else(|e| panic!("{e:?}"));
    let catalog: Arc<dyn Catalog> = cards;
    let set = flows.into_iter().fold(Flows::new(catalog), Flows::with);
    Service::new(store, set, config)
}

async fn runs(store: &Store) -> Vec<Run> {
    store
        .history(&HistoryQuery::newest(500))
        .await
        .unwrap()
        .runs
}

const PARENT: &str = r#"
name: parent
trigger: { manual: {} }
steps:
  - id: one
    spawn: child
    input: { n: 0 }
  - id: many
    for_each: "[1, 2, 3]"
    as: n
    spawn: child
    input: { n: "{{ n }}" }
  - id: flaky
    card: test.fail
    input: { kind: unavailable, times: 1 }
  - id: done
    return: { outcome: done, output: { one: "{{ steps.one.output.runId }}", many: "{{ steps.many.output }}" } }
"#;

const CHILD: &str = r#"
name: child
trigger:
  callable:
    input: { type: object, required: [n], properties: { n: { type: integer } } }
subject: "child {{ event.n }}"
steps:
  - id: echo
    card: test.echo
    input: { child: "{{ event.n }}" }
"#;

#[tokio::test]
async fn a_spawned_run_exists_once_per_step_and_item_after_the_spawning_run_is_retried() {
    let db = TempDb::new();
    let cards = Arc::new(Cards::default());
    let service = service(
        &db,
        &[("parent.yaml", PARENT), ("child.yaml", CHILD)],
        cards.clone(),
    )
    .await;
    let store = service.store().clone();
    let parent = service.flows().get("parent").unwrap().clone();
    let id = store
        .enqueue(&parent, "manual-1", &json!({}), connector_runtime::now_ms())
        .await
        .unwrap();
    assert!(service.run_now(&id).await);
    let first = store.run(&id).await.unwrap().unwrap();
    assert_eq!(first.state, RunState::Retrying, "{first:?}");
    // The retry, then the four children.
    assert_eq!(service.drain(20).await, 5);
    let all = runs(&store).await;
    let parent_run = all.iter().find(|r| r.run_id == id).unwrap();
    assert_eq!(parent_run.state, RunState::Finished);
    assert_eq!(parent_run.tries, 2);
    let children: Vec<&Run> = all.iter().filter(|r| r.flow == "child").collect();
    assert_eq!(children.len(), 4, "one run per step and item: {all:#?}");
    for child in &children {
        assert_eq!(child.parent_run_id.as_deref(), Some(id.as_str()));
        assert_eq!(child.state, RunState::Finished);
    }
    let mut subjects: Vec<&str> = children
        .iter()
        .filter_map(|r| r.subject.as_deref())
        .collect();
    subjects.sort_unstable();
    assert_eq!(subjects, ["child 0", "child 1", "child 2", "child 3"]);
    let output = parent_run.output.clone().unwrap();
    let one = output["one"].as_str().unwrap();
    assert!(children.iter().any(|c| c.run_id == one));
    let many: Vec<&str> = output["many"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["runId"].as_str().unwrap())
        .collect();
    assert_eq!(many.len(), 3);
    // The run JSON carries the link.
    let json = serde_json::to_value(children[0]).unwrap();
    assert_eq!(json["parentRunId"], Value::String(id.clone()));
    assert_eq!(cards.calls("test.echo").len(), 4, "each child ran once");

    // A step whose commit was lost (the process died after the run was made) asks the
    // store again with the same key: the same run answers, none is added.
    let child = service.flows().get("child").unwrap();
    let again = store
        .spawn(
            &NewSpawn::new(&id, child, &format!("spawn:{id}:many[1]"), &json!({"n": 2})),
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(again, Spawned::Run(many[1].to_owned()));
    assert_eq!(runs(&store).await.len(), 5);
}

#[tokio::test]
async fn a_flow_may_spawn_itself_until_the_chain_is_ten_spawns_deep() {
    let db = TempDb::new();
    let cards = Arc::new(Cards::default());
    let again = r#"
name: again
trigger: { callable: { input: { type: object } } }
steps:
  - id: more
    spawn: again
    input: { depth: "{{ (event.depth or 0) + 1 }}" }
"#;
    let service = service(&db, &[("again.yaml", again)], cards).await;
    let store = service.store().clone();
    let flow = service.flows().get("again").unwrap().clone();
    let id = store
        .enqueue(
            &flow,
            "manual-deep",
            &json!({}),
            connector_runtime::now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(service.drain(50).await, 11);
    let all = runs(&store).await;
    assert_eq!(all.len(), 11, "the first run and ten spawned");
    let last = all.iter().find(|r| r.event["depth"] == 10).unwrap();
    assert_eq!(last.state, RunState::DeadLettered);
    assert_eq!(last.error.as_ref().unwrap()["kind"], "invalid_input");
    assert!(
        last.error.as_ref().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("at most 10"),
        "{last:?}"
    );
    assert_eq!(
        all.iter().filter(|r| r.state == RunState::Finished).count(),
        10
    );
    assert!(
        all.iter()
            .any(|r| r.run_id == id && r.parent_run_id.is_none())
    );
}
