//! Hostile flows through a real `connector serve`: expression bombs fail fast as
//! `invalid_input` while the service keeps answering, a value nested 5,000 deep is refused
//! without taking the process down, and Flow History masks every secret-named field of a
//! run in every view while the `?wait=` answer gives the caller the flow's own output.

use crate::serve_support;

use std::time::{Duration, Instant};

use connector_runtime::TempDb;
use serde_json::{Value, json};
use serve_support::{ServeSpec, TempDir, eventually, roomy_sandbox};

const TOKEN: &str = "invoke-token-hostile-5e1";

/// Flows started by the http trigger, each from its YAML text.
fn flows(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("flows");
    for (name, text) in files {
        std::fs::write(dir.path().join(format!("{name}.yaml")), text).unwrap();
    }
    dir
}

fn assign_flow(name: &str, expr: &str) -> String {
    format!(
        "name: {name}\ntrigger: {{ http: {{}} }}\nsteps:\n  - id: bomb\n    assign: {{ n: \"{expr}\" }}\n  - id: done\n    return: {{ outcome: survived }}\n"
    )
}

async fn start(client: &reqwest::Client, base: &str, flow: &str, event: &Value) -> String {
    let answer = client
        .post(format!("{base}/flows/{flow}/runs"))
        .bearer_auth(TOKEN)
        .json(event)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202, "{flow}");
    answer.json::<Value>().await.unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn run_of(client: &reqwest::Client, admin: &str, id: &str) -> Value {
    client
        .get(format!("{admin}/history/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

/// The peak resident memory of a process, in KiB (Linux).
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn expression_bombs_fail_fast_as_invalid_input_while_serve_answers() {
    let sandbox = roomy_sandbox().await;
    let sum = assign_flow("bomb-sum", "(range(100000) * 5000) | sum");
    let join = assign_flow("bomb-join", "([(event.x * 100000000)] * 8) | join | length");
    let join40 = assign_flow(
        "bomb-join-40",
        "([(event.x * 100000000)] * 40) | join | length",
    );
    let grow = assign_flow("bomb-grow", "([event.x * 16000000] * 8) | join | length");
    let dir = flows(&[
        ("sum", &sum),
        ("join", &join),
        ("join40", &join40),
        ("grow", &grow),
    ]);
    let db = TempDb::new();
    let dir_arg = dir.path().display().to_string();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = serve.hook.trim_end_matches("/okta/event-hook").to_owned();
    let client = reqwest::Client::new();
    let event = json!({"x": "x"});
    let started = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..3 {
        for flow in ["bomb-sum", "bomb-join", "bomb-join-40", "bomb-grow"] {
            ids.push(start(&client, &base, flow, &event).await);
        }
    }
    // While they run, both listeners' probes answer within 1 s.
    let mut slowest = Duration::ZERO;
    let mut all_ended = false;
    for _ in 0..400 {
        for probe in [
            format!("{base}/healthz"),
            format!("{}/healthz", serve.admin),
        ] {
            let asked = Instant::now();
            let status = client
                .get(&probe)
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            let took = asked.elapsed();
            slowest = slowest.max(took);
            assert_eq!(status, 200, "{probe}: {}", serve.log());
            assert!(took < Duration::from_secs(1), "{probe} took {took:?}");
        }
        let mut ended = 0;
        for id in &ids {
            if run_of(&client, &serve.admin, id).await["state"] == "deadLettered" {
                ended += 1;
            }
        }
        if ended == ids.len() {
            all_ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(all_ended, "{}", serve.log());
    let elapsed = started.elapsed();
    for id in &ids {
        let run = run_of(&client, &serve.admin, id).await;
        let error = &run["error"];
        assert_eq!(error["kind"], "invalid_input", "{run}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("16 MiB") || message.contains("budget"),
            "{message}"
        );
    }
    let peak = peak_kib(serve.pid()).unwrap_or(0);
    eprintln!(
        "12 bombs ended in {elapsed:?}; slowest probe {slowest:?}; serve's peak memory {} MiB",
        peak / 1024
    );
    // Measured: well under 100 MiB; a bomb that built its value would take gigabytes.
    assert!(peak < 1024 * 1024, "peak {peak} KiB");
    // Twelve bombs end in a fraction of a second each; measured below 2 s in all.
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_nested_5000_deep_is_refused_and_serve_stays_up() {
    let sandbox = roomy_sandbox().await;
    let deep = "name: deep\ntrigger: { http: {} }\nsteps:\n  - id: done\n    return:\n      outcome: deep\n      output: { v: \"{% set ns = namespace(v=1) %}{% for i in range(5000) %}{% set ns.v = [ns.v] %}{% endfor %}{{ ns.v }}\" }\n";
    let fine = "name: fine\ntrigger: { http: {} }\nsteps:\n  - id: done\n    return: { outcome: fine, output: { n: \"{{ event.n }}\" } }\n";
    let dir = flows(&[("deep", deep), ("fine", fine)]);
    let db = TempDb::new();
    let dir_arg = dir.path().display().to_string();
    let mut serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = serve.hook.trim_end_matches("/okta/event-hook").to_owned();
    let client = reqwest::Client::new();
    let id = start(&client, &base, "deep", &json!({})).await;
    let refused = eventually(Duration::from_secs(20), || async {
        run_of(&client, &serve.admin, &id).await["state"] == "deadLettered"
    })
    .await;
    assert!(refused, "{}", serve.log());
    let run = run_of(&client, &serve.admin, &id).await;
    let error = &run["error"];
    assert_eq!(error["kind"], "invalid_input", "{run}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deeper than 128"),
        "{run}"
    );
    // The process is the same one, and still runs flows.
    assert!(serve.wait_exit(Duration::from_millis(10)).is_none());
    let waited: Value = client
        .post(format!("{base}/flows/fine/runs?wait=10"))
        .bearer_auth(TOKEN)
        .json(&json!({"n": 7}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(waited["output"], json!({"n": 7}), "{}", serve.log());
}

/// Each secret name of the rule, with a value that must never show.
fn secrets() -> Value {
    json!({
        "accessToken": "SECRET-access-91",
        "client_secret": "SECRET-client-92",
        "pw": "SECRET-pw-93",
        "apiKeys": ["SECRET-apikey-94"],
        "passwords": "SECRET-passwords-95",
        "secretKey": "SECRET-secretkey-96",
        "credential": "SECRET-credential-97",
        "user_pwd": "SECRET-pwd-98",
        "passwd": "SECRET-passwd-99",
        "login": "ada@example.com",
        "passwordChanged": null
    })
}

fn assert_masked(view: &str, text: &str) {
    assert!(!text.contains("SECRET-"), "{view} shows a secret:\n{text}");
    assert!(
        text.contains("ada@example.com"),
        "{view} lost the login:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_view_of_a_run_masks_the_event_and_the_output_but_the_wait_answer_does_not() {
    let sandbox = roomy_sandbox().await;
    let echo = "name: echo\ntrigger: { http: {} }\nsteps:\n  - id: keep\n    assign: { seen: \"event\" }\n  - id: done\n    return: { outcome: echoed, output: \"{{ event }}\" }\n";
    let dir = flows(&[("echo", echo)]);
    let db = TempDb::new();
    let dir_arg = dir.path().display().to_string();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .start();
    let base = serve.hook.trim_end_matches("/okta/event-hook").to_owned();
    let client = reqwest::Client::new();
    let waited: Value = client
        .post(format!("{base}/flows/echo/runs?wait=10"))
        .bearer_auth(TOKEN)
        .json(&secrets())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The caller gets the flow's own return.
    assert_eq!(waited["output"], secrets(), "{waited}");
    let id = waited["runId"].as_str().unwrap().to_owned();

    let one = client
        .get(format!("{}/history/{id}", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_masked("/history/{id}", &one);
    let run: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(run["event"]["accessToken"], "****");
    assert_eq!(run["output"]["pw"], "****");
    assert_eq!(run["event"]["passwordChanged"], Value::Null);
    let page = client
        .get(format!("{}/history?flow=echo", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_masked("/history?flow=echo", &page);
    let html = client
        .get(format!("{}/runs/{id}", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("SECRET-"), "the run page shows a secret");
    let index = client
        .get(format!("{}/", serve.admin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !index.contains("SECRET-"),
        "the history page shows a secret"
    );

    for args in [&["--json"][..], &[][..]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
            .args(["history", "--store", &db.url()])
            .args(args)
            .env_remove("CONNECTOR_LOG")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            !text.contains("SECRET-"),
            "history {args:?} shows a secret:\n{text}"
        );
        assert!(text.contains(&id), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_out_of_the_flows_folder_is_named_and_its_content_never_shown() {
    let sandbox = roomy_sandbox().await;
    let dir = flows(&[(
        "fine",
        "name: fine\ntrigger: { manual: {} }\nsteps:\n  - id: done\n    return: { outcome: ok }\n",
    )]);
    let outside = TempDir::new("outside");
    let marker = "MARKER-shadow-5f0c2e";
    let secret = outside.path().join("shadow");
    std::fs::write(&secret, format!("root:{marker}:19000:0:99999:7:::\n")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("evil.yaml")).unwrap();

    let validate = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["flow", "validate"])
        .arg(dir.path())
        .env_remove("CONNECTOR_LOG")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );
    assert_eq!(validate.status.code(), Some(2), "{said}");
    assert!(said.contains("evil.yaml"), "{said}");
    assert!(!said.contains(marker), "{said}");

    let db = TempDb::new();
    let dir_arg = dir.path().display().to_string();
    let mut serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .command()
        .spawn()
        .unwrap();
    let mut status = None;
    for _ in 0..200 {
        status = serve.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if status.is_none() {
        let _ = serve.kill();
    }
    let mut said = String::new();
    use std::io::Read as _;
    if let Some(mut stderr) = serve.stderr.take() {
        stderr.read_to_string(&mut said).unwrap();
    }
    assert_eq!(status.and_then(|s| s.code()), Some(2), "{said}");
    assert!(said.contains("evil.yaml"), "{said}");
    assert!(!said.contains(marker), "{said}");
}
