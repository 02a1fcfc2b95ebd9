//! `connector run` against the sandbox as a new user tries it: `--fields` picks what it is
//! asked for and rewrites nothing else, and a not-found or refused input comes back on
//! stderr cut to 200 bytes, for every connector.

use crate::common;

use std::process::Output;

use connector_sandbox::{Sandbox, UserSeed};
use serde_json::{Value, json};

/// The most stderr a refused or not-found run may print when its input was 100 KB: the JSON
/// error (its message, and the service's answer when there is one) with each echo of the
/// input cut to 200 bytes.
const STDERR_ROOM: usize = 4_096;

/// The longest run of `c` in `text`: how much of an input made of `c` was echoed at once.
fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// Runs `connector run <connector> <action> --input <input> [extra...]` against the sandbox
/// on a blocking thread (the sandbox answers from this test's runtime meanwhile).
async fn run(
    sandbox: &Sandbox,
    connector: &str,
    action: &str,
    input: Value,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "run".to_owned(),
        connector.to_owned(),
        action.to_owned(),
        "--input".to_owned(),
        "-".to_owned(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let env = [
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
        ("BOARDS_API_URL", sandbox.boards().api_url()),
        ("BOARDS_API_TOKEN", sandbox.boards().api_token()),
    ];
    let stdin = input.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
            .args(&args)
            .env_clear()
            .envs(env)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the connector binary runs");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(stdin.as_bytes())
            .expect("the input is written");
        child.wait_with_output().expect("the connector binary ends")
    })
    .await
    .unwrap()
}

fn stdout_json(output: &Output) -> Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Asserts the run failed with `kind` and exit `code`, printed at most [`STDERR_ROOM`]
/// bytes of stderr, and echoed at most 200 bytes of the input (made of `filler`) at once.
fn assert_short_error(output: &Output, kind: &str, code: i32, filler: char) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.len() <= STDERR_ROOM,
        "{} bytes on stderr: {}…",
        stderr.len(),
        &stderr[..stderr.len().min(400)]
    );
    assert!(
        longest_run(&stderr, filler) <= 200,
        "{} bytes of the input echoed at once: {stderr}",
        longest_run(&stderr, filler)
    );
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(&format!("\"kind\":\"{kind}\"")), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_pick_inside_the_object_and_its_lists_and_rewrite_nothing_else() {
    let sandbox = common::sandbox().await;
    let group = stdout_json(
        &run(
            &sandbox,
            "okta",
            "create-group",
            json!({"profile": {"name": "Support", "description": "Help desk"}}),
            &[],
        )
        .await,
    );
    let id = group["id"].as_str().unwrap().to_owned();
    assert!(
        group["objectClass"].is_array(),
        "the case the issue met: {group}"
    );

    let picked = stdout_json(
        &run(
            &sandbox,
            "okta",
            "read-group",
            json!({"groupId": id}),
            &["--fields", "id,profile.name"],
        )
        .await,
    );
    assert_eq!(picked, json!({"id": id, "profile": {"name": "Support"}}));
    let picked = stdout_json(
        &run(
            &sandbox,
            "okta",
            "read-group",
            json!({"groupId": id}),
            &["--fields", "objectClass,type"],
        )
        .await,
    );
    assert_eq!(
        picked,
        json!({"objectClass": group["objectClass"], "type": group["type"]}),
        "a picked list is printed as it is"
    );

    let user = sandbox
        .okta()
        .seed_users(&UserSeed::new(1))
        .first_id
        .unwrap();
    stdout_json(
        &run(
            &sandbox,
            "okta",
            "add-user-to-group",
            json!({"groupId": id, "userId": user}),
            &[],
        )
        .await,
    );
    let members = stdout_json(
        &run(
            &sandbox,
            "okta",
            "list-group-members",
            json!({"groupId": id}),
            &["--fields", "id,profile.login"],
        )
        .await,
    );
    assert_eq!(
        members,
        json!([{"id": user, "profile": {"login": common::seeded_login(0)}}])
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_board_id_is_refused_before_sending_and_echoed_at_most_200_bytes() {
    let sandbox = common::sandbox().await;
    let before = sandbox.boards().requests();
    let huge = "7".repeat(100_000);
    for action in ["read-board", "archive-board", "delete-board"] {
        let output = run(&sandbox, "boards", action, json!({"boardId": huge}), &[]).await;
        assert_short_error(&output, "invalid_input", 2, '7');
    }
    let output = run(
        &sandbox,
        "boards",
        "add-user-to-board",
        json!({"boardId": "1", "userIds": ["not-an-id"]}),
        &[],
    )
    .await;
    assert_short_error(&output, "invalid_input", 2, '7');
    assert_eq!(sandbox.boards().requests(), before, "nothing was sent");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connectors_not_found_echoes_at_most_200_bytes_of_the_input() {
    let sandbox = common::sandbox().await;
    // Okta: a read by an id just under the 8 KiB path limit, which Okta's summary quotes.
    let long_id = format!("00u{}", "x".repeat(7_000));
    let output = run(&sandbox, "okta", "read-user", json!({"id": long_id}), &[]).await;
    assert_short_error(&output, "not_found", 4, 'x');
    assert!(String::from_utf8_lossy(&output.stderr).contains("00uxxx"));
    // Boards: a board id that is well formed but names no board.
    let output = run(
        &sandbox,
        "boards",
        "read-board",
        json!({"boardId": "99999999999999999999"}),
        &[],
    )
    .await;
    assert_short_error(&output, "not_found", 4, '9');
    // Boards: a 100 KB email that names no user.
    let email = format!("{}@example.com", "e".repeat(100_000));
    let output = run(
        &sandbox,
        "boards",
        "read-user",
        json!({"email": email}),
        &[],
    )
    .await;
    assert_short_error(&output, "not_found", 4, 'e');
    assert!(String::from_utf8_lossy(&output.stderr).contains("eeee"));
    sandbox.shutdown().await;
}
