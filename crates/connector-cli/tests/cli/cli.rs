//! The `connector` command line as its contract says: outputs, errors on stderr, exit codes,
//! inputs from text, files and stdin, dry runs, and no secret anywhere in what it prints.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use httpmock::prelude::*;
use serde_json::{Value, json};

const OKTA_TOKEN: &str = "00okta-cli-test-token-s3cr3t";
const BOARDS_TOKEN: &str = "boards-cli-test-token-s3cr3t";

/// Runs `connector` with only the given environment (plus a trace-level log filter, so
/// that the secret checks cover the logs too).
fn connector(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .args(args)
        .env_clear()
        .env("CONNECTOR_LOG", "trace")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the connector binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for secret in [OKTA_TOKEN, BOARDS_TOKEN, "s3cr3t"] {
        assert!(
            !all.contains(secret),
            "a secret leaked in `connector {}`:\n{all}",
            args.join(" ")
        );
    }
    output
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The `{"error":{...}}` line on stderr (logs may come before it).
fn stderr_error(output: &Output) -> Value {
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

fn okta_env(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_ORG_URL", server.base_url()),
        ("OKTA_API_TOKEN", OKTA_TOKEN.to_owned()),
    ]
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn list_names_every_connector_and_action() {
    let output = connector(&["list"], &[], None);
    assert_eq!(code(&output), 0);
    let text = String::from_utf8_lossy(&output.stdout);
    for id in [
        "okta",
        "boards",
        "create-user",
        "add-user-to-admin-role",
        "create-board",
        "custom-api-action",
    ] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    let json = stdout_json(&connector(&["list", "--json"], &[], None));
    let ids: Vec<&str> = json["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["okta", "boards", "http", "table"]);
}

#[test]
fn describe_prints_the_action_with_its_schemas() {
    let output = connector(&["describe", "okta", "create-user"], &[], None);
    assert_eq!(code(&output), 0);
    let json = stdout_json(&output);
    assert_eq!(json["id"], "create-user");
    assert!(
        json["inputSchema"]["properties"]["profile"].is_object(),
        "{json}"
    );
    assert!(json["outputSchema"].is_object());
    let whole = stdout_json(&connector(&["describe", "boards"], &[], None));
    assert_eq!(whole["id"], "boards");
    assert!(whole["actions"].as_array().unwrap().len() >= 10);
}

#[test]
fn unknown_connectors_and_actions_exit_2_listing_the_valid_ids() {
    let output = connector(&["run", "nope", "read-user"], &[], None);
    assert_eq!(code(&output), 2);
    let error = stderr_error(&output);
    assert_eq!(error["kind"], "invalid_input");
    assert!(
        error["message"].as_str().unwrap().contains("okta, boards"),
        "{error}"
    );

    let output = connector(&["run", "okta", "read-usr"], &[], None);
    assert_eq!(code(&output), 2);
    assert!(
        stderr_error(&output)["message"]
            .as_str()
            .unwrap()
            .contains("read-user")
    );

    let output = connector(&["describe", "okta", "nope"], &[], None);
    assert_eq!(code(&output), 2);
}

#[test]
fn usage_mistakes_exit_2() {
    assert_eq!(code(&connector(&["run"], &[], None)), 2);
    assert_eq!(code(&connector(&["frobnicate"], &[], None)), 2);
    let output = connector(
        &["run", "okta", "read-user", "--input", "{not json"],
        &[],
        None,
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr_error(&output)["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[test]
fn missing_settings_say_which_variable_to_set() {
    let output = connector(
        &["run", "okta", "read-user", "--input", r#"{"id":"00u1"}"#],
        &[],
        None,
    );
    assert_eq!(code(&output), 2);
    let error = stderr_error(&output);
    assert_eq!(error["kind"], "configuration");
    assert!(
        error["message"].as_str().unwrap().contains("OKTA_ORG_URL"),
        "{error}"
    );

    let output = connector(
        &["run", "okta", "read-user", "--input", r#"{"id":"00u1"}"#],
        &[
            ("OKTA_ORG_URL", "http://acme.okta.com"),
            ("OKTA_API_TOKEN", OKTA_TOKEN),
        ],
        None,
    );
    assert_eq!(
        code(&output),
        2,
        "plain http to a non-loopback host is refused"
    );
    assert!(
        stderr_error(&output)["message"]
            .as_str()
            .unwrap()
            .contains("https")
    );
}

#[tokio::test]
async fn run_okta_read_user_prints_the_user_and_exits_0() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/ada%40example.com")
                .header("authorization", format!("SSWS {OKTA_TOKEN}"));
            then.status(200).header("content-type", "application/json").json_body(json!({
                "id": "00u1", "status": "ACTIVE", "created": "2026-01-01T00:00:00.000Z",
                "profile": {"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"},
                "credentials": {}, "_links": {}
            }));
        })
        .await;
    let env = okta_env(&server);
    let output = connector(
        &[
            "run",
            "okta",
            "read-user",
            "--input",
            r#"{"id":"ada@example.com"}"#,
        ],
        &as_refs(&env),
        None,
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout_json(&output)["id"], "00u1");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn input_comes_from_a_file_or_from_stdin() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1/roles");
            then.status(200).json_body(json!([]));
        })
        .await;
    let env = okta_env(&server);
    let file = std::env::temp_dir().join(format!("connector-input-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"userId":"00u1"}"#).unwrap();
    let at = format!("@{}", file.display());
    let output = connector(
        &["run", "okta", "list-user-roles", "--input", &at],
        &as_refs(&env),
        None,
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout_json(&output), json!({"roles": []}));
    let output = connector(
        &["run", "okta", "list-user-roles", "--input", "-"],
        &as_refs(&env),
        Some(r#"{"userId":"00u1"}"#),
    );
    assert_eq!(code(&output), 0);
    std::fs::remove_file(file).unwrap();
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn okta_answers_map_to_the_documented_exit_codes() {
    let cases = [
        (
            400,
            json!({"errorCode": "E0000001", "errorSummary": "Api validation failed: login", "errorCauses": [{"errorSummary": "login: An object with this field already exists"}]}),
            2,
            "invalid_input",
        ),
        (
            401,
            json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}),
            3,
            "authentication",
        ),
        (
            403,
            json!({"errorCode": "E0000006", "errorSummary": "You do not have permission"}),
            3,
            "permission_denied",
        ),
        (
            404,
            json!({"errorCode": "E0000007", "errorSummary": "Not found: Resource not found: nobody (User)"}),
            4,
            "not_found",
        ),
        (
            500,
            json!({"errorCode": "E0000009", "errorSummary": "Internal Server Error"}),
            6,
            "upstream",
        ),
    ];
    for (status, body, exit, kind) in cases {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path("/api/v1/users/nobody");
                then.status(status)
                    .header("content-type", "application/json")
                    .header("x-okta-request-id", "req-cli-1")
                    .json_body(body.clone());
            })
            .await;
        let env = okta_env(&server);
        let output = connector(
            &["run", "okta", "read-user", "--input", r#"{"id":"nobody"}"#],
            &as_refs(&env),
            None,
        );
        assert_eq!(code(&output), exit, "status {status}");
        let error = stderr_error(&output);
        assert_eq!(error["kind"], kind, "status {status}: {error}");
        assert_eq!(error["status"], status);
        assert_eq!(error["code"], body["errorCode"]);
        assert_eq!(error["requestId"], "req-cli-1");
        assert_eq!(error["attempts"], 1, "status {status} is not retried");
        assert!(output.stdout.is_empty());
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn a_429_that_asks_for_more_than_the_minute_exits_5_at_once() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            then.status(429)
                .header("retry-after", "120")
                .json_body(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}));
        })
        .await;
    let env = okta_env(&server);
    let output = connector(
        &["run", "okta", "read-user", "--input", r#"{"id":"00u1"}"#],
        &as_refs(&env),
        None,
    );
    assert_eq!(code(&output), 5);
    let error = stderr_error(&output);
    assert_eq!(error["kind"], "rate_limited");
    assert_eq!(error["retryAfterSeconds"], 120.0);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_429_that_outlasts_the_retries_exits_5_after_four_attempts() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u1");
            // Retry-After 0: the retries happen at once, so the test does not sleep.
            then.status(429)
                .header("retry-after", "0")
                .header("x-okta-request-id", "req-429")
                .json_body(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}));
        })
        .await;
    let env = okta_env(&server);
    let output = connector(
        &["run", "okta", "read-user", "--input", r#"{"id":"00u1"}"#],
        &as_refs(&env),
        None,
    );
    assert_eq!(code(&output), 5);
    let error = stderr_error(&output);
    assert_eq!(error["kind"], "rate_limited");
    assert_eq!(error["code"], "E0000047");
    assert_eq!(error["attempts"], 4);
    mock.assert_calls_async(4).await;
}

#[tokio::test]
async fn a_refused_connection_exits_7() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let output = connector(
        &[
            "run",
            "okta",
            "create-user",
            "--input",
            r#"{"profile":{"login":"a@example.com"}}"#,
        ],
        &[
            ("OKTA_ORG_URL", url.as_str()),
            ("OKTA_API_TOKEN", OKTA_TOKEN),
        ],
        None,
    );
    assert_eq!(code(&output), 7);
    assert_eq!(stderr_error(&output)["kind"], "transport");
}

#[tokio::test]
async fn dry_run_prints_the_request_with_the_secret_masked_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let env = okta_env(&server);
    let output = connector(
        &[
            "run",
            "okta",
            "create-user",
            "--input",
            r#"{"profile":{"login":"ada@example.com","email":"ada@example.com","firstName":"Ada","lastName":"L","role":"Support"},"password":"Pa55word-s3cr3t"}"#,
            "--dry-run",
        ],
        &as_refs(&env),
        None,
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = stdout_json(&output);
    assert_eq!(json["dryRun"], true);
    let request = &json["requests"][0];
    assert_eq!(request["method"], "POST");
    assert!(
        request["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/users?activate=true"),
        "{request}"
    );
    assert_eq!(request["headers"]["authorization"], "SSWS ****");
    assert_eq!(request["body"]["profile"]["role"], "Support");
    any.assert_calls_async(0).await;
}

/// A mock that fails the test if anything reaches it.
async fn nothing_may_arrive(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(418);
        })
        .await
}

#[tokio::test]
async fn dry_run_of_a_removal_by_role_type_lists_the_lookup_and_the_removal() {
    let server = MockServer::start_async().await;
    let any = nothing_may_arrive(&server).await;
    let env = okta_env(&server);
    let output = connector(
        &[
            "run",
            "okta",
            "remove-user-from-admin-role",
            "--input",
            r#"{"userId":"00u1","roleType":"HELP_DESK_ADMIN"}"#,
            "--dry-run",
        ],
        &as_refs(&env),
        None,
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = stdout_json(&output);
    let requests = json["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2, "{json}");
    assert_eq!(requests[0]["method"], "GET");
    assert!(
        requests[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/users/00u1/roles")
    );
    assert!(requests[0].get("dependsOnAnswer").is_none());
    assert_eq!(requests[1]["method"], "DELETE");
    assert!(
        requests[1]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/users/00u1/roles/:assignmentId"),
        "{json}"
    );
    assert_eq!(requests[1]["dependsOnAnswer"], true);
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn dry_run_of_a_search_says_that_pages_would_follow() {
    let server = MockServer::start_async().await;
    let any = nothing_may_arrive(&server).await;
    let env = okta_env(&server);
    let output = connector(
        &[
            "run",
            "okta",
            "search-users",
            "--input",
            r#"{"search":"profile.role eq \"Support\"","limit":100}"#,
            "--dry-run",
        ],
        &as_refs(&env),
        None,
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = stdout_json(&output);
    let requests = json["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "{json}");
    assert_eq!(requests[0]["method"], "GET");
    assert!(
        requests[0]["note"]
            .as_str()
            .unwrap()
            .contains("further pages would follow"),
        "{json}"
    );
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn run_boards_maps_graphql_errors_to_exit_codes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").header("authorization", BOARDS_TOKEN).body_includes("\"boardId\":\"1\"");
            then.status(200).json_body(json!({
                "data": {"boards": [{"id": "1", "name": "Ops", "state": "active", "board_kind": "public", "owners": [], "subscribers": [], "groups": [], "tags": [], "workspace": null}],
                         "complexity": {"query": 100, "after": 9_999_900, "reset_in_x_seconds": 60}},
                "extensions": {"request_id": "req-b-1"}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").body_includes("\"boardId\":\"404\"");
            then.status(200).json_body(json!({
                "data": {"boards": [], "complexity": {"query": 10, "after": 9_999_990, "reset_in_x_seconds": 60}},
                "extensions": {"request_id": "req-b-2"}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", "wrong-token");
            then.status(401)
                .json_body(json!({"errors": [{"message": "Not Authenticated"}]}));
        })
        .await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .body_includes("\"boardId\":\"500\"");
            then.status(500).body("Internal Server Error");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2").body_includes("\"boardId\":\"9\"");
            then.status(200).json_body(json!({
                "errors": [{"message": "User unauthorized to perform action", "extensions": {"code": "UserUnauthorizedException", "status_code": 403}}],
                "extensions": {"request_id": "req-b-3"}
            }));
        })
        .await;
    let url = format!("{}/v2", server.base_url());
    let env = [
        ("BOARDS_API_URL", url.as_str()),
        ("BOARDS_API_TOKEN", BOARDS_TOKEN),
    ];
    let ok = connector(
        &[
            "run",
            "boards",
            "read-board",
            "--input",
            r#"{"boardId":"1"}"#,
        ],
        &env,
        None,
    );
    assert_eq!(code(&ok), 0, "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(stdout_json(&ok)["name"], "Ops");
    let missing = connector(
        &[
            "run",
            "boards",
            "read-board",
            "--input",
            r#"{"boardId":"404"}"#,
        ],
        &env,
        None,
    );
    assert_eq!(code(&missing), 4);
    assert_eq!(stderr_error(&missing)["requestId"], "req-b-2");
    let denied = connector(
        &[
            "run",
            "boards",
            "read-board",
            "--input",
            r#"{"boardId":"9"}"#,
        ],
        &env,
        None,
    );
    assert_eq!(code(&denied), 3);
    assert_eq!(stderr_error(&denied)["code"], "UserUnauthorizedException");
    let broken = connector(
        &[
            "run",
            "boards",
            "read-board",
            "--input",
            r#"{"boardId":"500"}"#,
        ],
        &env,
        None,
    );
    assert_eq!(code(&broken), 6);
    assert_eq!(stderr_error(&broken)["attempts"], 1, "500 is not retried");
    failing.assert_calls_async(1).await;
    let bad = connector(
        &["run", "boards", "read-board", "--input", r#"{"board":"1"}"#],
        &env,
        None,
    );
    assert_eq!(code(&bad), 2);
    assert!(
        stderr_error(&bad)["message"]
            .as_str()
            .unwrap()
            .contains("board")
    );
}
