//! `CONNECTOR_RATE_LIMIT_URL`: shell loops running `connector run` once per call (a new
//! process each time, knowing nothing of the calls before) share one Okta bucket on Redis
//! and draw no 429; without it they draw 429s. Redis away: the default falls back to
//! in-process limits with one warning, `CONNECTOR_RATE_LIMIT_FAIL=closed` fails clearly.
//!
//! Real time, a real `redis-server` (skipped with a message when it is not installed).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use connector_limiter_redis::testing::{RedisServer, free_port};
use connector_sandbox::okta::{Bucket, OktaConfig, OktaEmulator};
use serde_json::{Value, json};

const LOOPS: usize = 4;
const LIMIT: u32 = 20;
const WINDOW: Duration = Duration::from_secs(1);
const ROUND: Duration = Duration::from_millis(2_500);

fn read_user(okta: &OktaEmulator, id: &str, extra: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .args(["run", "okta", "read-user", "--input"])
        .arg(json!({ "id": id }).to_string())
        .env_clear()
        .env("OKTA_ORG_URL", okta.base_url())
        .env("OKTA_API_TOKEN", okta.api_token());
    for (name, value) in extra {
        command.env(name, value);
    }
    command.output().expect("connector runs")
}

async fn sandbox() -> (OktaEmulator, String) {
    let okta = OktaEmulator::start(
        OktaConfig::default()
            .with_bucket_limit(Bucket::User, LIMIT)
            .with_window(WINDOW),
        0,
    )
    .await
    .expect("the Okta sandbox");
    let user = okta
        .add_user(json!({"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}))
        .expect("a user");
    let id = user["id"].as_str().expect("an id").to_owned();
    (okta, id)
}

/// Four loops of one process per call for [`ROUND`]; returns (exit codes, 429s on the wire).
async fn shell_loops(
    okta: &std::sync::Arc<OktaEmulator>,
    id: &str,
    redis: Option<String>,
) -> (Vec<i32>, u64) {
    tokio::time::sleep(WINDOW + Duration::from_millis(100)).await;
    okta.reset_stats();
    let until = Instant::now() + ROUND;
    let loops: Vec<_> = (0..LOOPS)
        .map(|_| {
            let (okta, id, redis) = (okta.clone(), id.to_owned(), redis.clone());
            tokio::task::spawn_blocking(move || {
                let extra: Vec<(&str, String)> = redis
                    .map(|url| ("CONNECTOR_RATE_LIMIT_URL", url))
                    .into_iter()
                    .collect();
                let mut codes = Vec::new();
                // Bounded by the round's length (each call by the CLI's own deadline).
                while Instant::now() < until {
                    codes.push(read_user(&okta, &id, &extra).status.code().unwrap_or(-1));
                }
                codes
            })
        })
        .collect();
    let mut codes = Vec::new();
    for l in loops {
        codes.extend(l.await.expect("a loop"));
    }
    (codes, okta.stats().too_many_requests())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_loops_of_connector_run_share_one_bucket_on_redis() {
    let Some(redis) =
        RedisServer::start_or_skip("shell_loops_of_connector_run_share_one_bucket_on_redis")
    else {
        return;
    };
    let (okta, id) = sandbox().await;
    let okta = std::sync::Arc::new(okta);
    let (shared_codes, shared_429) = shell_loops(&okta, &id, Some(redis.url())).await;
    let (memory_codes, memory_429) = shell_loops(&okta, &id, None).await;
    let ok = |codes: &[i32]| codes.iter().filter(|c| **c == 0).count();
    eprintln!(
        "{LOOPS} shell loops, {LIMIT} per {WINDOW:?}: with Redis {} calls ({} ok), {shared_429} 429s on the wire; without {} calls ({} ok), {memory_429} 429s",
        shared_codes.len(),
        ok(&shared_codes),
        memory_codes.len(),
        ok(&memory_codes)
    );
    assert_eq!(shared_429, 0, "429s on the wire with the shared limiter");
    assert!(shared_codes.iter().all(|c| *c == 0), "{shared_codes:?}");
    assert!(
        memory_429 > 0,
        "separate processes with in-process limits should draw 429s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_away_run_falls_back_with_one_warning_or_fails_when_closed() {
    let (okta, id) = sandbox().await;
    let dead = format!("redis://127.0.0.1:{}/0", free_port().expect("a port"));

    let output = read_user(&okta, &id, &[("CONNECTOR_RATE_LIMIT_URL", dead.clone())]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.matches("unreachable").count(),
        1,
        "one warning: {stderr}"
    );
    assert_eq!(okta.stats().requests, 1);

    okta.reset_stats();
    let output = read_user(
        &okta,
        &id,
        &[
            ("CONNECTOR_RATE_LIMIT_URL", dead),
            ("CONNECTOR_RATE_LIMIT_FAIL", "closed".to_owned()),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    let error: Value = stderr
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON error: {stderr}"));
    assert_eq!(error["error"]["kind"], "unavailable", "{error}");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Redis") && message.contains("CONNECTOR_RATE_LIMIT_FAIL"),
        "{message}"
    );
    assert_eq!(okta.stats().requests, 0, "nothing may be sent");

    let output = read_user(
        &okta,
        &id,
        &[
            ("CONNECTOR_RATE_LIMIT_URL", "redis://127.0.0.1:1".to_owned()),
            ("CONNECTOR_RATE_LIMIT_FAIL", "maybe".to_owned()),
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "a bad policy is a configuration mistake"
    );
}
