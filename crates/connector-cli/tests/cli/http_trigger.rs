//! The `http` trigger through real HTTP: `POST /flows/{name}/runs` with the invoke token,
//! de-duplicated by `Idempotency-Key`, answered at once (202) or when the run ends
//! (`?wait=`), and refused without the token before anything is read or stored.

use crate::serve_support;

use std::path::PathBuf;
use std::time::Duration;

use connector_runtime::TempDb;
use serde_json::{Value, json};
use serve_support::{ServeSpec, eventually, roomy_sandbox};

const TOKEN: &str = "invoke-token-7c2e";

/// A folder with the example `create-user-unless-it-exists` (an http trigger) and the
/// template (an Okta event trigger).
fn flows() -> (serve_support::TempDir, PathBuf) {
    let keep = serve_support::TempDir::new("flows");
    let dir = keep.path().to_owned();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows");
    for (from, to) in [
        ("examples/create-user-unless-it-exists.yaml", "create.yaml"),
        ("add-user-to-admin-role.yaml", "template.yaml"),
    ] {
        std::fs::copy(shipped.join(from), dir.join(to)).unwrap();
    }
    (keep, dir)
}

async fn history(client: &reqwest::Client, admin: &str) -> Vec<Value> {
    let page: Value = client
        .get(format!("{admin}/history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["runs"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_http_trigger_starts_runs_once_per_key_and_refuses_without_its_token() {
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) = flows();
    let db = TempDb::new();
    let dir_arg = dir.display().to_string();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = serve.hook.trim_end_matches("/okta/event-hook").to_owned();
    let url = format!("{base}/flows/create-user-unless-it-exists/runs");
    let client = reqwest::Client::new();
    let ada = json!({"login": "ada@example.com", "firstName": "Ada", "lastName": "L"});

    // No token, a wrong one, and no token for an unknown flow: 401, nothing stored.
    for (target, token) in [
        (&url, None),
        (&url, Some("wrong")),
        (&format!("{base}/flows/nope/runs"), None),
    ] {
        let mut request = client.post(target.as_str()).json(&ada);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.unwrap().status(), 401, "{target}");
    }
    assert!(history(&client, &serve.admin).await.is_empty());
    // With the token: an unknown flow, and a flow without an http trigger, are 404.
    for name in ["nope", "add-user-to-admin-role"] {
        let status = client
            .post(format!("{base}/flows/{name}/runs"))
            .bearer_auth(TOKEN)
            .json(&ada)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{name}");
    }

    // 202, then the run.
    let started = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let run_id = started.json::<Value>().await.unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = eventually(Duration::from_secs(10), || async {
        history(&client, &serve.admin)
            .await
            .iter()
            .any(|r| r["runId"] == run_id.as_str() && r["outcome"] == "created")
    })
    .await;
    assert!(created, "{}", serve.log());
    assert!(sandbox.okta().user("ada@example.com").is_some());

    // ?wait=5: the outcome in the answer (the login is taken now).
    let waited = client
        .post(format!("{url}?wait=5"))
        .bearer_auth(TOKEN)
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(waited.status(), 200);
    let waited: Value = waited.json().await.unwrap();
    assert_eq!(waited["outcome"], "alreadyExists", "{waited}");
    assert_eq!(waited["output"], json!({"login": "ada@example.com"}));

    // The same Idempotency-Key twice: one run; with another body: 409.
    let grace = json!({"login": "grace@example.com", "firstName": "Grace", "lastName": "H"});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let answer = client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("idempotency-key", "ticket-4711")
            .json(&grace)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202);
        ids.push(answer.json::<Value>().await.unwrap()["runId"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    let other = client
        .post(&url)
        .bearer_auth(TOKEN)
        .header("idempotency-key", "ticket-4711")
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 409);
    let done = eventually(Duration::from_secs(10), || async {
        history(&client, &serve.admin).await.len() == 3
    })
    .await;
    assert!(done, "{:?}", history(&client, &serve.admin).await);

    // Not a JSON object, and over 1 MiB.
    let not_object = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!([1]))
        .send()
        .await
        .unwrap();
    assert_eq!(not_object.status(), 400);
    let big = client
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    assert_eq!(history(&client, &serve.admin).await.len(), 3);
    assert!(!serve.log().contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_an_http_flow_needs_the_invoke_token() {
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) = flows();
    let db = TempDb::new();
    let dir_arg = dir.display().to_string();
    let out = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .command()
        .env_remove("CONNECTOR_INVOKE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONNECTOR_INVOKE_TOKEN"));
}
