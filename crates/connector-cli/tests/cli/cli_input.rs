//! What `connector run` says about its input (not an object, empty, a byte-order mark),
//! and that what it writes to a file or a pipe carries no ANSI escape sequences.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use httpmock::prelude::*;
use serde_json::{Value, json};

const OKTA_TOKEN: &str = "00okta-cli-input-test-token";

/// Runs `connector` against `org` (a URL nothing listens on when the input is refused
/// first), with `stdin` piped in when given and `stderr` captured.
fn connector(args: &[&str], org: &str, log: Option<&str>, stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .args(args)
        .env_clear()
        .env("OKTA_ORG_URL", org)
        .env("OKTA_API_TOKEN", OKTA_TOKEN)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(filter) = log {
        command.env("CONNECTOR_LOG", filter);
    }
    let mut child = command.spawn().expect("the connector binary runs");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn error_of(output: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .unwrap_or_else(|| panic!("no error JSON on stderr: {stderr}"))["error"]
        .clone()
}

const NOBODY: &str = "http://127.0.0.1:9";

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("connector-{name}-{}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn input_that_is_not_a_json_object_says_so_and_exits_2() {
    for (input, found) in [
        ("[]", "an array"),
        (r#""00u1""#, "a string"),
        ("42", "a number"),
        ("null", "null"),
    ] {
        let output = connector(
            &["run", "okta", "read-user", "--input", input],
            NOBODY,
            None,
            None,
        );
        assert_eq!(output.status.code(), Some(2), "{input}");
        let error = error_of(&output);
        assert_eq!(error["kind"], "invalid_input");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.starts_with("the input must be a JSON object") && message.ends_with(found),
            "{input}: {message}"
        );
        assert_eq!(error["attempts"], 0);
    }
}

#[test]
fn empty_input_from_stdin_a_file_or_the_argument_says_it_is_empty() {
    let file = temp_file("empty.json", b"  \n");
    let at = format!("@{}", file.display());
    let cases: [(&[&str], Option<&[u8]>); 3] = [
        (&["--input", "-"], Some(b"")),
        (&["--input", at.as_str()], None),
        (&["--input", ""], None),
    ];
    for (args, stdin) in cases {
        let mut all = vec!["run", "okta", "read-user"];
        all.extend_from_slice(args);
        let output = connector(&all, NOBODY, None, stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = error_of(&output)["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with("the input is empty"),
            "{args:?}: {message}"
        );
        assert!(!message.contains("EOF"), "{message}");
    }
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn a_byte_order_mark_is_skipped_in_files_and_on_stdin() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1/roles");
            then.status(200).json_body(json!([]));
        })
        .await;
    let with_bom = b"\xEF\xBB\xBF{\"userId\":\"00u1\"}\n";
    let file = temp_file("bom.json", with_bom);
    let at = format!("@{}", file.display());
    let from_file = connector(
        &["run", "okta", "list-user-roles", "--input", &at],
        &server.base_url(),
        None,
        None,
    );
    let from_stdin = connector(
        &["run", "okta", "list-user-roles", "--input", "-"],
        &server.base_url(),
        None,
        Some(with_bom),
    );
    for output in [from_file, from_stdin] {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(out, json!({"roles": []}));
    }
    std::fs::remove_file(file).unwrap();
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn debug_logs_written_to_a_file_carry_no_escape_bytes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1/roles");
            then.status(200).json_body(json!([]));
        })
        .await;
    let log = std::env::temp_dir().join(format!("connector-log-{}.txt", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["run", "okta", "list-user-roles", "--input"])
        .arg(r#"{"userId":"00u1"}"#)
        .env_clear()
        .env("OKTA_ORG_URL", server.base_url())
        .env("OKTA_API_TOKEN", OKTA_TOKEN)
        .env("CONNECTOR_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("DEBUG"), "debug logs were written: {text}");
    assert!(
        !bytes.contains(&0x1b),
        "the log file holds escape bytes: {text:?}"
    );
}
