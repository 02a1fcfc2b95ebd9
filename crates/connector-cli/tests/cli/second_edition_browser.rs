//! The pages of the second edition's forms, in a browser: a run with a call, a `for_each`
//! of calls and a signal wait it is parked on, drawn nested and readable at 1,280 px.

use std::time::Duration;

use connector_runtime::{RunState, Store, TempDb};
use serde_json::{Value, json};

use crate::serve_support::{self, ServeSpec, eventually, roomy_sandbox};

const TOKEN: &str = "invoke-token-b70c";

const HELPER: &str = r#"
name: greet
trigger: { callable: { input: { type: object, required: [name] } } }
steps:
  - id: hello
    assign: { text: "'hello ' ~ event.name" }
  - id: greeted
    return: { outcome: greeted, output: { text: "{{ steps.hello.output.text }}" } }
"#;

const PARENT: &str = r#"
name: greet-then-approve
trigger: { http: {} }
steps:
  - id: first
    call: greet
    input: { name: "{{ event.name }}" }
  - id: everyone
    for_each: "event.names"
    as: person
    call: greet
    input: { name: "{{ person }}" }
  - id: approval
    wait: { signal: approval, timeout: 2d }
  - id: approved
    return: { outcome: approved }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_run_with_calls_and_a_signal_wait_is_drawn_nested_and_fits_1280_px() {
    let sandbox = roomy_sandbox().await;
    let flows = serve_support::TempDir::new("second-edition-pages");
    std::fs::write(flows.path().join("greet.yaml"), HELPER).unwrap();
    std::fs::write(flows.path().join("parent.yaml"), PARENT).unwrap();
    let db = TempDb::new();
    let url = db.url();
    let dir = flows.path().display().to_string();
    let serve = ServeSpec::new(&sandbox, &url)
        .args(&["--flows", &dir])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = format!("http://{}", serve.hook_addr());
    let started: Value = reqwest::Client::new()
        .post(format!("{base}/flows/greet-then-approve/runs"))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "Ada", "names": ["Grace", "Edsger", "Barbara"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["runId"].as_str().unwrap().to_owned();
    let store = Store::open(&url).await.unwrap();
    let parked = eventually(Duration::from_secs(15), || async {
        store.state_of(&id).await.unwrap() == Some(RunState::Waiting)
    })
    .await;
    assert!(parked, "the run never parked: {}", serve.log());

    // The run's JSON: the callee's steps journaled under the call, per item in the loop.
    let run: Value = reqwest::Client::new()
        .get(format!("{}/history/{id}", serve.admin))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for nested in [
        "first/hello",
        "first/greeted",
        "everyone[0]/hello",
        "everyone[2]/greeted",
    ] {
        assert!(ids.contains(&nested), "no {nested} in {ids:?}");
    }
    assert_eq!(run["state"], "waiting");
    assert_eq!(run["waitingFor"]["signal"], "approval", "{run}");

    let html = reqwest::get(format!("{}/runs/{id}", serve.admin))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("hello Grace") || html.contains("greeted"),
        "{html}"
    );
    assert!(
        html.contains("waiting for") && html.contains("approval"),
        "{html}"
    );

    let Some(chromium) = crate::browser_support::chromium() else {
        eprintln!(
            "SKIPPED: no chromium on PATH (install the Debian package chromium, or set CHROMIUM)"
        );
        return;
    };
    let mut browser = crate::browser_support::Browser::start(&chromium).await;
    for (name, path) in [
        ("run", format!("/runs/{id}")),
        ("flow", "/flows/greet-then-approve".to_owned()),
    ] {
        browser.open(&format!("{}{path}", serve.admin)).await;
        let png = browser.screenshot_at_1280().await;
        assert!(png.starts_with(b"\x89PNG"), "no screenshot of {path}");
        let shot = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("second-edition-{name}.png"));
        std::fs::write(&shot, &png).unwrap();
        let wide = browser.eval("document.documentElement.scrollWidth").await;
        assert!(
            wide.as_u64().is_some_and(|w| w <= 1280),
            "{path} is {wide} px wide"
        );
    }
    // The calls' steps are drawn inside their call step: nested cards exist on the page.
    browser.open(&format!("{}/runs/{id}", serve.admin)).await;
    let nested = browser
        .eval("document.querySelectorAll('.steps.nested .step').length")
        .await;
    assert!(
        nested.as_u64().is_some_and(|n| n >= 8),
        "nested step cards on the run page: {nested}"
    );
}
