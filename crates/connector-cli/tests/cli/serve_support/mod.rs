//! `connector serve` as a real process for the runtime's tests: start it on loopback with
//! ports of its own choosing, read its addresses from its first line, signal it, and read
//! what it logged.

#![allow(dead_code)] // Each test file uses a different part of this support module.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector_runtime::{HistoryQuery, Run, Store};
use connector_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// A folder in the temporary directory, removed with what it holds when dropped.
pub(crate) struct TempDir(tempfile::TempDir);

impl TempDir {
    /// A new empty folder; `kind` ends its name (`flows`, `conn`).
    pub(crate) fn new(kind: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix("connector-")
            .suffix(&format!(".{kind}"))
            .tempdir()
            .expect("a temporary folder");
        TempDir(dir)
    }

    /// Where it is.
    pub(crate) fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// The hook's secret in these tests.
pub(crate) const HOOK_SECRET: &str = "hook-secret-3c9a41f0d2";

/// A sandbox with limits far above what a test spends.
pub(crate) async fn roomy_sandbox() -> Sandbox {
    let mut config = SandboxConfig::new();
    config.okta = config
        .okta
        .with_all_bucket_limits(1_000_000)
        .with_concurrency_limit(1_000);
    Sandbox::start(config).await.expect("the sandbox starts")
}

/// A running `connector serve`.
pub(crate) struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT/okta/event-hook`.
    pub(crate) hook: String,
    /// `http://127.0.0.1:PORT`.
    pub(crate) admin: String,
    log: Arc<Mutex<String>>,
}

/// How to start one.
pub(crate) struct ServeSpec<'a> {
    pub(crate) org_url: String,
    pub(crate) token: String,
    pub(crate) store: String,
    pub(crate) args: Vec<&'a str>,
    pub(crate) admin_listen: String,
    pub(crate) env: Vec<(&'a str, String)>,
    /// Variables taken out of its environment.
    pub(crate) without: Vec<&'a str>,
    /// A command the binary runs under (`prlimit --nofile=256:256 --`).
    pub(crate) under: Vec<&'a str>,
}

impl<'a> ServeSpec<'a> {
    pub(crate) fn new(sandbox: &Sandbox, store: &str) -> ServeSpec<'a> {
        ServeSpec {
            org_url: sandbox.okta().base_url(),
            token: sandbox.okta().api_token().to_owned(),
            store: store.to_owned(),
            args: Vec::new(),
            admin_listen: "127.0.0.1:0".to_owned(),
            env: Vec::new(),
            without: Vec::new(),
            under: Vec::new(),
        }
    }

    /// Runs the binary under another command, such as `prlimit`.
    pub(crate) fn under(mut self, command: &[&'a str]) -> Self {
        self.under.extend_from_slice(command);
        self
    }

    /// Starts it without the variable `name` (such as `OKTA_EVENT_HOOK_SECRET`).
    pub(crate) fn without(mut self, name: &'a str) -> Self {
        self.without.push(name);
        self
    }

    pub(crate) fn args(mut self, args: &[&'a str]) -> Self {
        self.args.extend_from_slice(args);
        self
    }

    pub(crate) fn env(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.env.push((name, value.into()));
        self
    }

    /// The command, not started.
    pub(crate) fn command(&self) -> Command {
        let mut command = match self.under.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(env!("CARGO_BIN_EXE_connector"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_connector")),
        };
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                &self.admin_listen,
                "--store",
                &self.store,
            ])
            .args(&self.args)
            .env_remove("CONNECTOR_ADMIN_TOKEN")
            .env_remove("CONNECTOR_LOG")
            .env("OKTA_ORG_URL", &self.org_url)
            .env("OKTA_API_TOKEN", &self.token)
            .env("OKTA_EVENT_HOOK_SECRET", HOOK_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        for name in &self.without {
            command.env_remove(name);
        }
        command
    }

    /// Starts it and waits (at most 30 s) for its addresses.
    pub(crate) fn start(&self) -> Serve {
        let mut child = self.command().spawn().expect("connector serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // The hook listener: Okta's hook when a flow listens to it, else bare.
                if line.contains("Okta event hook on http://")
                    || line.contains("hook listener on http://")
                {
                    let _ = tx.send(line.clone());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("connector serve did not start:\n{}", log.lock().unwrap())
            });
        let urls: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.starts_with("http://"))
            .collect();
        let hook = urls[0].trim_end_matches(',').to_owned();
        let admin = urls[1].trim_end_matches('/').to_owned();
        Serve {
            child,
            hook,
            admin,
            log,
        }
    }
}

impl Serve {
    /// What it wrote on stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The hook listener's `host:port`.
    pub(crate) fn hook_addr(&self) -> String {
        self.hook
            .trim_start_matches("http://")
            .trim_end_matches("/okta/event-hook")
            .to_owned()
    }

    /// The admin listener's `host:port`.
    pub(crate) fn admin_addr(&self) -> String {
        self.admin.trim_start_matches("http://").to_owned()
    }

    /// Sends SIGTERM.
    pub(crate) fn term(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM failed");
    }

    /// Sends SIGKILL and reaps it.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits at most `limit` for it to exit.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A delivery with one `user.lifecycle.create` event per `(uuid, user id)`.
pub(crate) fn delivery(events: &[(String, String)]) -> Value {
    let events: Vec<Value> = events
        .iter()
        .map(|(uuid, user)| {
            json!({
                "uuid": uuid, "eventType": "user.lifecycle.create", "published": "2026-11-29T10:00:00.000Z",
                "target": [{"id": user, "type": "User", "alternateId": "someone@example.com"}]
            })
        })
        .collect();
    json!({"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "eventId": format!("d-{}", events.len()), "data": {"events": events}})
}

/// Posts a delivery; returns the status and the body.
pub(crate) async fn deliver(
    client: &reqwest::Client,
    hook: &str,
    events: &[(String, String)],
) -> (u16, Value) {
    match client
        .post(hook)
        .header("authorization", HOOK_SECRET)
        .json(&delivery(events))
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// `n` Support users in the sandbox; their ids.
pub(crate) fn support_users(sandbox: &Sandbox, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let login = format!("{prefix}{i}@example.com");
            let user = sandbox
                .okta()
                .add_user(json!({"login": login, "email": login, "firstName": "T", "lastName": "U", "role": "Support"}))
                .expect("the user is added");
            user["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Every run in the store.
pub(crate) async fn all_runs(store: &Store) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut query = HistoryQuery::newest(500);
    for _ in 0..100 {
        let page = store.history(&query).await.expect("the history is read");
        runs.extend(page.runs);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    runs
}

/// Polls `check` every 50 ms until it holds or `limit` passes; true if it held.
pub(crate) async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
