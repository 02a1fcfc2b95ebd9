//! `connector serve` as a real process, by the triggers it loads: it asks only for the
//! secrets those need, mounts only their routes, and two replicas on one Postgres start
//! one run per fire time of a schedule.

use crate::pg_support::{Postgres, postgres_bin};
use crate::serve_support;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connector_runtime::Store;
use serve_support::{ServeSpec, all_runs, eventually, roomy_sandbox};

const TOKEN: &str = "invoke-token-5d1b";

/// A folder holding the shipped flows `files` (under `flows/`), or flow texts of its own.
fn folder(shipped: &[&str], own: &[(&str, &str)]) -> (serve_support::TempDir, String) {
    let keep = serve_support::TempDir::new("flows");
    let dir = keep.path().to_owned();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows");
    for file in shipped {
        let name = file.rsplit('/').next().unwrap();
        std::fs::copy(root.join(file), dir.join(name)).unwrap();
    }
    for (name, text) in own {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let shown = dir.display().to_string();
    (keep, shown)
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_only_an_http_flow_starts_without_the_hook_secret() {
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) = folder(&["examples/create-user-unless-it-exists.yaml"], &[]);
    let db = connector_runtime::TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir])
        .env("CONNECTOR_INVOKE_TOKEN", TOKEN)
        .without("OKTA_EVENT_HOOK_SECRET")
        .start();
    // The startup line names the bare listener, not Okta's hook.
    let base = serve.hook.clone();
    assert!(!base.contains("event-hook"), "{base}");
    let client = reqwest::Client::new();
    // No okta_event flow: no hook route.
    let hook = client
        .post(format!("{base}/okta/event-hook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 404);
    let started = client
        .post(format!("{base}/flows/create-user-unless-it-exists/runs"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"login": "ada@example.com", "firstName": "Ada", "lastName": "L"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(!serve.log().contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_an_okta_event_flow_still_needs_the_hook_secret() {
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) = folder(&["add-user-to-admin-role.yaml"], &[]);
    let db = connector_runtime::TempDb::new();
    let out = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir])
        .without("OKTA_EVENT_HOOK_SECRET")
        .command()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OKTA_EVENT_HOOK_SECRET"), "{stderr}");
    assert!(stderr.contains("add-user-to-admin-role"), "{stderr}");
}

const EVERY_MINUTE: &str = r#"
name: every-minute
trigger:
  schedule: { cron: "* * * * *" }
steps:
  - id: done
    return: { outcome: ticked, output: { at: "{{ event.scheduledAt }}" } }
"#;

/// `2026-12-07T06:32:00.000Z` for seconds since the epoch.
fn rfc3339(secs: u64) -> String {
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap(), 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Two replicas on one Postgres across one fire time of `* * * * *` (real time: the test
/// waits for the next minute, at most about 65 s): one run for it, started by one of them;
/// the other finds it started.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_serve_replicas_on_one_postgres_start_one_run_per_fire_time() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED: no initdb/pg_ctl (install the Debian package postgresql, or set PG_BIN)"
        );
        return;
    };
    let postgres = Postgres::start(bin);
    let sandbox = roomy_sandbox().await;
    let (_keep, dir) = folder(&[], &[("every-minute.yaml", EVERY_MINUTE)]);
    let spec = ServeSpec::new(&sandbox, &postgres.url())
        .args(&["--flows", &dir])
        .without("OKTA_EVENT_HOOK_SECRET");
    let replicas = [spec.start(), spec.start()];
    // The first whole minute at least 3 s away: both replicas poll before it and after.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fire = (now + 3).div_ceil(60) * 60;
    let scheduled_at = rfc3339(fire);
    let mentioned = |log: &str| log.contains(&format!("scheduled_at={scheduled_at}"));
    let both = eventually(Duration::from_secs(75), || async {
        replicas.iter().all(|r| mentioned(&r.log()))
    })
    .await;
    let logs: Vec<String> = replicas.iter().map(|r| r.log()).collect();
    assert!(both, "a replica never handled {scheduled_at}:\n{logs:#?}");
    let starters = logs
        .iter()
        .filter(|log| {
            log.lines()
                .any(|l| mentioned(l) && l.contains("scheduled run started"))
        })
        .count();
    assert_eq!(starters, 1, "{logs:#?}");
    let store = Store::open(&postgres.url()).await.unwrap();
    let runs = all_runs(&store).await;
    let at_fire: Vec<_> = runs
        .iter()
        .filter(|r| r.event["scheduledAt"] == scheduled_at.as_str())
        .collect();
    assert_eq!(at_fire.len(), 1, "{runs:#?}");
    assert_eq!(
        at_fire[0].event_id,
        format!("schedule:{}", scheduled_at.replace(".000Z", "Z"))
    );
    // No fire time has two runs, whatever the moment each replica polled.
    let mut fires: Vec<&serde_json::Value> = runs.iter().map(|r| &r.event["scheduledAt"]).collect();
    let all = fires.len();
    fires.dedup();
    assert_eq!(fires.len(), all, "{runs:#?}");
}
