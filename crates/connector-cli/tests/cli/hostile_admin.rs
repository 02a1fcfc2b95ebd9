//! The admin listener against requests from other origins and other names: the `Host`
//! check, the security headers, the rules for POSTs, and `/metrics` read by Prometheus'
//! own parsers.

use crate::serve_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use connector_runtime::TempDb;
use connector_sandbox::{Fault, FaultRule, Method};
use reqwest::StatusCode;
use serde_json::Value;
use serve_support::{ServeSpec, deliver, eventually, roomy_sandbox, support_users};

const ADMIN_TOKEN: &str = "admin-token-5b1e";

async fn post(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = client.post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread")]
async fn another_host_gets_421_and_every_answer_forbids_framing() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--admin-host", "flows.internal"])
        .start();
    let client = reqwest::Client::new();
    let get = |path: &str, host: &str| {
        client
            .get(format!("{}{path}", serve.admin))
            .header("host", host.to_owned())
            .send()
    };
    for path in ["/", "/history", "/metrics", "/runs/r1"] {
        let answer = get(path, "evil.example").await.unwrap();
        assert_eq!(answer.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    let port = serve.admin_addr().rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "flows.internal".to_owned(),
    ] {
        assert_eq!(
            get("/history", &host).await.unwrap().status(),
            200,
            "{host}"
        );
    }
    // The probes answer any Host.
    assert_eq!(get("/healthz", "evil.example").await.unwrap().status(), 200);
    let page = get("/", &format!("127.0.0.1:{port}")).await.unwrap();
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_passes_only_with_proof_that_it_is_not_cross_site() {
    let sandbox = roomy_sandbox().await;
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    let url = format!("{}/history/run_x/rerun", serve.admin);
    let same = serve.admin.clone();
    // Past the guard, an unknown run is 404: that is how a POST that passed shows here.
    let cases: Vec<(Vec<(&str, &str)>, StatusCode)> = vec![
        (vec![], StatusCode::FORBIDDEN),
        (vec![("x-requested-by", "connector")], StatusCode::NOT_FOUND),
        (vec![("x-requested-by", "someone")], StatusCode::FORBIDDEN),
        (
            vec![
                ("x-requested-by", "connector"),
                ("sec-fetch-site", "cross-site"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            vec![
                ("x-requested-by", "connector"),
                ("sec-fetch-site", "same-site"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            vec![
                ("x-requested-by", "connector"),
                ("origin", "http://127.0.0.1:1"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            vec![
                ("x-requested-by", "connector"),
                ("origin", same.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            vec![
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", same.as_str()),
            ],
            StatusCode::FORBIDDEN,
        ),
    ];
    for (headers, expected) in cases {
        assert_eq!(post(&client, &url, &headers).await, expected, "{headers:?}");
    }
    let forged = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // With an admin token, the Basic authentication a browser resends is not enough.
    let db = TempDb::new();
    let guarded = ServeSpec::new(&sandbox, &db.url())
        .env("CONNECTOR_ADMIN_TOKEN", ADMIN_TOKEN)
        .start();
    let url = format!("{}/history/run_x/rerun", guarded.admin);
    let basic = client
        .post(&url)
        .basic_auth("admin", Some(ADMIN_TOKEN))
        .header("x-requested-by", "connector")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::FORBIDDEN);
    let bearer = client
        .post(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::NOT_FOUND);
}

/// A Python with `prometheus_client`, in a virtual environment kept under cargo's
/// `target/tmp`; `Err` says why there is none.
fn python_with_prometheus_client() -> Result<PathBuf, String> {
    const VERSION: &str = "0.21.1";
    let venv =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prometheus-client-{VERSION}"));
    let python = venv.join("bin").join("python");
    let works = |python: &PathBuf| {
        Command::new(python)
            .args([
                "-c",
                "import prometheus_client.parser, prometheus_client.openmetrics.parser",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3 cannot run: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&made.stderr)
        ));
    }
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--timeout", "30", "--retries", "2"])
        .arg(format!("prometheus_client=={VERSION}"))
        .output()
        .map_err(|e| format!("pip cannot run: {e}"))?;
    if !pip.status.success() || !works(&python) {
        return Err(format!(
            "pip could not install prometheus_client (is the package index reachable?): {}",
            String::from_utf8_lossy(&pip.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ));
    }
    Ok(python)
}

/// Parses `text` with prometheus_client's classic or OpenMetrics parser and prints
/// `name type` per family.
const PARSE: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families as classic
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
parse = openmetrics if sys.argv[1] == "openmetrics" else classic
for family in parse(sys.stdin.read()):
    print(family.name, family.type, sum(s.value for s in family.samples if s.name.endswith("_total")))
"#;

fn parse_with(python: &PathBuf, format: &str, text: &str) -> String {
    use std::io::Write as _;
    let mut child = Command::new(python)
        .args(["-c", PARSE, format])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{format} parser: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_parse_with_prometheus_own_parsers_in_both_formats_with_counter_types_intact() {
    let python = match python_with_prometheus_client() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
    let sandbox = roomy_sandbox().await;
    let users = support_users(&sandbox, "metric", 1);
    // The role call is answered 429 once: one API call, two attempts on the wire.
    sandbox.okta().faults().push(
        FaultRule::new(Fault::status_with(
            429,
            "{}",
            [("retry-after".to_owned(), "0".to_owned())],
        ))
        .method(Method::POST)
        .path_prefix("/api/v1/users/")
        .times(1),
    );
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url()).start();
    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &serve.hook,
            &[("evt-m".to_owned(), users[0].clone())]
        )
        .await
        .0,
        200
    );
    let big = client
        .post(&serve.hook)
        .header("authorization", serve_support::HOOK_SECRET)
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    assert_eq!(client.post(&serve.hook).send().await.unwrap().status(), 401);
    let finished = eventually(Duration::from_secs(10), || async {
        let page: Value = client
            .get(format!("{}/history?outcome=assigned", serve.admin))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["runs"].as_array().is_some_and(|runs| runs.len() == 1)
    })
    .await;
    assert!(finished, "{}", serve.log());
    let scrape = |accept: Option<&'static str>| {
        let mut request = client.get(format!("{}/metrics", serve.admin));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        async move {
            let answer = request.send().await.unwrap();
            let kind = answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (kind, answer.text().await.unwrap())
        }
    };
    let (kind, classic) = scrape(None).await;
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let (kind, open) = scrape(Some("application/openmetrics-text; version=1.0.0")).await;
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    for (format, text) in [("classic", &classic), ("openmetrics", &open)] {
        let families = parse_with(&python, format, text);
        let family = |name: &str| {
            families
                .lines()
                .find(|l| l.starts_with(&format!("connector_{name} ")))
                .unwrap_or_else(|| panic!("{format}: no {name} in\n{families}"))
                .to_owned()
        };
        assert!(
            family("deliveries").contains(" counter "),
            "{format}: {families}"
        );
        assert!(family("runs").contains(" counter "), "{format}: {families}");
        assert!(
            family("api_attempts").contains(" counter "),
            "{format}: {families}"
        );
    }
    let sample = |name: &str| {
        classic
            .lines()
            .filter(|l| l.starts_with(name))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let deliveries = sample("connector_deliveries_total{");
    for result in ["accepted", "too_large", "unauthorized"] {
        assert!(
            deliveries
                .iter()
                .any(|l| l.contains(&format!("result=\"{result}\"")) && l.ends_with(" 1")),
            "{result}: {deliveries:?}"
        );
    }
    let attempts = sample("connector_api_attempts_total{");
    assert!(
        attempts
            .iter()
            .any(|l| l.contains("status=\"429\"") && l.ends_with(" 1")),
        "each attempt is counted with its own status: {attempts:?}"
    );
    assert!(
        attempts
            .iter()
            .any(|l| l.contains("status=\"201\"") || l.contains("status=\"200\"")),
        "{attempts:?}"
    );
}
