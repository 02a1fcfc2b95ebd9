//! The command line on a terminal and off one: tables, readable views, readable errors
//! and progress only under a pseudo-terminal (made by util-linux's `script`); off a
//! terminal, exactly the JSON and plain text scripts read today.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use connector_sandbox::{Sandbox, UserSeed, okta::Bucket};
use serde_json::Value;

use crate::common;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_connector")
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', "'\\''"))
}

/// `connector ARGS` under a pseudo-terminal: everything it wrote to the terminal (stdout
/// and stderr both), or `None` (with a message) where `script` is not installed.
fn on_terminal(args: &[&str], env: &[(&str, String)]) -> Option<(i32, String)> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping: util-linux `script` is not installed, so no pseudo-terminal");
        return None;
    }
    let line = std::iter::once(quote(bin()))
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// `connector ARGS` with pipes for stdout and stderr.
fn off_terminal(args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin())
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("connector runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Whether the text sets a colour or a style (an SGR sequence, `ESC [ ... m`); moving the
/// cursor to redraw a progress line is no colour.
fn has_colour(text: &str) -> bool {
    text.split('\u{1b}').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|seq| {
            let end = seq.find(|c: char| !(c.is_ascii_digit() || c == ';'));
            end.is_some_and(|i| seq[i..].starts_with('m'))
        })
    })
}

/// What is left on the screen once the progress line is cleared for good.
fn after_progress(screen: &str) -> &str {
    screen.rsplit("\u{1b}[2K").next().unwrap_or(screen)
}

fn okta_env(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]
}

#[test]
fn list_is_a_table_on_a_terminal_and_plain_lines_off_one() {
    let plain = off_terminal(&["list"], &[], None);
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(text.starts_with("okta (Okta)\n  create-user "), "{text}");
    let json = off_terminal(&["list", "-o", "json"], &[], None);
    let same = off_terminal(&["list", "--json"], &[], None);
    assert_eq!(json.stdout, same.stdout, "-o json is --json");
    let Some((code, screen)) = on_terminal(&["list"], &[]) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("CONNECTOR") && header.contains("ACTION"),
        "{screen}"
    );
    assert!(screen.lines().all(|l| l.chars().count() <= 100), "{screen}");
    assert!(screen.contains("custom-api-action"), "{screen}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_search_shows_progress_and_a_table_on_a_terminal_and_the_same_json_off_one() {
    let sandbox = common::sandbox().await;
    sandbox.okta().seed_users(&UserSeed::new(6));
    let env = okta_env(&sandbox);
    let input = r#"{"search":"status eq \"ACTIVE\"","limit":2}"#;
    let args = ["run", "okta", "search-users", "--input", input];
    // Off a terminal: the JSON of `-o json`, byte for byte, and nothing on stderr.
    let piped = off_terminal(&args, &env, None);
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let explicit = off_terminal(&[&args[..], &["-o", "json"]].concat(), &env, None);
    assert_eq!(piped.stdout, explicit.stdout);
    let users: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(users["users"].as_array().map(Vec::len), Some(6));

    // Two calls per 1.5 s in the users bucket: three pages wait once, for over a second.
    sandbox.okta().set_bucket_limit(Bucket::Users, 2);
    sandbox.okta().set_window(Duration::from_millis(1500));
    sandbox.okta().reset_stats();
    let env_colour = [&env[..], &[("NO_COLOR", String::new())]].concat();
    let task = tokio::task::spawn_blocking(move || on_terminal(&args, &env_colour));
    let Some((code, screen)) = task.await.unwrap() else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("request 1: GET /api/v1/users?"), "{screen}");
    assert!(
        screen.contains("waiting"),
        "a wait over a second is shown:\n{screen}"
    );
    assert!(screen.contains("for the rate limit okta:"), "{screen}");
    let table_start = screen.find("ID").expect("a table");
    assert!(screen[table_start..].contains("PROFILE.LOGIN"), "{screen}");
    assert!(screen.contains("user0@example.com"), "{screen}");
    assert!(
        !screen.contains("\"users\""),
        "a table, not JSON:\n{screen}"
    );
    assert!(!screen.contains(sandbox.okta().api_token()), "{screen}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_and_no_color_are_honoured_on_a_terminal() {
    let sandbox = common::sandbox().await;
    sandbox.okta().seed_users(&UserSeed::new(3));
    let mut env = okta_env(&sandbox);
    let input = r#"{"search":"status eq \"ACTIVE\"","limit":1}"#;
    let quiet = ["run", "okta", "search-users", "--input", input, "--quiet"];
    let env_quiet = env.clone();
    let Some((code, screen)) = tokio::task::spawn_blocking(move || on_terminal(&quiet, &env_quiet))
        .await
        .unwrap()
    else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("request 1"),
        "--quiet shows no progress:\n{screen}"
    );
    assert!(screen.contains("user2@example.com"), "{screen}");

    // Colour only without NO_COLOR: the error label is red on a terminal, plain with it.
    let missing = [
        "run",
        "okta",
        "read-user",
        "--input",
        r#"{"id":"nobody@example.com"}"#,
    ];
    let env_colour = env.clone();
    let (_, coloured) = tokio::task::spawn_blocking(move || on_terminal(&missing, &env_colour))
        .await
        .unwrap()
        .unwrap();
    assert!(coloured.contains("\u{1b}[1;31merror"), "{coloured:?}");
    env.push(("NO_COLOR", "1".to_owned()));
    let (code, plain) = tokio::task::spawn_blocking(move || on_terminal(&missing, &env))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(code, 4, "{plain}");
    assert!(!has_colour(&plain), "{plain:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_one_readable_line_with_a_hint_on_a_terminal_and_json_off_one() {
    let sandbox = common::sandbox().await;
    let env = okta_env(&sandbox);
    let args = [
        "run",
        "okta",
        "read-user",
        "--input",
        r#"{"id":"nobody@example.com"}"#,
    ];
    let piped = off_terminal(&args, &env, None);
    assert_eq!(piped.status.code(), Some(4));
    assert!(piped.stdout.is_empty());
    let error: Value = serde_json::from_slice(&piped.stderr).expect("JSON on stderr");
    assert_eq!(error["error"]["kind"], "not_found");
    assert_eq!(error["error"]["code"], "E0000007");

    let env2 = [&env[..], &[("NO_COLOR", "1".to_owned())]].concat();
    let Some((code, screen)) = tokio::task::spawn_blocking(move || on_terminal(&args, &env2))
        .await
        .unwrap()
    else {
        return;
    };
    assert_eq!(code, 4);
    let lines: Vec<&str> = after_progress(&screen)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 2, "one line and a hint:\n{screen}");
    assert!(lines[0].starts_with("error: not found: "), "{screen}");
    assert!(
        lines[0].contains("HTTP 404, E0000007, request id "),
        "{screen}"
    );
    assert!(lines[1].starts_with("hint: "), "{screen}");

    // --error-format json keeps the JSON on a terminal; text gives the line off one.
    let args_json = [&args[..], &["--error-format", "json"]].concat();
    let env3 = env.clone();
    let (_, screen) = tokio::task::spawn_blocking(move || on_terminal(&args_json, &env3))
        .await
        .unwrap()
        .unwrap();
    assert!(
        after_progress(&screen)
            .trim_start()
            .starts_with("{\"error\":{"),
        "{screen}"
    );
    let text = off_terminal(
        &[&args[..], &["--error-format", "text"]].concat(),
        &env,
        None,
    );
    assert!(String::from_utf8_lossy(&text.stderr).starts_with("error: not found: "));
    sandbox.shutdown().await;
}

#[test]
fn describe_is_a_readable_view_on_a_terminal_and_json_off_one() {
    let piped = off_terminal(&["describe", "okta", "create-user"], &[], None);
    let json: Value = serde_json::from_slice(&piped.stdout).expect("JSON off a terminal");
    assert_eq!(json["id"], "create-user");
    let flag = off_terminal(&["describe", "okta", "create-user", "--json"], &[], None);
    assert_eq!(piped.stdout, flag.stdout);
    let Some((code, screen)) = on_terminal(&["describe", "okta", "create-user"], &[]) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.starts_with("okta create-user: Create User"),
        "{screen}"
    );
    for part in [
        "INPUTS",
        "NAME",
        "REQUIRED",
        "profile.login",
        "EXAMPLE",
        "--dry-run",
    ] {
        assert!(screen.contains(part), "{part} missing:\n{screen}");
    }
    let Some((_, json_on_terminal)) =
        on_terminal(&["describe", "okta", "create-user", "-o", "json"], &[])
    else {
        return;
    };
    assert!(
        json_on_terminal.trim_start().starts_with('{'),
        "{json_on_terminal}"
    );
}

/// Every action's example input, printed by `describe --example`, is taken as it is by
/// `run --dry-run` (which sends nothing).
#[test]
fn every_example_input_runs_as_a_dry_run() {
    let env = vec![
        ("OKTA_ORG_URL", "http://127.0.0.1:9".to_owned()),
        ("OKTA_API_TOKEN", "00example".to_owned()),
        ("BOARDS_API_URL", "http://127.0.0.1:9/v2".to_owned()),
        ("BOARDS_API_TOKEN", "example".to_owned()),
    ];
    let list = off_terminal(&["list", "--json"], &[], None);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let mut checked = 0;
    for connector in list["connectors"].as_array().unwrap() {
        let id = connector["id"].as_str().unwrap();
        for action in connector["actions"].as_array().unwrap() {
            let action = action["id"].as_str().unwrap();
            let example = off_terminal(&["describe", id, action, "--example"], &[], None);
            assert!(example.status.success());
            let text = String::from_utf8(example.stdout).unwrap();
            let run = off_terminal(
                &["run", id, action, "--input", "-", "--dry-run"],
                &env,
                Some(&text),
            );
            assert!(
                run.status.success(),
                "{id} {action}: the example {text} is refused: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            let out: Value = serde_json::from_slice(&run.stdout).unwrap();
            assert_eq!(out["dryRun"], true, "{id} {action}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} actions");
}

#[test]
fn fields_pick_the_same_fields_in_json_and_yaml() {
    let json = off_terminal(&["list", "-o", "json", "--fields", "id,name"], &[], None);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        value["connectors"][0],
        serde_json::json!({"id": "okta", "name": "Okta"})
    );
    let yaml = off_terminal(&["list", "-o", "yaml", "--fields", "id,name"], &[], None);
    assert_eq!(
        String::from_utf8(yaml.stdout).unwrap(),
        "connectors:\n- id: okta\n  name: Okta\n- id: boards\n  name: Boards (monday.com)\n- id: http\n  name: HTTP\n- id: table\n  name: Tables\n"
    );
    let bad = off_terminal(&["list", "--fields", "id,,name"], &[], None);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn flow_run_shows_its_steps_on_a_terminal_and_prints_the_run_after_them() {
    let flow = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/flows/examples/grant-help-desk-to-support.yaml"
    );
    let env = vec![
        ("OKTA_ORG_URL", "http://127.0.0.1:9".to_owned()),
        ("OKTA_API_TOKEN", "00example".to_owned()),
    ];
    let args = ["flow", "run", flow, "--dry-run", "--fields", "flow,outcome"];
    let piped = off_terminal(&args, &env, None);
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let run: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(
        run,
        serde_json::json!({"flow": "grant-help-desk-to-support", "outcome": "granted"})
    );
    let Some((code, screen)) = on_terminal(&args, &env) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("flow grant-help-desk-to-support: step support"),
        "{screen}"
    );
    let result = after_progress(&screen);
    assert!(
        result.contains("\"outcome\": \"granted\""),
        "the run, after the spinner: {result}"
    );
}
