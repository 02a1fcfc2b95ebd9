//! The examples built on the cards of Okta's own templates, run with `connector flow run`
//! against the sandbox: offboarding with `clear-user-sessions` and `deactivate-user` (no
//! Custom API Action), and the scheduled sweep that suspends the users whose `lastLogin`
//! is more than three months before the run.

use crate::serve_support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use connector_sandbox::Sandbox;
use serde_json::{Value, json};

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("flows/examples")
        .join(name)
        .display()
        .to_string()
}

fn flow_run(sandbox: &Sandbox, file: &str, event: Value) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["flow", "run", file, "--event", &event.to_string()])
        .env_clear()
        .env("OKTA_ORG_URL", sandbox.okta().base_url())
        .env("OKTA_API_TOKEN", sandbox.okta().api_token())
        .env("BOARDS_API_URL", sandbox.boards().api_url())
        .env("BOARDS_API_TOKEN", sandbox.boards().api_token())
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

fn add_user(sandbox: &Sandbox, login: &str) -> String {
    let user = sandbox
        .okta()
        .add_user(json!({"login": login, "email": login, "firstName": "E", "lastName": "X"}))
        .unwrap();
    user["id"].as_str().unwrap().to_owned()
}

async fn sign_in(sandbox: &Sandbox, id: &str) {
    let url = format!(
        "{}/__sandbox/okta/users/{id}/sign-in",
        sandbox.okta().base_url()
    );
    let answer = reqwest::Client::new().post(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
}

fn status(sandbox: &Sandbox, id: &str) -> Value {
    sandbox.okta().user(id).unwrap()["status"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn offboarding_clears_sessions_and_deactivates_with_okta_s_own_cards() {
    let text = std::fs::read_to_string(example("offboard-user.yaml")).unwrap();
    assert!(!text.contains("custom-api-action"), "{text}");
    for card in ["okta.clear-user-sessions", "okta.deactivate-user"] {
        assert!(text.contains(card), "{card} missing:\n{text}");
    }
    let sandbox = serve_support::roomy_sandbox().await;
    let id = add_user(&sandbox, "leaving@example.com");
    sign_in(&sandbox, &id).await;
    let org = sandbox.okta().base_url();
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{org}/api/v1/groups"))
        .header(
            "authorization",
            format!("SSWS {}", sandbox.okta().api_token()),
        )
        .json(&json!({"profile": {"name": "Engineering"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client
        .put(format!(
            "{org}/api/v1/groups/{}/users/{id}",
            created["id"].as_str().unwrap()
        ))
        .header(
            "authorization",
            format!("SSWS {}", sandbox.okta().api_token()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sandbox.okta().user_sessions(&id), Some(1));

    let file = example("offboard-user.yaml");
    let event = json!({"login": "leaving@example.com"});
    let (out, run) = flow_run(&sandbox, &file, event.clone());
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "offboarded", "{run}");
    assert_eq!(run["output"], json!({"id": id, "groups": ["Engineering"]}));
    assert_eq!(status(&sandbox, &id), "DEPROVISIONED");
    assert_eq!(sandbox.okta().user_sessions(&id), Some(0));
    let (_, again) = flow_run(&sandbox, &file, event);
    assert_eq!(again["outcome"], "alreadyDeactivated", "{again}");
    let (_, nobody) = flow_run(&sandbox, &file, json!({"login": "nobody@example.com"}));
    assert_eq!(nobody["outcome"], "unknownUser", "{nobody}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inactive_user_sweep_suspends_users_whose_last_login_is_before_the_cutoff() {
    let sandbox = serve_support::roomy_sandbox().await;
    let seen = add_user(&sandbox, "seen@example.com");
    let never = add_user(&sandbox, "never@example.com");
    sign_in(&sandbox, &seen).await;
    let file = example("suspend-inactive-users.yaml");
    let now = sandbox.okta().user(&seen).unwrap()["lastLogin"]
        .as_str()
        .unwrap()
        .to_owned();

    // Run today: the sign-in is recent, nobody is suspended.
    let (out, run) = flow_run(&sandbox, &file, json!({"scheduledAt": now, "firedAt": now}));
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "swept", "{run}");
    assert_eq!(run["output"]["suspended"], json!([]), "{run}");
    assert_eq!(status(&sandbox, &seen), "ACTIVE");

    // Run in February two years on (the cutoff falls back across the year): the sign-in
    // is more than three months old.
    let year: i32 = now[..4].parse().unwrap();
    let later = format!("{}-02-15T06:00:00.000Z", year + 2);
    let (_, run) = flow_run(
        &sandbox,
        &file,
        json!({"scheduledAt": later, "firedAt": later}),
    );
    assert_eq!(
        run["output"]["before"],
        json!(format!("{}-11-15T06:00:00.000Z", year + 1)),
        "{run}"
    );
    assert_eq!(
        run["output"]["suspended"],
        json!(["seen@example.com"]),
        "{run}"
    );
    assert_eq!(status(&sandbox, &seen), "SUSPENDED");
    // Never signed in: no lastLogin to compare, left alone.
    assert_eq!(status(&sandbox, &never), "ACTIVE");
    // Suspended users are not active: a second sweep has nobody to suspend.
    let (out, run) = flow_run(
        &sandbox,
        &file,
        json!({"scheduledAt": later, "firedAt": later}),
    );
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["output"]["suspended"], json!([]), "{run}");
}
