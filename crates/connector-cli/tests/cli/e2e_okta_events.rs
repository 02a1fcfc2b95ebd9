//! `connector sandbox --event-hook` delivering the System Log's events to a
//! `connector serve` whose flows trigger on them, as real processes: a user deactivated and
//! a user added to a group (through `connector run`, the cards of Okta's templates) each
//! start the flow of their event type, which reads what the event names.

use crate::serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use serve_support::{HOOK_SECRET, eventually};

const TOKEN: &str = "00sandbox-token-for-event-tests-0001";

const ON_DEACTIVATE: &str = r#"
name: on-deactivate
trigger:
  okta_event: { types: [user.lifecycle.deactivate] }
subject: "{{ event.target[0].alternateId }}"
steps:
  - id: user
    card: okta.read-user
    input: { id: "{{ event.target[0].id }}" }
  - id: done
    return: { outcome: deactivated, output: { status: "{{ steps.user.output.status }}" } }
"#;

const ON_MEMBERSHIP: &str = r#"
name: on-membership
trigger:
  okta_event: { types: [group.user_membership.add] }
subject: "{{ event.target[0].alternateId }}"
steps:
  - id: group
    card: okta.read-group
    input: { groupId: "{{ event.target[1].id }}" }
  - id: done
    return: { outcome: joined, output: { group: "{{ steps.group.output.profile.name }}" } }
"#;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `connector sandbox --event-hook URL`, and its Okta URL once it serves.
fn sandbox(hook: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args([
            "sandbox",
            "--event-hook",
            hook,
            "--event-hook-secret",
            HOOK_SECRET,
        ])
        .env("CONNECTOR_SANDBOX_OKTA_TOKEN", TOKEN)
        .env_remove("OKTA_EVENT_HOOK_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("connector sandbox starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut url = String::new();
    for line in BufReader::new(stdout).lines().take(20) {
        let line = line.expect("text");
        if let Some(rest) = line.strip_prefix("export OKTA_ORG_URL=") {
            url = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_matches('\'')
                .to_owned();
        }
        if line.starts_with("# Ctrl-C") {
            break;
        }
    }
    assert!(url.starts_with("http://127.0.0.1:"), "no Okta URL: {url:?}");
    (Running(child), url)
}

fn run_card(org: &str, action: &str, input: Value) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["run", "okta", action, "--input", &input.to_string()])
        .env_clear()
        .env("OKTA_ORG_URL", org)
        .env("OKTA_API_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .output()
        .expect("connector run");
    assert!(
        out.status.success(),
        "{action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

async fn runs(client: &reqwest::Client, admin: &str) -> Vec<Value> {
    let Ok(response) = client.get(format!("{admin}/history")).send().await else {
        return Vec::new();
    };
    let page: Value = response.json().await.unwrap_or(Value::Null);
    page["runs"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_s_hook_starts_the_flows_of_a_deactivation_and_a_group_membership() {
    let hook_port = free_port();
    let hook = format!("http://127.0.0.1:{hook_port}/okta/event-hook");
    let (_sandbox, org) = sandbox(&hook);
    let flows = serve_support::TempDir::new("okta-events");
    std::fs::write(flows.path().join("on-deactivate.yaml"), ON_DEACTIVATE).unwrap();
    std::fs::write(flows.path().join("on-membership.yaml"), ON_MEMBERSHIP).unwrap();
    let store = serve_support::TempDir::new("okta-events-store");
    let admin_port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["serve", "--listen", &format!("127.0.0.1:{hook_port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .args(["--flows", &flows.path().display().to_string()])
        .args([
            "--store",
            &format!("sqlite://{}", store.path().join("runs.db").display()),
        ])
        .env_remove("CONNECTOR_ADMIN_TOKEN")
        .env_remove("CONNECTOR_LOG")
        .env("OKTA_ORG_URL", &org)
        .env("OKTA_API_TOKEN", TOKEN)
        .env("OKTA_EVENT_HOOK_SECRET", HOOK_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("connector serve starts");
    let _serve = Running(child);
    let admin = format!("http://127.0.0.1:{admin_port}");
    let client = reqwest::Client::new();
    let up = eventually(Duration::from_secs(30), || async {
        client
            .get(format!("{admin}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    assert!(up, "connector serve did not come up");

    let user = run_card(
        &org,
        "create-user",
        json!({"profile": {"login": "leaver@example.com", "email": "leaver@example.com", "firstName": "Lee", "lastName": "Ver"}, "password": "correct-horse-9"}),
    );
    let user = user["id"].as_str().unwrap().to_owned();
    let group = run_card(&org, "create-group", json!({"profile": {"name": "Alumni"}}));
    let group = group["id"].as_str().unwrap().to_owned();
    run_card(
        &org,
        "add-user-to-group",
        json!({"groupId": group, "userId": user}),
    );
    run_card(&org, "deactivate-user", json!({"id": "leaver@example.com"}));

    let finished = eventually(Duration::from_secs(30), || async {
        let runs = runs(&client, &admin).await;
        runs.iter().filter(|r| r["state"] == "finished").count() >= 2
    })
    .await;
    let runs = runs(&client, &admin).await;
    assert!(finished, "{runs:#?}");
    let of = |flow: &str| {
        runs.iter()
            .find(|r| r["flow"] == flow)
            .cloned()
            .unwrap_or_else(|| panic!("no run of {flow}: {runs:#?}"))
    };
    let deactivated = of("on-deactivate");
    assert_eq!(deactivated["outcome"], "deactivated");
    assert_eq!(deactivated["subject"], "leaver@example.com");
    let detail: Value = client
        .get(format!(
            "{admin}/history/{}",
            deactivated["runId"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["output"],
        json!({"status": "DEPROVISIONED"}),
        "{detail}"
    );
    let joined = of("on-membership");
    assert_eq!(joined["outcome"], "joined");
    let detail: Value = client
        .get(format!(
            "{admin}/history/{}",
            joined["runId"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["output"], json!({"group": "Alumni"}), "{detail}");
    assert_eq!(detail["event"]["target"][1]["type"], "UserGroup");
}
