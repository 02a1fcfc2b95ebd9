//! `connector serve` as a process of its own (the optimised binary next to this one), for the
//! scenarios that measure the runtime as it is deployed: one or more processes on one
//! store, their hook and admin listeners on loopback ports of their own choosing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector_sandbox::Sandbox;

/// The hook's secret in these scenarios.
pub(crate) const HOOK_SECRET: &str = "bench-hook-secret";

/// A three-card flow on Okta's user-created event: read the user, list their roles, grant
/// one.
pub(crate) const THREE_CARDS: &str = r#"name: three-cards
trigger:
  okta_event: { types: [user.lifecycle.create] }
subject: "{{ event.target[0].alternateId }}"
steps:
  - id: user
    card: okta.read-user
    input: { id: "{{ event.target[0].id }}" }
  - id: roles
    card: okta.list-user-roles
    input: { userId: "{{ steps.user.output.id }}" }
  - id: grant
    card: okta.add-user-to-admin-role
    input: { userId: "{{ steps.user.output.id }}" }
  - id: done
    return: { outcome: granted }
"#;

/// A running `connector serve`; killed on drop if still running.
pub(crate) struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT/okta/event-hook`.
    pub(crate) hook: String,
    /// `http://127.0.0.1:PORT`.
    pub(crate) admin: String,
    log: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts one on `store` with the flows of `flows` and `args`, against the sandbox's
    /// Okta, and waits (at most 60 s: migrations of a large store included) for its
    /// addresses.
    pub(crate) fn start(
        sandbox: &Sandbox,
        store: &str,
        flows: &Path,
        args: &[&str],
    ) -> Result<Serve, String> {
        let binary = crate::cli::connector_binary()?;
        let mut child = Command::new(&binary)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--store",
                store,
                "--flows",
            ])
            .arg(flows)
            .args(args)
            .env_remove("CONNECTOR_ADMIN_TOKEN")
            .env("CONNECTOR_LOG", "warn,connector_runtime::serve=info")
            .env("OKTA_ORG_URL", sandbox.okta().base_url())
            .env("OKTA_API_TOKEN", sandbox.okta().api_token())
            .env("OKTA_EVENT_HOOK_SECRET", HOOK_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stderr = child.stderr.take().ok_or("stderr is not piped")?;
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("Okta event hook on http://") {
                    let _ = tx.send(line.clone());
                }
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            let log = log.lock().map(|l| l.clone()).unwrap_or_default();
            return Err(format!("connector serve did not start:\n{log}"));
        };
        let urls: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.starts_with("http://"))
            .collect();
        let (Some(hook), Some(admin)) = (urls.first(), urls.get(1)) else {
            let _ = child.kill();
            return Err(format!("no addresses in {line:?}"));
        };
        Ok(Serve {
            hook: hook.trim_end_matches(',').to_owned(),
            admin: admin.trim_end_matches('/').to_owned(),
            child,
            log,
        })
    }

    /// What it wrote on stderr so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// SIGTERM, then (after at most 30 s) SIGKILL; waits for the exit.
    pub(crate) fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A delivery of one `user.lifecycle.create` event about `user` (`login` its alternate id).
pub(crate) fn delivery(uuid: &str, user: &str, login: &str) -> serde_json::Value {
    serde_json::json!({"eventType": "com.okta.event_hook", "eventId": format!("d-{uuid}"), "data": {"events": [
        {"uuid": uuid, "eventType": "user.lifecycle.create",
         "target": [{"id": user, "type": "User", "alternateId": login}]}
    ]}})
}
