//! Durable waits and signals with real processes: `connector serve` killed (SIGKILL) while
//! a run waits and started again after its wake time finishes it once, without sending
//! the step before the wait again (the sandbox's counters); a signal posted twice with one
//! Idempotency-Key moves the run once; cancel and disable/enable through the command line
//! and the admin routes, with their exit codes and statuses.

use crate::serve_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use connector_runtime::{RunState, Store, TempDb};
use serde_json::{Value, json};
use serve_support::{ServeSpec, eventually, roomy_sandbox, support_users};

const TOKEN: &str = "invoke-token-5e1f";

/// A flow that adds the user to the group, waits two seconds, then removes them.
const BRIEF_MEMBERSHIP: &str = r#"
name: brief-membership
trigger: { http: {} }
steps:
  - id: add
    card: okta.add-user-to-group
    input: { groupId: "{{ event.groupId }}", userId: "{{ event.userId }}" }
  - id: hold
    wait: { for: 2s }
  - id: remove
    card: okta.remove-user-from-group
    input: { groupId: "{{ event.groupId }}", userId: "{{ event.userId }}" }
  - id: done
    return: { outcome: removed }
"#;

fn flows_dir(files: &[(&str, &str)]) -> serve_support::TempDir {
    let dir = serve_support::TempDir::new("flows");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("flows/examples")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

async fn create_group(sandbox: &connector_sandbox::Sandbox, name: &str) -> String {
    let group: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/groups", sandbox.okta().base_url()))
        .header(
            "authorization",
            format!("SSWS {}", sandbox.okta().api_token()),
        )
        .json(&json!({"profile": {"name": name}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    group["id"].as_str().unwrap().to_owned()
}

fn group_calls(sandbox: &connector_sandbox::Sandbox) -> u64 {
    sandbox
        .okta()
        .stats()
        .buckets
        .get("other")
        .map_or(0, |b| b.requests)
}

async fn start_run(base: &str, flow: &str, event: Value) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/flows/{flow}/runs"))
        .bearer_auth(TOKEN)
        .json(&event)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["runId"].as_str().unwrap().to_owned()
}

async fn state(store: &Store, id: &str) -> Option<RunState> {
    store.state_of(id).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_while_a_run_waits_and_a_restart_after_its_time_finish_it_once_without_sending_the_step_before_again()
 {
    let sandbox = roomy_sandbox().await;
    let user = support_users(&sandbox, "brief", 1).remove(0);
    let group = create_group(&sandbox, "Contractors").await;
    let flows = flows_dir(&[("brief.yaml", BRIEF_MEMBERSHIP)]);
    let db = TempDb::new();
    let dir = flows.path().display().to_string();
    let spec = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir, "--lease", "1s"])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN);
    let mut serve = spec.start();
    let base = format!("http://{}", serve.hook_addr());
    let id = start_run(
        &base,
        "brief-membership",
        json!({"groupId": group, "userId": user}),
    )
    .await;
    let store = Store::open(&db.url()).await.unwrap();
    let parked = eventually(Duration::from_secs(10), || async {
        state(&store, &id).await == Some(RunState::Waiting)
    })
    .await;
    assert!(parked, "the run never parked:\n{}", serve.log());
    serve.kill();
    let added_once = group_calls(&sandbox);
    let run = store.run(&id).await.unwrap().unwrap();
    let wake = run.wakes_at_ms().expect("a wake time");
    // Restart only once the wake time has passed (bounded: the wait is 2 s).
    let past = eventually(Duration::from_secs(10), || async {
        connector_runtime::now_ms() > wake + 200
    })
    .await;
    assert!(past);
    assert_eq!(
        state(&store, &id).await,
        Some(RunState::Waiting),
        "nothing ran it while no process was up"
    );

    let serve = spec.start();
    let finished = eventually(Duration::from_secs(20), || async {
        state(&store, &id).await == Some(RunState::Finished)
    })
    .await;
    assert!(
        finished,
        "the run did not finish after the restart:\n{}",
        serve.log()
    );
    let run = store.run(&id).await.unwrap().unwrap();
    assert_eq!(run.outcome.as_deref(), Some("removed"));
    let count = |step: &str, status: &str| {
        run.steps
            .iter()
            .filter(|s| s.id == step && s.status.as_str() == status)
            .count()
    };
    assert_eq!(
        (count("add", "succeeded"), count("remove", "succeeded")),
        (1, 1),
        "{:#?}",
        run.steps
    );
    assert_eq!(count("hold", "waiting"), 1);
    assert_eq!(count("hold", "succeeded"), 1);
    // The sandbox saw exactly one more group call: the removal; the addition was not sent again.
    assert_eq!(group_calls(&sandbox), added_once + 1);
    let events: Vec<String> = sandbox
        .okta()
        .log_events()
        .iter()
        .filter_map(|e| e["eventType"].as_str().map(str::to_owned))
        .filter(|t| t.starts_with("group.user_membership"))
        .collect();
    assert_eq!(
        events,
        ["group.user_membership.add", "group.user_membership.remove"]
    );
}

fn connector(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_remove("CONNECTOR_STORE")
        .output()
        .expect("connector runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

async fn post(url: &str, headers: &[(&str, &str)], body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signals_cancel_and_flow_switches_through_the_routes_and_the_command_line() {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "approve", 3);
    let flows = flows_dir(&[("approve.yaml", &example("approve-admin-role.yaml"))]);
    let db = TempDb::new();
    let dir = flows.path().display().to_string();
    let url = db.url();
    let serve = ServeSpec::new(&sandbox, &url)
        .args(&["--flows", &dir])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = format!("http://{}", serve.hook_addr());
    let admin = serve.admin.clone();
    let store = Store::open(&url).await.unwrap();
    let bearer = format!("Bearer {TOKEN}");
    let api = [("x-requested-by", "connector")];
    let approve = "approve-admin-role";

    // A run waits for its approval; its page says so.
    let id = start_run(&base, approve, json!({"userId": users[0]})).await;
    let waits = eventually(Duration::from_secs(10), || async {
        state(&store, &id).await == Some(RunState::Waiting)
    })
    .await;
    assert!(waits, "{}", serve.log());
    let page = reqwest::get(format!("{admin}/runs/{id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("waiting for") && page.contains("approval"),
        "{page}"
    );
    let flow_page = reqwest::get(format!("{admin}/flows/{approve}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flow_page.contains("waits for the signal"), "{flow_page}");

    // The token first, then the run, then the signal's name.
    let signal = format!("{base}/runs/{id}/signals/approval");
    assert_eq!(post(&signal, &[], Some(json!({}))).await.0, 401);
    assert_eq!(
        post(
            &format!("{base}/runs/run_nope/signals/approval"),
            &[("authorization", &bearer)],
            None
        )
        .await
        .0,
        404
    );
    let (status, answer) = post(
        &format!("{base}/runs/{id}/signals/other"),
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["kind"].as_str()),
        (409, Some("conflict"))
    );
    let headers = [
        ("authorization", bearer.as_str()),
        ("idempotency-key", "approve-1"),
    ];
    let body = json!({"approved": true, "by": "ann"});
    let first = post(&signal, &headers, Some(body.clone())).await;
    let second = post(&signal, &headers, Some(json!({"approved": false}))).await;
    assert_eq!(first.0, 202, "{first:?}");
    assert_eq!(first, second, "the same key answers as the first time");
    let granted = eventually(Duration::from_secs(10), || async {
        state(&store, &id).await == Some(RunState::Finished)
    })
    .await;
    assert!(granted, "{}", serve.log());
    let again = post(&signal, &headers, Some(body.clone())).await;
    assert_eq!(again, first, "even after the run moved on");
    let run = store.run(&id).await.unwrap().unwrap();
    assert_eq!(run.outcome.as_deref(), Some("granted"), "{run:?}");
    assert_eq!(run.output.as_ref().unwrap()["by"], "ann");
    assert_eq!(
        sandbox.okta().user_role_types(&users[0]),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    let roles = sandbox
        .okta()
        .stats()
        .buckets
        .get("roles")
        .map_or(0, |b| b.requests);
    assert_eq!(roles, 1, "the role was granted once");
    // From the command line: a run that is not waiting is a conflict (exit 6), none is 4.
    let (code, _, err) = connector(&["history", "signal", &id, "approval", "--store", &url]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("conflict"), "{err}");
    assert_eq!(
        connector(&["history", "signal", "run_nope", "approval", "--store", &url]).0,
        4
    );

    // The command line signals a second run; cancel ends a third.
    let second_id = start_run(&base, approve, json!({"userId": users[1]})).await;
    let third_id = start_run(&base, approve, json!({"userId": users[2]})).await;
    let parked = eventually(Duration::from_secs(10), || async {
        state(&store, &second_id).await == Some(RunState::Waiting)
            && state(&store, &third_id).await == Some(RunState::Waiting)
    })
    .await;
    assert!(parked);
    let (code, shown, err) = connector(&[
        "history",
        "signal",
        &second_id,
        "approval",
        "--data",
        r#"{"approved":false,"by":"bo"}"#,
        "--store",
        &url,
    ]);
    assert_eq!(
        (code, shown["state"].as_str()),
        (0, Some("queued")),
        "{err}"
    );
    let refused = eventually(Duration::from_secs(10), || async {
        store
            .run(&second_id)
            .await
            .unwrap()
            .unwrap()
            .outcome
            .as_deref()
            == Some("refused")
    })
    .await;
    assert!(refused);
    let (code, shown, err) = connector(&["history", "cancel", &third_id, "--store", &url]);
    assert_eq!(
        (code, shown["state"].as_str()),
        (0, Some("cancelled")),
        "{err}"
    );
    assert_eq!(
        connector(&["history", "cancel", &third_id, "--store", &url]).0,
        6,
        "an ended run"
    );
    assert_eq!(
        connector(&["history", "cancel", "run_nope", "--store", &url]).0,
        4
    );
    let (code, listed, _) =
        connector(&["history", "--state", "cancelled", "--json", "--store", &url]);
    assert_eq!(
        (code, listed["runs"].as_array().map(Vec::len)),
        (0, Some(1))
    );

    // The admin route: 403 without the POST rules, 202 for a waiting run, 409 ended, 404.
    let fourth = start_run(&base, approve, json!({"userId": users[1]})).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            state(&store, &fourth).await == Some(RunState::Waiting)
        })
        .await
    );
    let cancel = format!("{admin}/history/{fourth}/cancel");
    assert_eq!(post(&cancel, &[], None).await.0, 403);
    let (status, answer) = post(&cancel, &api, None).await;
    assert_eq!((status, answer["state"].as_str()), (202, Some("cancelled")));
    assert_eq!(post(&cancel, &api, None).await.0, 409);
    assert_eq!(
        post(&format!("{admin}/history/run_nope/cancel"), &api, None)
            .await
            .0,
        404
    );

    // Disabled: the trigger starts nothing (409), /flows says so; enabled again: it does.
    let (code, shown, err) = connector(&["flow", "disable", approve, "--store", &url]);
    assert_eq!(
        (code, shown),
        (0, json!({"name": approve, "enabled": false})),
        "{err}"
    );
    assert_eq!(
        connector(&["flow", "disable", "no-such-flow", "--store", &url]).0,
        4
    );
    let (status, _) = post(
        &format!("{base}/flows/{approve}/runs"),
        &[("authorization", &bearer)],
        Some(json!({"userId": users[0]})),
    )
    .await;
    assert_eq!(status, 409);
    let listed: Value = reqwest::Client::new()
        .get(format!("{admin}/flows"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["flows"][0]["enabled"], false, "{listed}");
    let enable = format!("{admin}/flows/{approve}/enable");
    assert_eq!(post(&enable, &[], None).await.0, 403);
    let (status, answer) = post(&enable, &api, None).await;
    assert_eq!(
        (status, answer),
        (200, json!({"name": approve, "enabled": true}))
    );
    assert_eq!(
        post(&format!("{admin}/flows/no-such-flow/disable"), &api, None)
            .await
            .0,
        404
    );
    let (status, answer) = post(
        &format!("{base}/flows/{approve}/runs"),
        &[("authorization", &bearer)],
        Some(json!({"userId": users[0]})),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    let (status, answer) = post(&format!("{admin}/flows/{approve}/disable"), &api, None).await;
    assert_eq!((status, answer["enabled"].as_bool()), (200, Some(false)));
    assert_eq!(
        connector(&["flow", "enable", approve, "--store", &url]).1["enabled"],
        true
    );
}

#[test]
fn a_signal_wait_needs_a_store_for_flow_run() {
    let flows = flows_dir(&[("approve.yaml", &example("approve-admin-role.yaml"))]);
    let file = flows.path().join("approve.yaml").display().to_string();
    let (code, _, err) = connector(&["flow", "run", &file, "--event", r#"{"userId":"x"}"#]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("waits for a signal") && err.contains("--store"),
        "{err}"
    );
}

/// The shipped temporary-membership example with a wait of no minutes, run by `flow run`
/// on the sandbox: the membership is recorded in its table while it lasts, then the user
/// leaves the group and the row goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_temporary_membership_example_keeps_its_row_while_the_membership_lasts() {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "tempgroup", 1);
    let group = create_group(&sandbox, "temporary-admins").await;
    let db = TempDb::new();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("flows/examples/temporary-group-membership.yaml");
    let event = json!({"userId": users[0], "groupId": group, "minutes": 0}).to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["flow", "run", file.to_str().unwrap(), "--store", &db.url()])
        .args(["--event", &event])
        .env_remove("CONNECTOR_STORE")
        .env("OKTA_ORG_URL", sandbox.okta().base_url())
        .env("OKTA_API_TOKEN", sandbox.okta().api_token())
        .output()
        .expect("connector runs");
    let run: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        out.status.success(),
        "{run}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run["outcome"], "removed", "{run}");
    let step = |id: &str| {
        run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        step("record")["output"]["row"]["user_id"],
        users[0].as_str()
    );
    assert_eq!(step("record")["output"]["created"], true);
    assert_eq!(step("forget")["output"]["deleted"], 1, "{run}");
    let (code, rows, err) = connector(&[
        "table",
        "show",
        "temporary-memberships",
        "--store",
        &db.url(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(0), "{rows}");
}
