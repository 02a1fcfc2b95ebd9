//! `connector run <connector> custom-api-action` refuses an oversized request before
//! sending it: exit 2, `attempts: 0`, nothing reaches the sandbox, and stderr stays small
//! however large the input was.

use crate::common;

use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

async fn run(connector: &'static str, env: Vec<(&'static str, String)>, input: Value) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_connector"))
            .args(["run", connector, "custom-api-action", "--input", "-"])
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

fn assert_refused_small(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        output.stderr.len() < 2048,
        "stderr is {} bytes: {stderr}",
        output.stderr.len()
    );
    let error: Value = serde_json::from_str(stderr.trim()).expect("one JSON error");
    assert_eq!(error["error"]["kind"], "invalid_input");
    assert_eq!(error["error"]["attempts"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_and_boards_refuse_a_100_kb_query_or_path_with_nothing_sent() {
    let sandbox = common::sandbox().await;
    let big = "q".repeat(100 * 1024);
    let okta_env = || {
        vec![
            ("OKTA_ORG_URL", sandbox.okta().base_url()),
            ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
        ]
    };
    let boards_env = || {
        vec![
            ("BOARDS_API_URL", sandbox.boards().api_url()),
            ("BOARDS_API_TOKEN", sandbox.boards().api_token()),
        ]
    };
    let cases = [
        (
            "okta",
            okta_env(),
            json!({"relativeUrl": "/api/v1/users", "query": {"search": big}}),
        ),
        (
            "okta",
            okta_env(),
            json!({"relativeUrl": format!("/api/v1/users/{big}")}),
        ),
        ("boards", boards_env(), json!({"query": {"q": big}})),
        (
            "boards",
            boards_env(),
            json!({"relativeUrl": format!("/v2/{big}")}),
        ),
    ];
    for (connector, env, input) in cases {
        let output = run(connector, env, input).await;
        assert_refused_small(&output);
    }
    // A relativeUrl that is not a path suggests the connector's own path.
    let output = run("boards", boards_env(), json!({"relativeUrl": "v2"})).await;
    assert_refused_small(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("such as /v2"), "{stderr}");
    assert!(!stderr.contains("/api/v1/users"), "{stderr}");

    assert_eq!(sandbox.okta().stats().requests, 0, "nothing reached Okta");
    assert_eq!(sandbox.boards().requests(), 0, "nothing reached boards");
}
