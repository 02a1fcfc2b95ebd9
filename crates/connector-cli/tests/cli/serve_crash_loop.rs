//! A run that takes the process down with it is not run a third time: after two claims that
//! ended with the process dying (its lease expired, no step committed since), the next
//! claim dead-letters it with an error saying so, and the other flows' runs go on.

use crate::serve_support;

use std::time::Duration;

use connector_runtime::{RunState, Store, TempDb};
use connector_sandbox::{Fault, FaultRule};
use serde_json::{Value, json};
use serve_support::{HOOK_SECRET, ServeSpec, all_runs, eventually, roomy_sandbox};

/// `stuck` hangs on its card (the test kills the process meanwhile); `quick` only returns.
const STUCK: &str = r#"
name: stuck
trigger:
  okta_event: { types: [user.lifecycle.deactivate] }
steps:
  - id: hang
    card: okta.custom-api-action
    input: { method: GET, relativeUrl: /api/v1/groups/hang-here }
  - id: done
    return: { outcome: unstuck }
"#;

const QUICK: &str = r#"
name: quick
trigger:
  okta_event: { types: [user.lifecycle.create] }
steps:
  - id: done
    return: { outcome: quick }
"#;

fn event(uuid: &str, kind: &str) -> Value {
    json!({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "eventId": format!("d-{uuid}"),
        "data": {"events": [{"uuid": uuid, "eventType": kind, "published": "2026-12-07T10:00:00.000Z",
            "target": [{"id": "00u1", "type": "User", "alternateId": "someone@example.com"}]}]}})
}

async fn post(client: &reqwest::Client, hook: &str, body: &Value) -> u16 {
    match client
        .post(hook)
        .header("authorization", HOOK_SECRET)
        .json(body)
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_run_that_killed_the_process_twice_is_dead_lettered_on_its_third_claim_while_others_finish()
 {
    let sandbox = roomy_sandbox().await;
    // The only fault: every request of the stuck card hangs far past the test.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::Delay(Duration::from_secs(600)))
            .path("/api/v1/groups/hang-here")
            .times(1_000),
    );
    let keep = serve_support::TempDir::new("flows");
    std::fs::write(keep.path().join("stuck.yaml"), STUCK).unwrap();
    std::fs::write(keep.path().join("quick.yaml"), QUICK).unwrap();
    let dir = keep.path().display().to_string();
    let db = TempDb::new();
    let spec = ServeSpec::new(&sandbox, &db.url()).args(&["--flows", &dir, "--lease", "1s"]);
    let store = Store::open(&db.url()).await.unwrap();
    let client = reqwest::Client::new();
    let hangs = || sandbox.okta().faults().injected();

    let mut serve = spec.start();
    assert_eq!(
        post(
            &client,
            &serve.hook,
            &event("evt-stuck", "user.lifecycle.deactivate")
        )
        .await,
        200
    );
    // Two lives that each die inside the stuck card.
    for life in 1..=2u64 {
        let inside = eventually(Duration::from_secs(20), || async { hangs() >= life }).await;
        assert!(
            inside,
            "life {life}: the stuck card was not reached:\n{}",
            serve.log()
        );
        assert_eq!(
            post(
                &client,
                &serve.hook,
                &event(&format!("evt-quick-{life}"), "user.lifecycle.create")
            )
            .await,
            200
        );
        let quick_done = eventually(Duration::from_secs(20), || async {
            all_runs(&store)
                .await
                .iter()
                .filter(|r| r.flow == "quick" && r.state == RunState::Finished)
                .count() as u64
                >= life
        })
        .await;
        assert!(
            quick_done,
            "life {life}: another flow's run did not finish:\n{}",
            serve.log()
        );
        serve.kill();
        serve = spec.start();
    }
    // The third claim (after the lease runs out) dead-letters the run instead of running it.
    let dead = eventually(Duration::from_secs(20), || async {
        all_runs(&store)
            .await
            .iter()
            .any(|r| r.flow == "stuck" && r.state == RunState::DeadLettered)
    })
    .await;
    assert!(dead, "the run was not dead-lettered:\n{}", serve.log());
    assert_eq!(
        post(
            &client,
            &serve.hook,
            &event("evt-quick-3", "user.lifecycle.create")
        )
        .await,
        200
    );
    let quick_done = eventually(Duration::from_secs(20), || async {
        all_runs(&store)
            .await
            .iter()
            .filter(|r| r.flow == "quick" && r.state == RunState::Finished)
            .count()
            == 3
    })
    .await;
    assert!(quick_done, "{}", serve.log());
    let runs = all_runs(&store).await;
    let stuck = runs.iter().find(|r| r.flow == "stuck").unwrap();
    assert_eq!(stuck.outcome, None, "a dead-lettered run has no outcome");
    assert_eq!(stuck.tries, 3);
    let message = stuck
        .error
        .as_ref()
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("died 2 times"), "{message}");
    assert!(message.contains("history resume"), "{message}");
    assert_eq!(hangs(), 2, "the card was not sent a third time");
    assert!(serve.log().contains("dead-lettered"), "{}", serve.log());
    assert!(
        runs.iter()
            .filter(|r| r.flow == "quick")
            .all(|r| r.outcome.as_deref() == Some("quick"))
    );
}
