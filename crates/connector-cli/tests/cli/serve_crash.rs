//! `connector serve` killed and stopped for real: SIGKILL mid-run loses nothing accepted,
//! SIGTERM lets runs in flight finish and keeps the rest queued for the next start.

use crate::serve_support;

use std::collections::HashMap;
use std::time::Duration;

use connector_runtime::{Store, TempDb};
use serve_support::{ServeSpec, all_runs, deliver, eventually, roomy_sandbox, support_users};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_run_then_restart_on_the_same_sqlite_file_gives_every_user_the_role_and_one_final_run_per_event()
 {
    let sandbox = roomy_sandbox().await;
    // Slow enough calls that runs are in flight when the process dies.
    sandbox.okta().set_latency(Duration::from_millis(5));
    let users = support_users(&sandbox, "kill", 500);
    let db = TempDb::new();
    let spec = ServeSpec::new(&sandbox, &db.url()).args(&["--lease", "1s"]);
    let mut serve = spec.start();
    let client = reqwest::Client::new();
    let events: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("evt-kill-{i}"), u.clone()))
        .collect();
    for chunk in events.chunks(25) {
        let (status, answer) = deliver(&client, &serve.hook, chunk).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["accepted"].as_array().map(Vec::len),
            Some(chunk.len())
        );
    }
    // Kill it while runs are in flight: some done, most not.
    let started = eventually(Duration::from_secs(30), || async {
        sandbox
            .okta()
            .stats()
            .buckets
            .get("roles")
            .is_some_and(|b| b.requests >= 50)
    })
    .await;
    assert!(started, "no run finished:\n{}", serve.log());
    serve.kill();
    let store = Store::open(&db.url()).await.unwrap();
    let before = all_runs(&store).await;
    let unfinished = before
        .iter()
        .filter(|r| r.state != connector_runtime::RunState::Finished)
        .count();
    assert!(unfinished > 0, "the kill came too late to test anything");

    let serve = spec.start();
    let done = eventually(Duration::from_secs(40), || async {
        all_runs(&store)
            .await
            .iter()
            .filter(|r| r.state == connector_runtime::RunState::Finished)
            .count()
            == 500
    })
    .await;
    assert!(
        done,
        "not every run finished after the restart:\n{}",
        serve.log()
    );
    let runs = all_runs(&store).await;
    let mut per_event: HashMap<&str, usize> = HashMap::new();
    for run in &runs {
        *per_event.entry(run.event_id.as_str()).or_default() += 1;
        assert!(
            matches!(run.outcome.as_deref(), Some("assigned" | "alreadyAssigned")),
            "{run:?}"
        );
    }
    assert_eq!(per_event.len(), 500, "every event has a run");
    assert!(per_event.values().all(|&n| n == 1), "one run per event");
    for user in &users {
        assert_eq!(
            sandbox.okta().user_role_types(user),
            Some(vec!["HELP_DESK_ADMIN".to_owned()]),
            "{user}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_runs_in_flight_finish_and_keeps_the_queued_ones_for_the_restart() {
    let sandbox = roomy_sandbox().await;
    sandbox.okta().set_latency(Duration::from_millis(1500));
    let users = support_users(&sandbox, "term", 10);
    let db = TempDb::new();
    let spec = ServeSpec::new(&sandbox, &db.url()).args(&["--workers", "3", "--grace", "10"]);
    let mut serve = spec.start();
    let client = reqwest::Client::new();
    let events: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("evt-term-{i}"), u.clone()))
        .collect();
    let (status, _) = deliver(&client, &serve.hook, &events).await;
    assert_eq!(status, 200);
    let store = Store::open(&db.url()).await.unwrap();
    let running = eventually(Duration::from_secs(10), || async {
        all_runs(&store)
            .await
            .iter()
            .filter(|r| r.state == connector_runtime::RunState::Running)
            .count()
            == 3
    })
    .await;
    assert!(running, "three runs were never in flight:\n{}", serve.log());
    serve.term();
    // Once the signal is taken (the log says so), the hook refuses new work with 503 while
    // it drains (Okta delivers it again later). A delivery racing the signal may still be
    // stored, so this waits for the runtime to say it stopped accepting.
    let stopping = eventually(Duration::from_secs(5), || async {
        serve.log().contains("stopping: deliveries answered 503")
    })
    .await;
    assert!(stopping, "{}", serve.log());
    let refused = eventually(Duration::from_secs(3), || async {
        deliver(
            &client,
            &serve.hook,
            &[("evt-late".to_owned(), users[0].clone())],
        )
        .await
        .0 == 503
    })
    .await;
    assert!(refused, "the hook kept accepting after SIGTERM");
    let status = serve
        .wait_exit(Duration::from_secs(15))
        .expect("serve exits within its grace");
    assert!(status.success(), "{status:?}\n{}", serve.log());
    let log = serve.log();
    assert!(
        log.contains("3 runs were in flight, 0 put back, 7 left queued"),
        "{log}"
    );
    let runs = all_runs(&store).await;
    let assigned = runs
        .iter()
        .filter(|r| r.outcome.as_deref() == Some("assigned"))
        .count();
    let queued = runs
        .iter()
        .filter(|r| r.state == connector_runtime::RunState::Queued)
        .count();
    assert_eq!((assigned, queued, runs.len()), (3, 7, 10), "{runs:#?}");

    sandbox.okta().set_latency(Duration::ZERO);
    let serve = spec.start();
    let done = eventually(Duration::from_secs(20), || async {
        all_runs(&store)
            .await
            .iter()
            .filter(|r| r.outcome.as_deref() == Some("assigned"))
            .count()
            == 10
    })
    .await;
    assert!(done, "{}", serve.log());
    for user in &users {
        assert_eq!(
            sandbox.okta().user_role_types(user),
            Some(vec!["HELP_DESK_ADMIN".to_owned()])
        );
    }
}
