//! `connector flow validate|list|run` on the shipped flows (the template and the examples
//! under `crates/connector-cli/flows/`): every mistake reported with its place, each
//! example run against the sandbox, and a dry run of each that sends nothing.

use crate::serve_support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use connector_sandbox::Sandbox;
use serde_json::{Value, json};

fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows")
}

fn example(name: &str) -> String {
    flows_dir()
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn connector(sandbox: Option<&Sandbox>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command.args(args).env_clear().stdin(Stdio::null());
    if let Some(sandbox) = sandbox {
        command
            .env("OKTA_ORG_URL", sandbox.okta().base_url())
            .env("OKTA_API_TOKEN", sandbox.okta().api_token())
            .env("BOARDS_API_URL", sandbox.boards().api_url())
            .env("BOARDS_API_TOKEN", sandbox.boards().api_token());
    }
    command.output().expect("the connector binary runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Requests both emulators have seen.
fn requests_seen(sandbox: &Sandbox) -> u64 {
    let okta: u64 = sandbox
        .okta()
        .stats()
        .buckets
        .values()
        .map(|b| b.requests)
        .sum();
    okta + sandbox.boards().requests()
}

fn run_flow(sandbox: &Sandbox, file: &str, event: &Value, dry_run: bool) -> (Output, Value) {
    let event = event.to_string();
    let mut args = vec!["flow", "run", file, "--event", event.as_str()];
    if dry_run {
        args.push("--dry-run");
    }
    let out = connector(Some(sandbox), &args);
    let run = json_of(&out);
    (out, run)
}

#[test]
fn the_shipped_flows_are_valid_and_listed() {
    let out = connector(
        None,
        &[
            "flow",
            "validate",
            &flows_dir().display().to_string(),
            &flows_dir().join("examples").display().to_string(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 11);
    let out = connector(None, &["flow", "list", "--json"]);
    let listed = json_of(&out);
    assert_eq!(listed["flows"][0]["name"], "add-user-to-admin-role");
    assert_eq!(
        listed["flows"][0]["trigger"],
        json!({"okta_event": {"types": ["user.lifecycle.create"]}})
    );
}

#[test]
fn validate_reports_every_mistake_of_every_file_with_its_place() {
    let keep = tempdir();
    let dir = keep.path().to_owned();
    let first = dir.join("first.yaml");
    std::fs::write(
        &first,
        "name: first\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    card: okta.read-usr\n  - id: b\n    card: okta.read-user\n    input: { idd: x }\n    colour: red\n",
    )
    .unwrap();
    let second = dir.join("second.yaml");
    std::fs::write(&second, "name: second\ntrigger: { manual: {} }\nsteps:\n  - id: c\n    if: \"steps.d.output ==\"\n    return: { outcome: x }\n").unwrap();
    let out = connector(
        None,
        &[
            "flow",
            "validate",
            &first.display().to_string(),
            &second.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        format!("{}:5:11: unknown card \"okta.read-usr\"", first.display()),
        format!(
            "{}:8:14: okta.read-user takes no input \"idd\"",
            first.display()
        ),
        format!("{}:9:5: unknown key \"colour\"", first.display()),
        format!(
            "{}:5:9: \"steps.d.output ==\" is not an expression",
            second.display()
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> serve_support::TempDir {
    serve_support::TempDir::new("flows")
}

fn add_support_user(sandbox: &Sandbox, login: &str) -> String {
    let user = sandbox
        .okta()
        .add_user(json!({"login": login, "email": login, "firstName": "S", "lastName": "U", "role": "Support"}))
        .unwrap();
    user["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_template_and_the_examples_run_against_the_sandbox_and_their_dry_runs_send_nothing() {
    let sandbox = serve_support::roomy_sandbox().await;
    let ada = add_support_user(&sandbox, "ada.lovelace@example.com");
    let others: Vec<String> = (0..2)
        .map(|i| add_support_user(&sandbox, &format!("s{i}@example.com")))
        .collect();
    let template = flows_dir()
        .join("add-user-to-admin-role.yaml")
        .display()
        .to_string();
    let event = json!({"target": [{"id": ada, "alternateId": "ada.lovelace@example.com"}]});

    // Dry runs first: every card listed, nothing sent.
    let before = requests_seen(&sandbox);
    for (file, event) in [
        (template.clone(), event.clone()),
        (example("grant-help-desk-to-support.yaml"), json!({})),
        (
            example("create-user-unless-it-exists.yaml"),
            json!({"login": "new@example.com", "firstName": "N", "lastName": "U"}),
        ),
        (example("offboard-deactivated-user.yaml"), event.clone()),
    ] {
        let (out, run) = run_flow(&sandbox, &file, &event, true);
        assert_eq!(out.status.code(), Some(0), "{file}: {run}");
        assert_eq!(run["dryRun"], true);
        let cards = run["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["card"].is_string())
            .count();
        assert!(cards >= 1, "{file}: {run}");
        assert!(
            !run["requests"].as_array().unwrap().is_empty(),
            "{file}: {run}"
        );
    }
    assert_eq!(requests_seen(&sandbox), before, "a dry run sent a request");
    let (_, dry) = run_flow(&sandbox, &template, &event, true);
    let grant = dry["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "POST")
        .unwrap();
    assert_eq!(grant["dependsOnAnswer"], true, "{dry}");
    assert!(
        grant["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/users/:id/roles"),
        "{dry}"
    );

    // The template: assigned, then alreadyAssigned.
    let (out, run) = run_flow(&sandbox, &template, &event, false);
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "assigned");
    assert_eq!(run["subject"], "ada.lovelace@example.com");
    assert_eq!(
        sandbox.okta().user_role_types(&ada),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    let (_, again) = run_flow(&sandbox, &template, &event, false);
    assert_eq!(again["outcome"], "alreadyAssigned");

    // for_each over a search: the two other Support users get the role too.
    let (out, run) = run_flow(
        &sandbox,
        &example("grant-help-desk-to-support.yaml"),
        &json!({}),
        false,
    );
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["output"], json!({"users": 3, "newly": 2}));
    for id in &others {
        assert_eq!(
            sandbox.okta().user_role_types(id),
            Some(vec!["HELP_DESK_ADMIN".to_owned()])
        );
    }

    // on_error turns a taken login into an outcome.
    let file = example("create-user-unless-it-exists.yaml");
    let payload = json!({"login": "new@example.com", "firstName": "N", "lastName": "U"});
    let (_, created) = run_flow(&sandbox, &file, &payload, false);
    assert_eq!(created["outcome"], "created", "{created}");
    let (out, exists) = run_flow(&sandbox, &file, &payload, false);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(exists["outcome"], "alreadyExists", "{exists}");

    // Offboarding: Ada's admin role goes, and so does her place on a board.
    let board_user = json_of(&connector(
        Some(&sandbox),
        &[
            "run",
            "boards",
            "read-user",
            "--input",
            r#"{"email":"ada.lovelace@example.com"}"#,
        ],
    ));
    let ada_on_boards = board_user["id"].as_str().unwrap().to_owned();
    let board = json_of(&connector(
        Some(&sandbox),
        &[
            "run",
            "boards",
            "create-board",
            "--input",
            &json!({"name": "Offboarding", "kind": "public", "subscriberIds": [ada_on_boards]})
                .to_string(),
        ],
    ));
    let board_id = board["id"].as_str().unwrap().to_owned();
    let (out, run) = run_flow(
        &sandbox,
        &example("offboard-deactivated-user.yaml"),
        &event,
        false,
    );
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert_eq!(run["outcome"], "offboarded", "{run}");
    assert_eq!(sandbox.okta().user_role_types(&ada), Some(vec![]));
    let read = json_of(&connector(
        Some(&sandbox),
        &[
            "run",
            "boards",
            "read-board",
            "--input",
            &json!({"boardId": board_id}).to_string(),
        ],
    ));
    let subscribers: Vec<&str> = read["subscribers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(!subscribers.contains(&ada_on_boards.as_str()), "{read}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_fails_for_good_exits_by_its_kind_and_shows_the_failed_step() {
    let sandbox = serve_support::roomy_sandbox().await;
    let template = flows_dir()
        .join("add-user-to-admin-role.yaml")
        .display()
        .to_string();
    let event = json!({"target": [{"id": "00unobody", "alternateId": "nobody@example.com"}]});
    let (out, run) = run_flow(&sandbox, &template, &event, false);
    assert_eq!(out.status.code(), Some(4), "{run}");
    assert_eq!(run["state"], "deadLettered");
    assert_eq!(run["steps"][0]["status"], "failed");
    assert_eq!(run["steps"][0]["error"]["kind"], "not_found");
    assert_eq!(run["error"]["kind"], "not_found");
}
