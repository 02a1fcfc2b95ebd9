//! `connector serve --flows DIR` with a flow file of three cards, as real processes:
//! durable steps (a resumed dead letter and a run whose process was SIGKILLed between
//! steps both go on after their last committed step, and the sandbox sees the finished
//! cards' requests once), and a folder with a mistake refused at start.

use crate::serve_support;

use std::path::PathBuf;
use std::time::Duration;

use connector_runtime::TempDb;
use connector_sandbox::{Fault, FaultRule, Method};
use serde_json::Value;
use serve_support::{ServeSpec, deliver, eventually, roomy_sandbox, support_users};

const THREE_CARDS: &str = r#"
name: three-cards
trigger:
  okta_event: { types: [user.lifecycle.create] }
subject: "{{ event.target[0].id }}"
steps:
  - id: first
    card: okta.read-user
    input: { id: "{{ event.target[0].id }}" }
  - id: second
    card: okta.list-user-roles
    input: { userId: "{{ steps.first.output.id }}" }
  - id: third
    card: okta.custom-api-action
    input:
      method: POST
      relativeUrl: "/api/v1/users/{{ steps.first.output.id }}/roles"
      body: { type: HELP_DESK_ADMIN }
  - id: done
    return: { outcome: granted, output: { roles: "{{ steps.second.output.roles | length }}" } }
"#;

fn flows_dir(text: &str) -> (serve_support::TempDir, PathBuf) {
    let keep = serve_support::TempDir::new("flows");
    let dir = keep.path().to_owned();
    std::fs::write(dir.join("three-cards.yaml"), text).unwrap();
    (keep, dir)
}

/// Counts (as injected faults that change nothing) the first two cards' requests.
fn count_first_two_cards(sandbox: &connector_sandbox::Sandbox, user: &str) {
    for path in [
        format!("/api/v1/users/{user}"),
        format!("/api/v1/users/{user}/roles"),
    ] {
        sandbox.okta().faults().push(
            FaultRule::new(Fault::Delay(Duration::ZERO))
                .method(Method::GET)
                .path(path)
                .times(1_000),
        );
    }
}

async fn run_of(client: &reqwest::Client, admin: &str, run_id: &str) -> Value {
    client
        .get(format!("{admin}/history/{run_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn only_run(client: &reqwest::Client, admin: &str) -> Option<Value> {
    let page: Value = client
        .get(format!("{admin}/history"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    page["runs"].as_array()?.first().cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_lettered_run_resumes_at_its_failed_step_without_sending_the_first_two_cards_again()
{
    let sandbox = roomy_sandbox().await;
    let user = support_users(&sandbox, "three", 1).remove(0);
    let (_keep, dir) = flows_dir(THREE_CARDS);
    count_first_two_cards(&sandbox, &user);
    // The third card fails for good (a permanent kind): the run is dead-lettered at once.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status(403))
            .method(Method::POST)
            .path_prefix("/api/v1/users/")
            .times(1_000),
    );
    let db = TempDb::new();
    let dir_arg = dir.display().to_string();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-three".to_owned(), user.clone())]
        )
        .await
        .0,
        200
    );
    let dead = eventually(Duration::from_secs(10), || async {
        only_run(&client, &serve.admin)
            .await
            .is_some_and(|r| r["state"] == "deadLettered")
    })
    .await;
    assert!(dead, "{}", serve.log());
    let run = only_run(&client, &serve.admin).await.unwrap();
    let run_id = run["runId"].as_str().unwrap().to_owned();
    let statuses: Vec<(&str, &str)> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("first", "succeeded"),
            ("second", "succeeded"),
            ("third", "failed")
        ]
    );
    assert_eq!(run["flow"], "three-cards");
    assert_eq!(
        sandbox.okta().faults().injected(),
        3,
        "two reads, one refused grant"
    );

    // Fix the cause, keep counting the reads, and resume from the command line.
    sandbox.okta().faults().clear();
    count_first_two_cards(&sandbox, &user);
    let before = sandbox.okta().faults().injected();
    let resume = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["history", "resume", &run_id, "--store", &db.url()])
        .output()
        .unwrap();
    assert!(
        resume.status.success(),
        "{}",
        String::from_utf8_lossy(&resume.stderr)
    );
    let granted = eventually(Duration::from_secs(10), || async {
        run_of(&client, &serve.admin, &run_id).await["outcome"] == "granted"
    })
    .await;
    assert!(granted, "{}", serve.log());
    assert_eq!(
        sandbox.okta().faults().injected(),
        before,
        "the first two cards were not sent again"
    );
    assert_eq!(
        sandbox.okta().user_role_types(&user),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    let run = run_of(&client, &serve.admin, &run_id).await;
    assert_eq!(run["tries"], 2);
    let second_try: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["try"] == 2)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(second_try, ["third", "done"], "{run}");
    let metrics = client
        .get(format!("{}/metrics", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"connector_steps_total{flow="three-cards",step="first",status="succeeded"} 1"#,
        r#"connector_steps_total{flow="three-cards",step="third",status="failed"} 1"#,
        r#"connector_steps_total{flow="three-cards",step="third",status="succeeded"} 1"#,
        r#"connector_runs_total{flow="three-cards",state="deadLettered",outcome=""} 1"#,
        r#"connector_runs_total{flow="three-cards",state="finished",outcome="granted"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_between_steps_continues_after_its_last_committed_step() {
    let sandbox = roomy_sandbox().await;
    let user = support_users(&sandbox, "killed", 1).remove(0);
    let (_keep, dir) = flows_dir(THREE_CARDS);
    // The second card is slow the first time: the process is killed while it runs. (The
    // first matching rule applies, so this one comes before the counting ones.)
    sandbox.okta().faults().push(
        FaultRule::new(Fault::Delay(Duration::from_secs(30)))
            .method(Method::GET)
            .path(format!("/api/v1/users/{user}/roles"))
            .times(1),
    );
    count_first_two_cards(&sandbox, &user);
    let db = TempDb::new();
    let dir_arg = dir.display().to_string();
    let spec = ServeSpec::new(&sandbox, &db.url()).args(&["--flows", &dir_arg, "--lease", "1s"]);
    let mut serve = spec.start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-killed".to_owned(), user.clone())]
        )
        .await
        .0,
        200
    );
    // The first step is committed (visible in the history) before the second starts.
    let first_committed = eventually(Duration::from_secs(10), || async {
        only_run(&client, &serve.admin).await.is_some_and(|r| {
            r["steps"]
                .as_array()
                .is_some_and(|s| s.len() == 1 && s[0]["id"] == "first")
        })
    })
    .await;
    assert!(first_committed, "{}", serve.log());
    let in_second = eventually(Duration::from_secs(10), || async {
        sandbox.okta().faults().injected() >= 2
    })
    .await;
    assert!(in_second, "{}", serve.log());
    serve.kill();

    let serve = spec.start();
    let done = eventually(Duration::from_secs(20), || async {
        only_run(&client, &serve.admin)
            .await
            .is_some_and(|r| r["outcome"] == "granted")
    })
    .await;
    assert!(done, "{}", serve.log());
    let run = only_run(&client, &serve.admin).await.unwrap();
    let firsts = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] == "first")
        .count();
    assert_eq!(firsts, 1, "the first card ran once: {run}");
    assert_eq!(run["tries"], 2, "{run}");
    // One read of the user (the first card, never again), the slow roles read that was
    // cut off, and the second try's roles read.
    assert_eq!(sandbox.okta().faults().injected(), 3);
    assert_eq!(
        sandbox.okta().user_role_types(&user),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_to_start_on_an_invalid_flow_naming_the_file_and_the_error() {
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) =
        flows_dir(&THREE_CARDS.replace("okta.list-user-roles", "okta.list-user-rolez"));
    let db = TempDb::new();
    let dir_arg = dir.display().to_string();
    let out = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .command()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("three-cards.yaml:11:11: unknown card \"okta.list-user-rolez\""),
        "{stderr}"
    );
}
