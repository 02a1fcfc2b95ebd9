//! `connector serve` as an operator meets it: a refused token, the admin listener's token
//! rule, retries of a transient failure, dead letters and re-runs through the admin API and
//! `connector history`, metrics, and no secret anywhere at trace level.

use crate::serve_support;

use std::process::Command;
use std::time::Duration;

use connector_runtime::TempDb;
use connector_sandbox::{Fault, FaultRule, Method};
use serde_json::Value;
use serve_support::{HOOK_SECRET, ServeSpec, deliver, eventually, roomy_sandbox, support_users};

const ADMIN_TOKEN: &str = "admin-token-77d0e2b9c1";

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn outcome(client: &reqwest::Client, admin: &str, run_id: &str) -> Value {
    get_json(client, &format!("{admin}/history/{run_id}")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_okta_token_makes_serve_exit_3_at_start_naming_the_variable() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let mut spec = ServeSpec::new(&sandbox, &db.url());
    spec.token = "00-not-the-token-of-this-org".to_owned();
    let output = spec.command().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("OKTA_API_TOKEN"), "{stderr}");
    assert!(!stderr.contains("00-not-the-token-of-this-org"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_listener_beyond_loopback_needs_a_token_and_then_every_admin_route_does() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let mut beyond = ServeSpec::new(&sandbox, &db.url());
    beyond.admin_listen = "0.0.0.0:0".to_owned();
    let output = beyond.command().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("CONNECTOR_ADMIN_TOKEN"), "{stderr}");

    let serve = ServeSpec::new(&sandbox, &db.url())
        .env("CONNECTOR_ADMIN_TOKEN", ADMIN_TOKEN)
        .start();
    let client = reqwest::Client::new();
    for route in ["/", "/history", "/history/run_x", "/metrics", "/runs/run_x"] {
        let status = client
            .get(format!("{}{route}", serve.admin))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "{route}");
    }
    let status = client
        .post(format!("{}/history/run_x/rerun", serve.admin))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    let status = client
        .get(format!("{}/history", serve.admin))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    let ok = client
        .get(format!("{}/history", serve.admin))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // A browser gets the token in as Basic authentication's password.
    let ok = client
        .get(format!("{}/", serve.admin))
        .basic_auth("admin", Some(ADMIN_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // The probes answer without a token, on both listeners.
    let hook_base = serve.hook.trim_end_matches("/okta/event-hook");
    for base in [serve.admin.as_str(), hook_base] {
        for probe in ["/healthz", "/readyz"] {
            let status = client
                .get(format!("{base}{probe}"))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200, "{base}{probe}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transient_500_on_the_role_call_is_retried_on_the_schedule_and_a_redelivery_meanwhile_is_a_duplicate()
 {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "flaky", 1);
    // The role call fails once with 500: the pipeline does not retry a 500, the runtime does.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status(500))
            .method(Method::POST)
            .path_prefix("/api/v1/users/")
            .times(1),
    );
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flow-backoff", "1500ms,1500ms"])
        .start();
    let client = reqwest::Client::new();
    let event = [("evt-flaky".to_owned(), users[0].clone())];
    assert_eq!(deliver(&client, &serve.hook, &event).await.0, 200);
    let history = format!("{}/history", serve.admin);
    let retrying = eventually(Duration::from_secs(10), || async {
        get_json(&client, &format!("{history}?state=retrying")).await["runs"][0]["runId"]
            .is_string()
    })
    .await;
    assert!(retrying, "{}", serve.log());
    let page = get_json(&client, &format!("{history}?state=retrying")).await;
    let run_id = page["runs"][0]["runId"].as_str().unwrap().to_owned();
    let run = outcome(&client, &serve.admin, &run_id).await;
    assert_eq!(run["tries"], 1);
    assert_eq!(run["error"]["kind"], "upstream");
    assert_eq!(run["error"]["status"], 500);
    // Okta redelivers meanwhile: a duplicate, no second run.
    let (status, answer) = deliver(&client, &serve.hook, &event).await;
    assert_eq!(
        (status, answer["accepted"].clone()),
        (200, serde_json::json!([]))
    );
    let assigned = eventually(Duration::from_secs(10), || async {
        outcome(&client, &serve.admin, &run_id).await["outcome"] == "assigned"
    })
    .await;
    assert!(assigned, "{}", serve.log());
    let run = outcome(&client, &serve.admin, &run_id).await;
    assert_eq!(run["tries"], 2);
    let page = get_json(&client, &history).await;
    assert_eq!(page["runs"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(
        sandbox.okta().user_role_types(&users[0]),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    let metrics = client
        .get(format!("{}/metrics", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains(r#"connector_deliveries_total{trigger="okta_event",result="duplicate"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"connector_runs_total{flow="add-user-to-admin-role",state="retrying",outcome=""} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"connector_runs_total{flow="add-user-to-admin-role",state="finished",outcome="assigned"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_dead_lettered_at_once_shown_everywhere_and_a_rerun_after_the_fix_succeeds() {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "gone", 1);
    // The user reads as deleted (404) until the fault is cleared: the cause, then the fix.
    let gone = format!(
        r#"{{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: {} (User)","errorLink":"E0000007","errorId":"oae404","errorCauses":[]}}"#,
        users[0]
    );
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status_with(
            404,
            gone,
            [("content-type".to_owned(), "application/json".to_owned())],
        ))
        .method(Method::GET)
        .path_prefix("/api/v1/users/")
        .times(1_000),
    );
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-gone".to_owned(), users[0].clone())]
        )
        .await
        .0,
        200
    );
    let url = format!("{}/history?state=deadLettered", serve.admin);
    let dead = eventually(Duration::from_secs(10), || async {
        get_json(&client, &url).await["runs"]
            .as_array()
            .is_some_and(|r| r.len() == 1)
    })
    .await;
    assert!(dead, "{}", serve.log());
    let run = get_json(&client, &url).await["runs"][0].clone();
    assert_eq!(run["tries"], 1, "dead-lettered at once: {run}");
    assert_eq!(run["steps"][0]["error"]["code"], "E0000007", "{run}");
    assert_eq!(run["state"], "deadLettered", "{run}");
    assert_eq!(
        run["outcome"],
        Value::Null,
        "a dead-lettered run has no outcome: {run}"
    );
    let run_id = run["runId"].as_str().unwrap().to_owned();

    let history = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["history", "--store", &db.url(), "--state", "deadLettered"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(
        history.status.success(),
        "{}",
        String::from_utf8_lossy(&history.stderr)
    );
    assert!(
        text.contains(&run_id) && text.contains("deadLettered") && text.contains("E0000007"),
        "{text}"
    );
    let metrics = client
        .get(format!("{}/metrics", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"connector_runs_total{flow="add-user-to-admin-role",state="deadLettered",outcome=""} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"connector_api_attempts_total{connector="okta",action="read-user",status="404"} 1"#
        ),
        "{metrics}"
    );

    // Fix the cause, then resume: once from the CLI (a running serve picks it up), and a
    // second resume of a run that is no longer dead-lettered is refused.
    sandbox.okta().faults().clear();
    let resume = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["history", "resume", &run_id, "--store", &db.url()])
        .output()
        .unwrap();
    assert!(
        resume.status.success(),
        "{}",
        String::from_utf8_lossy(&resume.stderr)
    );
    let assigned = eventually(Duration::from_secs(10), || async {
        outcome(&client, &serve.admin, &run_id).await["outcome"] == "assigned"
    })
    .await;
    assert!(assigned, "{}", serve.log());
    let resumed = outcome(&client, &serve.admin, &run_id).await;
    assert_eq!(resumed["tries"], 2, "{resumed}");
    let again = client
        .post(format!("{}/history/{run_id}/resume", serve.admin))
        .header("x-requested-by", "connector")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(
        sandbox.okta().user_role_types(&users[0]),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );
    // A re-run is a new run from the same event, for any run, linked by rerunOf: the
    // template finds the role assigned.
    let rerun = client
        .post(format!("{}/history/{run_id}/rerun", serve.admin))
        .header("x-requested-by", "connector")
        .send()
        .await
        .unwrap();
    assert_eq!(rerun.status(), 201, "{}", serve.log());
    let rerun: Value = rerun.json().await.unwrap();
    let new_id = rerun["runId"].as_str().unwrap().to_owned();
    assert_ne!(new_id, run_id);
    let already = eventually(Duration::from_secs(10), || async {
        outcome(&client, &serve.admin, &new_id).await["outcome"] == "alreadyAssigned"
    })
    .await;
    assert!(already, "{}", serve.log());
    assert_eq!(
        outcome(&client, &serve.admin, &new_id).await["rerunOf"],
        run_id.as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_shows_in_history_pages_metrics_or_trace_logs() {
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "secret", 3);
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .env("CONNECTOR_LOG", "trace")
        .env("CONNECTOR_ADMIN_TOKEN", ADMIN_TOKEN)
        .start();
    let client = reqwest::Client::new();
    let events: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("evt-secret-{i}"), u.clone()))
        .collect();
    assert_eq!(deliver(&client, &serve.hook, &events).await.0, 200);
    // A wrong secret, logged as refused without the secret it was compared with.
    let refused = client
        .post(&serve.hook)
        .header("authorization", "nope")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let get = |path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let done = eventually(Duration::from_secs(10), || async {
        get(format!("{}/history?outcome=assigned", serve.admin))
            .await
            .matches("\"runId\"")
            .count()
            == 3
    })
    .await;
    assert!(done, "{}", serve.log());
    let history = get(format!("{}/history", serve.admin)).await;
    let run_id = serde_json::from_str::<Value>(&history).unwrap()["runs"][0]["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let texts = [
        ("history", history),
        ("page", get(format!("{}/", serve.admin)).await),
        (
            "run page",
            get(format!("{}/runs/{run_id}", serve.admin)).await,
        ),
        ("metrics", get(format!("{}/metrics", serve.admin)).await),
        ("log", serve.log()),
    ];
    let okta_token = sandbox.okta().api_token().to_owned();
    for (name, text) in &texts {
        for secret in [okta_token.as_str(), HOOK_SECRET, ADMIN_TOKEN] {
            assert!(!text.contains(secret), "a secret shows in the {name}");
        }
    }
    assert!(
        texts[4].1.contains("TRACE") || texts[4].1.contains("DEBUG"),
        "the log is not at trace level"
    );
    assert!(texts[4].1.contains("run finished"), "{}", texts[4].1);
}
