//! The generic HTTP card from the command line and from a flow: `connector run http
//! request` with and without a named connection, its errors and dry run, and a flow whose
//! `http.request` step uses a connection from `connector.toml`. Every request goes to an
//! `httpmock` server on loopback; no secret shows in any output.

use std::process::{Command, Output, Stdio};

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

use crate::serve_support::TempDir;

const TOKEN: &str = "tickets-tok-5e1f0c2b9a";

const FLOW: &str = r#"
name: open-ticket
trigger: { manual: {} }
subject: "{{ event.title }}"
steps:
  - id: create
    card: http.request
    connection: tickets
    input:
      method: POST
      url: /tickets
      headers: { X-Trace: "{{ run.id }}" }
      body: { title: "{{ event.title }}", priority: 2 }
  - id: done
    return: { outcome: opened, output: { id: "{{ steps.create.output.body.id }}" } }
"#;

fn connector(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_clear()
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the connector binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A folder with `connector.toml` naming the connection `tickets` (base URL on `server`,
/// the bearer token from `TICKETS_TOKEN`), returned with the file's path.
fn config(server: &MockServer) -> (TempDir, String) {
    let dir = TempDir::new("http-card");
    let path = dir.path().join("connector.toml");
    std::fs::write(
        &path,
        format!(
            "[connections.tickets]\nconnector = \"http\"\nbase_url = \"{}\"\nbearer = {{ env = \"TICKETS_TOKEN\" }}\n",
            server.url("/api")
        ),
    )
    .unwrap();
    (dir, path.display().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn run_http_request_with_a_named_connection_and_without_one() {
    let server = MockServer::start_async().await;
    let authed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/tickets/42")
                .query_param("expand", "comments")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"id":42,"title":"printer"}"#);
        })
        .await;
    let open = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/status")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "text/plain")
                .body("ok");
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/tickets/9");
            then.status(404)
                .header("content-type", "application/json")
                .body(r#"{"error":"no ticket 9"}"#);
        })
        .await;
    let (_dir, config) = config(&server);
    let env = [("TICKETS_TOKEN", TOKEN)];

    let out = connector(
        &[
            "run",
            "http",
            "request",
            "--connection",
            "tickets",
            "--config",
            &config,
            "--input",
            r#"{"url":"/tickets/42","query":{"expand":"comments"}}"#,
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["body"], json!({"id": 42, "title": "printer"}));
    assert_eq!(authed.calls_async().await, 1);
    assert!(!text(&out).contains(TOKEN));

    // Without a connection: no credential, and the token in the environment is not read.
    let url = server.url("/status");
    let input = json!({ "url": url }).to_string();
    let out = connector(
        &["run", "http", "request", "--input", &input],
        &[
            ("HTTP_BEARER", TOKEN),
            ("HTTP_BASE_URL", "https://elsewhere.example"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["body"], "ok");
    assert_eq!(open.calls_async().await, 1);

    // A 404: exit 4, the error on stderr with the status and the answer, no secret.
    let out = connector(
        &[
            "run",
            "http",
            "request",
            "--connection",
            "tickets",
            "--config",
            &config,
            "--input",
            r#"{"url":"/tickets/9"}"#,
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "not_found");
    assert_eq!(error["error"]["status"], 404);
    assert_eq!(
        error["error"]["response"]["body"],
        json!({"error": "no ticket 9"})
    );
    assert_eq!(missing.calls_async().await, 1);
    assert!(!text(&out).contains(TOKEN));

    // http to a host that is not loopback: refused before sending, exit 2.
    let out = connector(
        &[
            "run",
            "http",
            "request",
            "--input",
            r#"{"url":"http://api.example.com/x"}"#,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        (
            error["error"]["kind"].as_str(),
            error["error"]["attempts"].as_u64()
        ),
        (Some("invalid_input"), Some(0))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_nothing_and_masks_the_credential() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(418);
        })
        .await;
    let (_dir, config) = config(&server);
    let out = connector(
        &[
            "run",
            "http",
            "request",
            "--connection",
            "tickets",
            "--config",
            &config,
            "--dry-run",
            "--input",
            r#"{"method":"DELETE","url":"/tickets/42"}"#,
        ],
        &[("TICKETS_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["dryRun"], true);
    let request = &shown["requests"][0];
    assert_eq!(request["method"], "DELETE");
    assert_eq!(request["url"], server.url("/api/tickets/42"));
    assert_eq!(request["headers"]["authorization"], "Bearer ****");
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
    assert!(!text(&out).contains(TOKEN));
}

#[test]
fn describe_and_list_show_the_card() {
    let out = connector(&["describe", "http", "request"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let described: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(described["id"], "request");
    assert!(described["inputSchema"]["properties"]["url"].is_object());
    assert_eq!(
        described["inputSchema"]["required"],
        json!(["url"]),
        "{described}"
    );
    assert!(described["outputSchema"]["properties"]["statusCode"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_step_calls_http_request_on_a_named_connection() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/tickets")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_exists("x-trace")
                .json_body(json!({"title": "printer on fire", "priority": 2}));
            then.status(201)
                .header("content-type", "application/json")
                .body(r#"{"id":77}"#);
        })
        .await;
    let (dir, config) = config(&server);
    let flow = dir.path().join("open-ticket.yaml");
    std::fs::write(&flow, FLOW).unwrap();
    let flow = flow.display().to_string();
    let env = [("TICKETS_TOKEN", TOKEN)];

    let out = connector(&["flow", "validate", &flow, "--config", &config], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = connector(
        &[
            "flow",
            "run",
            &flow,
            "--config",
            &config,
            "--event",
            r#"{"title":"printer on fire"}"#,
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["outcome"], "opened", "{run}");
    assert_eq!(run["output"], json!({"id": 77}), "{run}");
    assert_eq!(run["steps"][0]["card"], "http.request", "{run}");
    assert_eq!(run["steps"][0]["output"]["statusCode"], 201, "{run}");
    assert_eq!(create.calls_async().await, 1);
    assert!(!text(&out).contains(TOKEN));

    // The step's connection must exist and be an http one.
    let wrong = dir.path().join("wrong.yaml");
    std::fs::write(
        &wrong,
        FLOW.replace("connection: tickets", "connection: nope"),
    )
    .unwrap();
    let out = connector(
        &[
            "flow",
            "validate",
            &wrong.display().to_string(),
            "--config",
            &config,
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("no connection named \"nope\""),
        "{}",
        text(&out)
    );
}
