//! The command line's edges: oversized input refused before sending, closed pipes, the
//! `history` options (validation, paging, their place on the line) and terminal control
//! characters from event data.

use crate::serve_support;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use connector_runtime::{Store, TempDb};
use httpmock::prelude::*;
use serde_json::Value;
use serve_support::{HOOK_SECRET, ServeSpec, eventually, roomy_sandbox};

fn connector(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the connector binary runs")
}

#[test]
fn an_id_over_8_kib_is_refused_before_sending_and_echoed_short() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    let id = "a".repeat(100_000);
    let input = format!(r#"{{"id":"{id}"}}"#);
    let url = server.base_url();
    let out = connector(
        &["run", "okta", "read-user", "--input", &input],
        &[("OKTA_ORG_URL", url.as_str()), ("OKTA_API_TOKEN", "tok")],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.len() < 1024,
        "stderr echoes {} bytes",
        out.stderr.len()
    );
    let error: Value = serde_json::from_slice(&out.stderr).expect("the error is JSON");
    assert_eq!(error["error"]["kind"], "invalid_input");
    assert_eq!(error["error"]["attempts"], 0);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("8 KiB")
    );
    any.assert_calls(0);
    // An unknown action id of the same size is quoted short too.
    let out = connector(&["run", "okta", &id], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.len() < 1024,
        "stderr echoes {} bytes",
        out.stderr.len()
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_exit_code() {
    // stderr closed: the error cannot be written, the exit code still says not found.
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(404)
            .header("content-type", "application/json")
            .body(r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#);
    });
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let url = server.base_url();
    let status = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["run", "okta", "read-user", "--input", r#"{"id":"00u1"}"#])
        .env_clear()
        .env("OKTA_ORG_URL", &url)
        .env("OKTA_API_TOKEN", "tok")
        .env("CONNECTOR_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(4), "no panic (101) on a closed stderr");
    // stdout closed: `connector list --json | head -c0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["list", "--json"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn history_checks_its_options_and_takes_them_before_or_after_rerun() {
    let db = TempDb::new();
    Store::open(&db.url()).await.unwrap().close().await;
    let url = db.url();
    let store = ["--store", url.as_str()];
    let history = |args: &[&str]| connector(&[&["history"], args].concat(), &[]);

    let out = history(&[&store[..], &["--state", "bogus"]].concat());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for state in ["queued", "running", "retrying", "finished", "deadLettered"] {
        assert!(stderr.contains(state), "{stderr}");
    }
    let out = history(&[&store[..], &["--limit", "0"]].concat());
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = history(&[&store[..], &["--outcome", "bogus"]].concat());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no runs\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no run has the outcome \"bogus\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for args in [
        vec!["--store", url.as_str(), "rerun", "run_nope"],
        vec!["rerun", "run_nope", "--store", url.as_str()],
    ] {
        let out = history(&args);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = history(
        &[
            &store[..],
            &["--cursor", "1:run_x", "--state", "finished", "--json"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0));
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["runs"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_with_a_cursor_and_shows_control_characters_escaped() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    // Event data with a terminal escape (clear screen, set the title): the user does not
    // exist, so each run is dead-lettered with that id in its history.
    let hostile = "00u\u{1b}[2J\u{1b}]0;pwned\u{7}";
    for i in 0..3 {
        let delivery = serve_support::delivery(&[(format!("evt-esc-{i}"), hostile.to_owned())]);
        let status = client
            .post(&serve.hook)
            .header("authorization", HOOK_SECRET)
            .json(&delivery)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let url = db.url();
    let done = eventually(Duration::from_secs(15), || async {
        let out = connector(
            &[
                "history",
                "--store",
                &url,
                "--state",
                "deadLettered",
                "--json",
            ],
            &[],
        );
        let page: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        page["runs"].as_array().is_some_and(|r| r.len() == 3)
    })
    .await;
    assert!(done, "{}", serve.log());
    let first = connector(&["history", "--store", &url, "--limit", "2"], &[]);
    let text = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}[2J"), "{text}");
    let cursor = text
        .lines()
        .find_map(|l| l.strip_prefix("older runs: --cursor "))
        .expect("a cursor to the older runs")
        .to_owned();
    let rest = connector(
        &[
            "history", "--store", &url, "--limit", "2", "--cursor", &cursor, "--json",
        ],
        &[],
    );
    let page: Value = serde_json::from_slice(&rest.stdout).unwrap();
    assert_eq!(page["runs"].as_array().map(Vec::len), Some(1));
    assert!(page["nextCursor"].is_null());
}
