//! Okta's official Python SDK (`okta` 3.4.6 from PyPI) against `connector sandbox`: create
//! a user, read it by login, assign a role (and get E0000090 on the repeat), list the
//! user's roles, search by a custom attribute, list the user's groups, suspend (and get
//! E0000001 on the repeat) and deactivate the user, and find the deactivation in the System
//! Log. The script is `python_sdk/okta_sdk.py`.
//!
//! The SDK is used as installed when `python3` already imports that version; otherwise it
//! is installed with pip into a virtual environment kept under cargo's `target/tmp` (one
//! install per target folder). Without `python3`, without `venv`/`pip`, or without a
//! reachable package index the test prints why and passes without running the SDK.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SDK_VERSION: &str = "3.4.6";
const TOKEN: &str = "00python-sdk-sandbox-token";

fn skip(why: &str) {
    eprintln!("SKIPPED python_sdk: {why}");
}

/// True when `python` imports the SDK at the pinned version.
fn has_sdk(python: &Path) -> bool {
    let probe = "import importlib.metadata as m, okta.client; print(m.version('okta'))";
    Command::new(python)
        .args(["-c", probe])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| {
            out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == SDK_VERSION
        })
}

/// A Python that imports the SDK, or why there is none.
fn python_with_sdk() -> Result<PathBuf, String> {
    let system = PathBuf::from("python3");
    match Command::new(&system).arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => return Err("python3 is not installed".into()),
    }
    if has_sdk(&system) {
        return Ok(system);
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("okta-sdk-{SDK_VERSION}"));
    let python = venv.join("bin").join("python");
    if has_sdk(&python) {
        return Ok(python);
    }
    let made = Command::new(&system)
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3 -m venv cannot run: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed (install python3-venv): {}",
            String::from_utf8_lossy(&made.stderr).trim()
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
        .arg(format!("okta=={SDK_VERSION}"))
        .output()
        .map_err(|e| format!("pip cannot run: {e}"))?;
    if !pip.status.success() {
        let stderr = String::from_utf8_lossy(&pip.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "pip could not install okta=={SDK_VERSION} (is the package index reachable?): {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    }
    if has_sdk(&python) {
        Ok(python)
    } else {
        Err(format!("okta=={SDK_VERSION} installed but does not import"))
    }
}

/// `connector sandbox` on random ports; killed when dropped.
struct SandboxProcess {
    child: Child,
    okta_url: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sandbox() -> SandboxProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector"))
        .arg("sandbox")
        .env("CONNECTOR_SANDBOX_OKTA_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("connector sandbox starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut process = SandboxProcess {
        child,
        okta_url: String::new(),
    };
    // The exports come first; the loop ends at the sandbox's last line or its exit.
    for line in BufReader::new(stdout).lines().take(20) {
        let line = line.expect("the sandbox's stdout is text");
        if let Some(rest) = line.strip_prefix("export OKTA_ORG_URL=") {
            let url = rest.split_whitespace().next().unwrap_or_default();
            process.okta_url = url.trim_matches('\'').to_owned();
        }
        if line.starts_with("# Ctrl-C") {
            break;
        }
    }
    assert!(
        process.okta_url.starts_with("http://127.0.0.1:"),
        "no Okta URL in the sandbox's output"
    );
    process
}

#[test]
fn okta_python_sdk_creates_reads_assigns_lists_searches_suspends_deactivates_and_reads_the_log_on_the_sandbox()
 {
    let python = match python_with_sdk() {
        Ok(python) => python,
        Err(why) => return skip(&why),
    };
    let sandbox = start_sandbox();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_sdk/okta_sdk.py");
    let started = Instant::now();
    let output = Command::new(&python)
        .arg(&script)
        .env("OKTA_CLIENT_ORGURL", &sandbox.okta_url)
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        // The SDK refuses a plain-http org URL unless its testing switch is on.
        .env("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
        .stdin(Stdio::null())
        .output()
        .expect("the script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK failed against the sandbox:\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let done: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .collect();
    assert_eq!(
        done,
        [
            "create-user",
            "get-user-by-login",
            "assign-role",
            "list-roles",
            "search-by-custom-attribute",
            "list-user-groups",
            "suspend-user",
            "deactivate-user",
            "list-logs"
        ]
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
