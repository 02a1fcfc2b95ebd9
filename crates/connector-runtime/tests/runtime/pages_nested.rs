//! The pages draw blocks and calls nested: a flow's page shows a block's branches and a
//! called flow's steps inside the call; a run's page shows a call's journaled steps under
//! it, per item for a `for_each` of calls; the run JSON carries the nested entries.

use std::sync::Arc;
use std::time::Duration;

use connector_core::secrecy::SecretString;
use connector_runtime::flows::Catalog;
use connector_runtime::{CancellationToken, Flows, RuntimeConfig, Service, Store, TempDb};
use serde_json::{Value, json};

use crate::calls::load;
use crate::engine::Cards;

const CALLER: &str = r#"
name: caller
trigger: { manual: {} }
steps:
  - id: choose
    if: "event.go"
    then:
      - id: each
        for_each: "[1, 2]"
        call: helper
        input: { n: "{{ item }}" }
    else:
      - id: nothing
        assign: { none: "true" }
  - id: later
    spawn: helper
    input: { n: 9 }
"#;

const HELPER: &str = r#"
name: helper
trigger: { callable: {} }
steps:
  - id: echo
    card: test.echo
    input: { n: "{{ event.n }}" }
  - id: done
    return: { outcome: echoed, output: "{{ steps.echo.output }}" }
"#;

#[tokio::test]
async fn a_flow_page_and_a_run_page_draw_blocks_and_calls_with_their_steps_nested() {
    let db = TempDb::new();
    let store = Store::open(&db.url()).await.unwrap();
    let mut config = RuntimeConfig::new(SecretString::from("unused"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    config.poll = Duration::from_millis(20);
    let cards = Arc::new(Cards::default());
    let flows = load(&[("caller.yaml", CALLER), ("helper.yaml", HELPER)], &cards).unwrap();
    let catalog: Arc<dyn Catalog> = cards;
    let service = Service::new(
        store.clone(),
        flows.into_iter().fold(Flows::new(catalog), Flows::with),
        config,
    );
    let caller = service.flows().get("caller").unwrap().clone();
    let run_id = store
        .enqueue(&caller, "manual-pages", &json!({"go": true}), 0)
        .await
        .unwrap();
    assert_eq!(service.drain(5).await, 2, "the run and the run it spawned");
    let started = connector_runtime::start(service.clone()).await.unwrap();
    let admin = started.admin_addr();
    let stop = CancellationToken::new();
    tokio::spawn(started.serve(stop.clone()));
    let client = reqwest::Client::new();
    let get = |path: String| client.get(format!("http://{admin}{path}")).send();

    let html = get("/flows/caller".to_owned())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The block's branches, the for_each of calls with the callee's steps inside it, and
    // the spawn linking to the flow it starts.
    for part in [
        "class=\"branch then\"",
        "class=\"branch else\"",
        "data-step=\"nothing\"",
        "class=\"steps nested callee\" data-flow=\"helper\"",
        "data-step=\"echo\"",
        "href=\"/flows/helper\"",
    ] {
        assert!(html.contains(part), "{part} missing:\n{html}");
    }
    let each = html.find("data-step=\"each\"").unwrap();
    let echo = html.find("data-step=\"echo\"").unwrap();
    let nothing = html.find("data-step=\"nothing\"").unwrap();
    assert!(
        each < echo && echo < nothing,
        "the callee is drawn inside the call"
    );

    let run: Value = get(format!("/history/{run_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "choose",
            "each[0]/echo",
            "each[0]/done",
            "each",
            "each[1]/echo",
            "each[1]/done",
            "each",
            "each",
            "later"
        ],
        "the JSON carries the nested entries in commit order"
    );
    let page = get(format!("/runs/{run_id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Each item's box holds its callee's steps.
    let first = page
        .find("<h3>each [0]")
        .unwrap_or_else(|| panic!("{page}"));
    let inner = page[first..].find("each[0]/echo").unwrap() + first;
    let second = page.find("<h3>each [1]").unwrap();
    assert!(first < inner && inner < second, "{page}");
    assert!(
        page[first..second].contains("class=\"steps nested\""),
        "{page}"
    );
    assert!(
        page.contains("call helper") || page.contains("for_each · call helper"),
        "{page}"
    );
    let child = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "later")
        .unwrap()["output"]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let child_page = get(format!("/runs/{child}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        child_page.contains(&format!("href=\"/runs/{run_id}\"")),
        "spawned by: {child_page}"
    );
    stop.cancel();
}
