//! Helper flows with real processes: the example helper called from a `for_each` run with
//! `connector flow run` on the sandbox; `flow run` runs the runs a flow spawns before it
//! exits; and `connector serve` killed (SIGKILL) in the middle of a `for_each` of calls,
//! then started again: no finished item's card is sent again, and the run finishes.

use crate::serve_support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use connector_runtime::{RunState, Store, TempDb};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};
use serve_support::{ServeSpec, all_runs, eventually, roomy_sandbox};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows/examples")
}

fn flow_run(sandbox: &Sandbox, args: &[&str], event: Value) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["flow", "run"])
        .args(args)
        .args(["--event", &event.to_string()])
        .env_clear()
        .env("OKTA_ORG_URL", sandbox.okta().base_url())
        .env("OKTA_API_TOKEN", sandbox.okta().api_token())
        .stdin(Stdio::null())
        .output()
        .expect("the connector binary runs");
    let run = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, run)
}

fn add_user(sandbox: &Sandbox, login: &str, role: &str) -> String {
    let user = sandbox
        .okta()
        .add_user(json!({"login": login, "email": login, "firstName": "H", "lastName": "F", "role": role}))
        .unwrap();
    user["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_helper_flow_called_from_a_for_each_grants_support_users_in_item_order() {
    let sandbox = roomy_sandbox().await;
    let low = add_user(&sandbox, "low@example.com", "support");
    let high = add_user(&sandbox, "high@example.com", "Support");
    let eng = add_user(&sandbox, "eng@example.com", "Engineering");
    let main = examples().join("grant-help-desk-to-logins.yaml");
    let helper = examples().join("grant-help-desk-to-one.yaml");
    let logins = [
        "low@example.com",
        "eng@example.com",
        "nobody@example.com",
        "high@example.com",
    ];
    let (out, run) = flow_run(
        &sandbox,
        &[main.to_str().unwrap(), helper.to_str().unwrap()],
        json!({ "logins": logins }),
    );
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "done", "{run}");
    let results = run["output"]["results"].as_array().unwrap();
    let got: Vec<(&str, bool)> = results
        .iter()
        .map(|r| {
            (
                r["login"].as_str().unwrap(),
                r["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("low@example.com", true),
            ("eng@example.com", false),
            ("nobody@example.com", false),
            ("high@example.com", true)
        ]
    );
    assert_eq!(run["output"]["granted"], 2);
    for (id, role) in [
        (&low, Some(vec!["HELP_DESK_ADMIN".to_owned()])),
        (&high, Some(vec!["HELP_DESK_ADMIN".to_owned()])),
        (&eng, Some(vec![])),
    ] {
        assert_eq!(sandbox.okta().user_role_types(id), role, "{id}");
    }
    // The callee's steps are in the run's journal, under their item's call.
    let ids: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for id in [
        "each[0]/user",
        "each[0]/by_role",
        "each[0]/grant",
        "each[0]/granted",
        "each[1]/not_support",
        "each[2]/user",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    // The folder may be given too: the file given by itself is read once.
    let (out, again) = flow_run(
        &sandbox,
        &[main.to_str().unwrap(), examples().to_str().unwrap()],
        json!({ "logins": ["low@example.com"] }),
    );
    assert_eq!(out.status.code(), Some(0), "{again}");
    assert_eq!(again["output"]["results"][0]["already"], true, "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_run_runs_the_runs_it_spawns_before_it_exits() {
    let sandbox = roomy_sandbox().await;
    let id = add_user(&sandbox, "spawned@example.com", "Support");
    let dir = serve_support::TempDir::new("flows");
    std::fs::write(
        dir.path().join("fan-out.yaml"),
        "name: fan-out\ntrigger: { manual: {} }\nsteps:\n  - id: each\n    for_each: \"event.logins\"\n    spawn: grant-help-desk-to-one\n    input: { login: \"{{ item }}\" }\n",
    )
    .unwrap();
    std::fs::copy(
        examples().join("grant-help-desk-to-one.yaml"),
        dir.path().join("one.yaml"),
    )
    .unwrap();
    let db = TempDb::new();
    let main = dir.path().join("fan-out.yaml");
    let (out, run) = flow_run(
        &sandbox,
        &[
            main.to_str().unwrap(),
            dir.path().to_str().unwrap(),
            "--store",
            &db.url(),
        ],
        json!({ "logins": ["spawned@example.com", "nobody@example.com"] }),
    );
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "completed", "{run}");
    let spawned: Vec<String> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] == "each" && s["item"].is_null())
        .flat_map(|s| s["output"].as_array().cloned().unwrap_or_default())
        .map(|o| o["runId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(spawned.len(), 2, "{run}");
    // By the time the command exited, both spawned runs had run.
    assert_eq!(
        sandbox.okta().user_role_types(&id),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    let store = Store::open(&db.url()).await.unwrap();
    let runs = all_runs(&store).await;
    assert_eq!(runs.len(), 3);
    for child in &spawned {
        let child = runs.iter().find(|r| &r.run_id == child).unwrap();
        assert_eq!(child.state, RunState::Finished);
        assert_eq!(child.parent_run_id.as_deref(), run["runId"].as_str());
    }
    let mut outcomes: Vec<&str> = runs
        .iter()
        .filter(|r| r.parent_run_id.is_some())
        .filter_map(|r| r.outcome.as_deref())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["granted", "unknownUser"]);
}

/// A `for_each` of calls to the example helper, started over HTTP.
const BATCH: &str = include_str!("flows/batch-of-calls.yaml");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_for_each_of_calls_then_restart_sends_no_finished_item_s_card_again() {
    let sandbox = roomy_sandbox().await;
    // Slow enough answers that the kill lands in the middle of the loop.
    sandbox.okta().set_latency(Duration::from_millis(60));
    let users = 30;
    let logins: Vec<String> = (0..users).map(|i| format!("loop{i}@example.com")).collect();
    let ids: Vec<String> = logins
        .iter()
        .map(|l| add_user(&sandbox, l, "Support"))
        .collect();
    let dir = serve_support::TempDir::new("flows");
    std::fs::write(dir.path().join("batch.yaml"), BATCH).unwrap();
    std::fs::copy(
        examples().join("grant-help-desk-to-one.yaml"),
        dir.path().join("one.yaml"),
    )
    .unwrap();
    let db = TempDb::new();
    let dir_arg = dir.path().display().to_string();
    let spec = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg, "--lease", "1s"])
        .env("CONNECTOR_INVOKE_TOKEN", "invoke-helpers");
    let mut serve = spec.start();
    let base = serve.hook.trim_end_matches("/okta/event-hook").to_owned();
    let started = reqwest::Client::new()
        .post(format!("{base}/flows/batch/runs"))
        .bearer_auth("invoke-helpers")
        .json(&json!({ "logins": logins }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let run_id = started.json::<Value>().await.unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles = |sandbox: &Sandbox| {
        sandbox
            .okta()
            .stats()
            .buckets
            .get("roles")
            .map_or(0, |b| b.requests)
    };
    let reads = |sandbox: &Sandbox| {
        sandbox
            .okta()
            .stats()
            .buckets
            .get("user")
            .map_or(0, |b| b.requests)
    };
    let midway = eventually(Duration::from_secs(30), || async { roles(&sandbox) >= 8 }).await;
    assert!(midway, "the loop never got going:\n{}", serve.log());
    serve.kill();
    let (roles_at_kill, reads_at_kill) = (roles(&sandbox), reads(&sandbox));
    assert!(
        roles_at_kill < users as u64,
        "the kill came too late to test anything"
    );
    let store = Store::open(&db.url()).await.unwrap();
    let journal = store.steps(&run_id).await.unwrap();
    let finished_items = journal
        .iter()
        .filter(|r| r.id == "each" && r.item.is_some())
        .count();
    assert!(
        finished_items >= 7,
        "{finished_items} items committed before the kill"
    );

    let serve = spec.start();
    let done = eventually(Duration::from_secs(60), || async {
        store
            .run(&run_id)
            .await
            .unwrap()
            .is_some_and(|r| r.state == RunState::Finished)
    })
    .await;
    assert!(
        done,
        "the run did not finish after the restart:\n{}",
        serve.log()
    );
    let run = store.run(&run_id).await.unwrap().unwrap();
    assert_eq!(run.output, Some(json!({"granted": users})), "{run:?}");
    assert!(run.tries >= 2, "{run:?}");
    // Each user's role was asked for once, but for the one item whose request may have
    // been on the wire when the process died (a card that finished is not sent again).
    let (roles_total, reads_total) = (roles(&sandbox), reads(&sandbox));
    assert!(
        (users as u64..=users as u64 + 1).contains(&roles_total),
        "{roles_total} role requests for {users} users ({roles_at_kill} at the kill)"
    );
    assert!(
        (users as u64..=users as u64 + 1).contains(&reads_total),
        "{reads_total} reads for {users} users ({reads_at_kill} at the kill)"
    );
    for id in &ids {
        assert_eq!(
            sandbox.okta().user_role_types(id),
            Some(vec!["HELP_DESK_ADMIN".to_owned()])
        );
    }
    // Every item committed once across both tries.
    let journal = store.steps(&run_id).await.unwrap();
    for i in 0..users {
        let items = journal
            .iter()
            .filter(|r| {
                r.id == "each"
                    && r.item == Some(i)
                    && r.status == connector_runtime::flows::StepStatus::Succeeded
            })
            .count();
        assert_eq!(items, 1, "item {i}");
    }
}
