//! Worker processes: a test binary runs itself again, as separate OS processes, to play the
//! workers of a shared budget (its ignored `worker` test is the entry point).

#![allow(dead_code)] // Each test file uses its own part of these helpers.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The variable telling a test binary it runs as a worker.
pub(crate) const ROLE: &str = "SHARED_LIMIT_WORKER";

/// Starts `count` copies of this test binary as workers with `vars`, each told its index.
pub(crate) fn spawn_workers(count: usize, vars: &BTreeMap<String, String>) -> Vec<Child> {
    let exe = std::env::current_exe().expect("the test binary's path");
    (0..count)
        .map(|index| {
            Command::new(&exe)
                .args([
                    "shared_budget::worker",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .envs(vars)
                .env("SHARED_LIMIT_INDEX", index.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("a worker process starts")
        })
        .collect()
}

/// Waits for each worker (bounded: `limit`) and reads the `RESULT {json}` line it printed.
pub(crate) fn results(children: Vec<Child>, limit: Duration) -> Vec<Value> {
    let started = std::time::Instant::now();
    children
        .into_iter()
        .map(|mut child| {
            loop {
                if child.try_wait().expect("the worker's status").is_some() {
                    break;
                }
                if started.elapsed() > limit {
                    let _ = child.kill();
                    panic!("a worker did not finish within {limit:?}");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let output = child.wait_with_output().expect("the worker's output");
            assert!(
                output.status.success(),
                "a worker failed: {:?}",
                output.status
            );
            let text = String::from_utf8_lossy(&output.stdout);
            let line = text
                .lines()
                .find_map(|l| l.split_once("RESULT ").map(|(_, json)| json))
                .unwrap_or_else(|| panic!("no RESULT line in the worker's output: {text}"));
            serde_json::from_str(line).expect("the worker's result is JSON")
        })
        .collect()
}

/// Milliseconds since the epoch, `ahead` from now: when workers start together.
pub(crate) fn epoch_ms_in(ahead: Duration) -> u64 {
    (SystemTime::now() + ahead)
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
}

/// Sleeps until `epoch_ms` (a worker waiting for the common start).
pub(crate) async fn until_epoch_ms(epoch_ms: u64) {
    let now = epoch_ms_in(Duration::ZERO);
    if epoch_ms > now {
        tokio::time::sleep(Duration::from_millis(epoch_ms - now)).await;
    }
}

/// A worker's setting.
pub(crate) fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("the worker needs {name}"))
}

/// The sum of a numeric field over the workers' results.
pub(crate) fn sum(results: &[Value], field: &str) -> u64 {
    results.iter().map(|r| r[field].as_u64().unwrap_or(0)).sum()
}
