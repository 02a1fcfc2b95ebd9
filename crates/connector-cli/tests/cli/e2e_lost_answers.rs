//! Converging after a lost answer, end to end on the sandbox: `connector run` recovers a
//! user whose create lost its answer, reports a conflict when the login holds another
//! profile, and retries a board creation with the same `Idempotency-Key`; two calls with
//! one key at once get one board, the second after a 409 and the replayed answer.

use crate::common;

use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use connector_core::clock::{Clock, Sleep};
use connector_core::custom::CustomApiInput;
use connector_core::limiter::Unlimited;
use connector_okta::{CreateUserInput, UserProfile};
use connector_sandbox::{Fault, FaultRule, Method, Sandbox};
use serde_json::{Value, json};
use tokio::sync::watch;

/// Runs `connector run <connector> <action> --input -` with only `env`, the input on stdin.
async fn run(
    connector: &str,
    action: &str,
    env: Vec<(&'static str, String)>,
    input: Value,
) -> Output {
    let args = ["run", connector, action, "--input", "-"].map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_connector"))
            .args(args)
            .env_clear()
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                let mut stdin = child.stdin.take().expect("piped stdin");
                stdin.write_all(input.to_string().as_bytes())?;
                drop(stdin);
                child.wait_with_output()
            })
            .expect("the connector binary runs")
    })
    .await
    .unwrap()
}

fn okta_env(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]
}

fn boards_env(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("BOARDS_API_URL", sandbox.boards().api_url()),
        ("BOARDS_API_TOKEN", sandbox.boards().api_token()),
    ]
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {}", stderr(output)))
}

/// The `{"error":{...}}` line on stderr (logs come before it).
fn error_json(output: &Output) -> Value {
    let text = stderr(output);
    text.lines()
        .rev()
        .find_map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(|v| v.get("error").is_some())
        })
        .unwrap_or_else(|| panic!("no error JSON on stderr: {text}"))["error"]
        .clone()
}

fn drop_after_create_user() -> FaultRule {
    FaultRule::new(Fault::DropAfter)
        .method(Method::POST)
        .path("/api/v1/users")
}

fn ada(first_name: &str) -> Value {
    json!({ "profile": {
        "login": "ada@example.com",
        "email": "ada@example.com",
        "firstName": first_name,
        "lastName": "Lovelace",
        "role": "Support"
    } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_whose_answer_is_dropped_exits_0_with_the_user_read_back() {
    let sandbox = common::sandbox().await;
    sandbox.okta().faults().push(drop_after_create_user());

    let output = run("okta", "create-user", okta_env(&sandbox), ada("Ada")).await;

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let user = stdout_json(&output);
    assert_eq!(user["profile"]["login"], "ada@example.com");
    assert_eq!(user["profile"]["firstName"], "Ada");
    assert!(
        stderr(&output).contains("recovered the user it created"),
        "the log says the answer was recovered: {}",
        stderr(&output)
    );
    let stored = sandbox.okta().user("ada@example.com").expect("created");
    assert_eq!(stored["id"], user["id"]);
    assert_eq!(sandbox.okta().user_count(), 1, "exactly one user");
    assert_eq!(sandbox.okta().stats().faults_injected, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_user_dropped_with_another_profile_under_the_login_exits_6_conflict_naming_it() {
    let sandbox = common::sandbox().await;
    common::okta(&sandbox)
        .create_user(CreateUserInput::new(
            UserProfile::new("ada@example.com").with_name("Augusta", "Lovelace"),
        ))
        .await
        .unwrap();
    sandbox.okta().faults().push(drop_after_create_user());

    let output = run("okta", "create-user", okta_env(&sandbox), ada("Ada")).await;

    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let error = error_json(&output);
    assert_eq!(error["kind"], "conflict", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("ada@example.com"), "{message}");
    assert!(message.contains("firstName"), "{message}");
    assert_eq!(sandbox.okta().user_count(), 1, "nothing was added");
    assert_eq!(
        sandbox.okta().user("ada@example.com").unwrap()["profile"]["firstName"],
        "Augusta",
        "nothing was changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_board_whose_answer_is_dropped_is_retried_with_the_same_key_and_exits_0() {
    let sandbox = common::sandbox().await;
    sandbox
        .boards()
        .faults()
        .push(FaultRule::new(Fault::DropAfter).graphql_field("create_board"));

    let input = json!({ "name": "Onboarding: Ada", "kind": "public" });
    let output = run("boards", "create-board", boards_env(&sandbox), input).await;

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)["name"], "Onboarding: Ada");
    assert_eq!(
        sandbox.boards().requests(),
        2,
        "the create whose answer was lost, then its retry"
    );
    let stats = sandbox.boards().state().stats();
    // The retry carried the first attempt's key: the service answered it from its cache
    // instead of creating a second board, which a new key would have done.
    assert_eq!(stats.idempotent_replays, 1, "{stats:?}");
    assert_eq!(stats.boards_created, 1, "exactly one board: {stats:?}");
}

/// A clock whose sleeps end when the gate opens (one of the calls has its answer), however
/// long they were asked to be: a call answered 409 retries only once the first call has
/// finished, and no test waits out a `Retry-After`. Sleeps are recorded.
#[derive(Debug, Clone)]
struct UntilAnswered {
    gate: watch::Receiver<bool>,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl Clock for UntilAnswered {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.sleeps.lock().unwrap().push(duration);
        let mut gate = self.gate.clone();
        Box::pin(async move {
            // Bounded, so that a broken emulator fails the test rather than hangs it.
            let _ =
                tokio::time::timeout(Duration::from_secs(10), gate.wait_for(|open| *open)).await;
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_sent_while_the_first_runs_gets_409_then_the_replayed_answer() {
    let sandbox = common::sandbox().await;
    // The first request with the key runs this long, so the other arrives while it runs.
    sandbox
        .boards()
        .state()
        .set_latency(Duration::from_millis(500));
    let (open, gate) = watch::channel(false);
    let clock = UntilAnswered {
        gate,
        sleeps: Arc::default(),
    };
    let input: CustomApiInput = serde_json::from_value(json!({
        "headers": { "Idempotency-Key": "one-key-for-both" },
        "body": {
            "query": "mutation ($name: String!) { create_board(board_name: $name, board_kind: public) { id name } }",
            "variables": { "name": "Concurrent" }
        }
    }))
    .unwrap();
    let open = Arc::new(open);
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let boards = common::boards_builder(&sandbox)
                .clock(Arc::new(clock.clone()))
                .limiter(Arc::new(Unlimited))
                .build()
                .unwrap();
            let (input, open) = (input.clone(), open.clone());
            tokio::spawn(async move {
                let output = boards.custom_api_call(input).await;
                let _ = open.send(true);
                output
            })
        })
        .collect();
    let mut outputs = Vec::new();
    for call in calls {
        outputs.push(call.await.unwrap().unwrap());
    }

    let stats = sandbox.boards().state().stats();
    assert_eq!(stats.boards_created, 1, "{stats:?}");
    assert_eq!(stats.idempotency_conflicts, 1, "{stats:?}");
    assert_eq!(stats.idempotent_replays, 1, "{stats:?}");
    assert_eq!(outputs[0].body, outputs[1].body, "the same board for both");
    assert_eq!(outputs[0].status_code, 200);
    let replayed = outputs
        .iter()
        .filter(|o| o.headers.get("idempotency-replayed") == Some(&json!("true")))
        .count();
    assert_eq!(replayed, 1);
    assert_eq!(
        *clock.sleeps.lock().unwrap(),
        [Duration::from_secs(1)],
        "the 409's Retry-After, once"
    );
}
