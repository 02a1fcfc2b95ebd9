//! `connector run okta <group action>` against the Okta emulator: the generated group
//! actions work end to end from the command line, with an API token and with an OAuth
//! service app that asks for the default scopes.

use crate::common;

use std::process::Output;

use connector_sandbox::{Sandbox, UserSeed};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

/// The credentials a `connector` process is given.
#[derive(Clone)]
enum Credentials {
    /// `OKTA_API_TOKEN`.
    Token(String),
    /// `OKTA_CLIENT_ID` + `OKTA_PRIVATE_KEY`, no `OKTA_SCOPES`: the default scopes.
    ServiceApp { client_id: String, pem: String },
}

/// Runs `connector run okta <action> --input <input> [extra...]` on a blocking thread
/// (the sandbox answers from this test's runtime meanwhile).
async fn run(
    sandbox: &Sandbox,
    credentials: &Credentials,
    action: &str,
    input: Value,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "run".to_owned(),
        "okta".to_owned(),
        action.to_owned(),
        "--input".to_owned(),
        input.to_string(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let base = sandbox.okta().base_url();
    let credentials = credentials.clone();
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_connector"));
        command.args(&args).env_clear().env("OKTA_ORG_URL", base);
        match credentials {
            Credentials::Token(token) => command.env("OKTA_API_TOKEN", token),
            Credentials::ServiceApp { client_id, pem } => command
                .env("OKTA_CLIENT_ID", client_id)
                .env("OKTA_PRIVATE_KEY", pem),
        };
        command.output().expect("the connector binary runs")
    })
    .await
    .unwrap()
}

/// The JSON on stdout of a run that must have succeeded.
fn ok(output: &Output) -> Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The `{"error":{...}}` of a failed run.
fn error(output: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .rev()
        .find_map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(|v| v.get("error").is_some())
        })
        .unwrap_or_else(|| panic!("no error JSON on stderr: {stderr}"))["error"]
        .clone()
}

/// Creates a group, adds a member (twice: adding again is not an error), lists the
/// members, removes the member: every step through `connector run`.
async fn manage_members(sandbox: &Sandbox, credentials: &Credentials) {
    let user = sandbox
        .okta()
        .seed_users(&UserSeed::new(1))
        .first_id
        .unwrap();
    let group = ok(&run(
        sandbox,
        credentials,
        "create-group",
        json!({"profile": {"name": "Support", "description": "Help desk"}}),
        &[],
    )
    .await);
    let group_id = group["id"].as_str().unwrap().to_owned();
    let membership = json!({"groupId": group_id, "userId": user});
    for _ in 0..2 {
        let added = ok(&run(
            sandbox,
            credentials,
            "add-user-to-group",
            membership.clone(),
            &[],
        )
        .await);
        assert_eq!(added, json!({"status": 204}));
    }
    let members = ok(&run(
        sandbox,
        credentials,
        "list-group-members",
        json!({"groupId": group_id}),
        &[],
    )
    .await);
    assert_eq!(members.as_array().map(Vec::len), Some(1), "{members}");
    assert_eq!(members[0]["id"], json!(user));
    assert_eq!(members[0]["profile"]["login"], "user0@example.com");
    let removed = ok(&run(
        sandbox,
        credentials,
        "remove-user-from-group",
        membership,
        &[],
    )
    .await);
    assert_eq!(removed, json!({"status": 204}));
    let members = ok(&run(
        sandbox,
        credentials,
        "list-group-members",
        json!({"groupId": group_id}),
        &[],
    )
    .await);
    assert_eq!(members, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_run_adds_a_user_to_a_group_and_lists_its_members_with_an_api_token() {
    let sandbox = common::sandbox().await;
    let token = Credentials::Token(sandbox.okta().api_token().to_owned());
    manage_members(&sandbox, &token).await;

    // A group that does not exist: not_found, exit 4, with Okta's code.
    let missing = run(
        &sandbox,
        &token,
        "add-user-to-group",
        json!({"groupId": "00gnothere0000000000", "userId": "00unothere0000000000"}),
        &[],
    )
    .await;
    assert_eq!(missing.status.code(), Some(4));
    let missing = error(&missing);
    assert_eq!(
        (&missing["kind"], &missing["code"]),
        (&json!("not_found"), &json!("E0000007"))
    );
    // A required parameter left out is refused before sending: exit 2.
    let refused = run(&sandbox, &token, "list-group-members", json!({}), &[]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(error(&refused)["kind"], "invalid_input");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_run_pages_through_250_members_100_at_a_time() {
    let sandbox = common::sandbox().await;
    let token = Credentials::Token(sandbox.okta().api_token().to_owned());
    let seeded = sandbox.okta().seed_users(&UserSeed::new(250));
    let group = ok(&run(
        &sandbox,
        &token,
        "create-group",
        json!({"profile": {"name": "Everyone"}}),
        &[],
    )
    .await);
    let group_id = group["id"].as_str().unwrap().to_owned();
    // Members are added through the typed method: 250 processes would only slow the test.
    let okta = common::okta(&sandbox);
    let users = okta
        .search_users(&connector_okta::SearchUsersInput::all())
        .await
        .unwrap();
    assert_eq!(users.len(), seeded.total);
    for user in &users {
        let input: connector_okta::generated::AddUserToGroupInput =
            serde_json::from_value(json!({"groupId": group_id, "userId": user.id})).unwrap();
        okta.add_user_to_group(&input).await.unwrap();
    }
    sandbox.okta().reset_stats();
    let members = ok(&run(
        &sandbox,
        &token,
        "list-group-members",
        json!({"groupId": group_id, "limit": 100}),
        &[],
    )
    .await);
    let ids: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    let expected: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, expected, "every member once, in the order added");
    assert_eq!(
        sandbox.okta().stats().requests,
        3,
        "three pages of at most 100"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_run_manages_group_members_with_an_oauth_app_and_the_default_scopes() {
    let sandbox = common::sandbox().await;
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public = key.public_key().to_public_key_pem(LineEnding::LF).unwrap();
    // The app may be granted the connector's default scopes and nothing more: a group call
    // with a token that lacks a groups scope is refused (403, exit 3).
    sandbox
        .okta()
        .register_oauth_client("0oagroups", &public, connector_okta::DEFAULT_SCOPES)
        .unwrap();
    let app = Credentials::ServiceApp {
        client_id: "0oagroups".to_owned(),
        pem,
    };
    manage_members(&sandbox, &app).await;
    sandbox.shutdown().await;
}
