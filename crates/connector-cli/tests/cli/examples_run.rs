//! The examples people copy: every `$ connector ...` line at the end of every `--help`,
//! and the `connector ...` lines of the README, run as written against the sandbox.
//!
//! Each line runs under `bash -c` in a fresh folder where `crates/` is this repository's
//! (the examples' paths are from the repository's root), with `connector` on `PATH` and the
//! sandbox's variables set, as `connector sandbox` prints them. Commands that serve until
//! stopped (`connector sandbox`, `connector serve`) must come up, then stop on SIGINT with
//! exit 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// One test at a time: both run `connector serve` on its default ports.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The help pages, in the order their examples run (later ones read what earlier ones
/// made: users, runs in `connector.db`).
const PAGES: [&[&str]; 14] = [
    &["run"],
    &["describe"],
    &["list"],
    &["flow"],
    &["flow", "validate"],
    &["flow", "list"],
    &["flow", "run"],
    &["flow", "import"],
    &["history"],
    &["table"],
    &["completion"],
    &["sandbox"],
    &["serve"],
    &["demo"],
];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_connector")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn help(page: &[&str]) -> String {
    let out = Command::new(bin())
        .args(page)
        .arg("--help")
        .output()
        .expect("connector runs");
    assert!(out.status.success(), "connector {page:?} --help failed");
    String::from_utf8(out.stdout).expect("help is text")
}

/// The `$ ` lines of a help page.
fn examples_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("$ "))
        .map(str::to_owned)
        .collect()
}

/// A folder to run examples in, with the sandbox's variables.
struct Place {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Place {
    fn new(sandbox: &connector_sandbox::Sandbox) -> Place {
        let dir = std::env::temp_dir().join(format!(
            "connector-examples-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(repo_root().join("crates"), dir.join("crates")).unwrap();
        let bin_dir = Path::new(bin()).parent().unwrap().display().to_string();
        let env = vec![
            (
                "PATH".into(),
                format!("{bin_dir}:/usr/local/bin:/usr/bin:/bin"),
            ),
            ("HOME".into(), dir.display().to_string()),
            ("OKTA_ORG_URL".into(), sandbox.okta().base_url().to_owned()),
            (
                "OKTA_API_TOKEN".into(),
                sandbox.okta().api_token().to_owned(),
            ),
            ("BOARDS_API_URL".into(), sandbox.boards().api_url()),
            (
                "BOARDS_API_TOKEN".into(),
                sandbox.boards().api_token().to_owned(),
            ),
        ];
        Place { dir, env }
    }

    fn command(&self, line: &str) -> Command {
        let mut command = Command::new("bash");
        command
            .args(["-c", line])
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        command
    }

    /// Runs a line to its end (at most 120 s): its exit status and what it printed.
    fn run(&self, line: &str) -> (i32, String) {
        let out = self
            .command(line)
            .output()
            .unwrap_or_else(|e| panic!("bash runs `{line}`: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    /// Starts a line that serves until stopped, waits for `ready` in its output (at most
    /// 60 s), then stops it with SIGINT: its exit status and what it printed.
    fn serve(&self, line: &str, ready: &str) -> (i32, String) {
        use std::os::unix::process::CommandExt as _;
        let mut child = self
            .command(line)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("bash starts");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let tx2 = tx.clone();
        std::thread::spawn(move || pump(&mut stdout, &tx));
        std::thread::spawn(move || pump(&mut stderr, &tx2));
        let mut seen = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !seen.contains(ready) && Instant::now() < deadline {
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
                seen.push_str(&chunk);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
        }
        let pgid = child.id().to_string();
        let _ = Command::new("kill")
            .args(["-INT", "--", &format!("-{pgid}")])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "`{line}` did not stop on SIGINT:\n{seen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&chunk);
        }
        assert!(
            seen.contains(ready),
            "`{line}` never printed {ready:?}:\n{seen}"
        );
        (status.code().unwrap_or(-1), seen)
    }

    /// Runs every line in order, asserting exit 0 for each.
    fn run_all(&self, lines: &[(String, String)]) {
        for (origin, line) in lines {
            let (code, text) = if line.contains("connector sandbox") {
                self.serve(line, "The sandbox is serving")
            } else if line.contains("connector serve") {
                if !ports_free(&[8080, 9090]) {
                    eprintln!(
                        "skipping `{line}` ({origin}): 127.0.0.1:8080 or :9090 is in use here"
                    );
                    continue;
                }
                self.serve(line, "Flow History on")
            } else {
                self.run(line)
            };
            assert_eq!(code, 0, "{origin}: `{line}` exited {code}:\n{text}");
            eprintln!("ran ({origin}): {line}");
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pump(stream: &mut impl std::io::Read, tx: &std::sync::mpsc::Sender<String>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0
            || tx
                .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                .is_err()
        {
            break;
        }
    }
}

fn ports_free(ports: &[u16]) -> bool {
    ports
        .iter()
        .all(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher as _, RandomState};
    RandomState::new().hash_one(Instant::now())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_help_page_ends_with_two_to_four_examples_that_run_on_the_sandbox() {
    let _one = SERIAL.lock().await;
    // Every command has a page here, so a new command without examples fails this test.
    let top = help(&[]);
    let commands: Vec<&str> = top
        .split("Commands:")
        .nth(1)
        .expect("the top help lists commands")
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    for command in &commands {
        assert!(
            PAGES.iter().any(|p| p[0] == *command),
            "`connector {command}` has no examples checked here"
        );
    }
    let mut lines = Vec::new();
    for page in PAGES {
        let examples = examples_of(&help(page));
        assert!(
            (2..=4).contains(&examples.len()),
            "`connector {} --help` has {} examples: {examples:?}",
            page.join(" "),
            examples.len()
        );
        let origin = format!("connector {} --help", page.join(" "));
        lines.extend(examples.into_iter().map(|l| (origin.clone(), l)));
    }
    let sandbox = common::sandbox().await;
    let place = Place::new(&sandbox);
    tokio::task::spawn_blocking(move || place.run_all(&lines))
        .await
        .expect("every example ran");
    sandbox.shutdown().await;
}

/// The README's command lines that need no real account: every line of a `sh` block that
/// starts with `connector` (after an optional `$ `), or pipes into it, except those that
/// name a real org (`acme`) or hold a placeholder.
fn readme_lines() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let mut lines = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in readme.lines() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            block = match block.take() {
                // A block that names a real org is for a real account: none of it runs here.
                Some(done) if !done.iter().any(|l| l.contains("acme")) => {
                    lines.extend(done.iter().filter_map(|l| runnable(l)));
                    None
                }
                Some(_) => None,
                None if lang == "sh" => Some(Vec::new()),
                None => None,
            };
            // A fence that opens another language is skipped to its close.
            if block.is_none() && !lang.is_empty() && lang != "sh" {
                block = None;
            }
            continue;
        }
        if let Some(block) = block.as_mut() {
            block.push(trimmed);
        }
    }
    lines
}

/// The command of a README line, when it runs `connector` and holds no placeholder.
fn runnable(line: &str) -> Option<String> {
    let command = line.strip_prefix("$ ").unwrap_or(line);
    // A trailing comment is for the reader.
    let command = command.split("  #").next().unwrap_or(command).trim();
    let runs_connector = command.starts_with("connector ")
        || command.starts_with("source <(connector")
        || command.contains("| connector ");
    let placeholder = ["RUN_ID", "...", "[", "<"]
        .iter()
        .any(|p| command.replace("<(", "").contains(p));
    (runs_connector && !placeholder).then(|| command.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_commands_run_as_pasted_on_the_sandbox() {
    let _one = SERIAL.lock().await;
    let lines = readme_lines();
    assert!(
        lines.len() >= 10,
        "the README shows its commands: {lines:?}"
    );
    let sandbox = common::sandbox().await;
    let place = Place::new(&sandbox);
    let lines: Vec<(String, String)> = lines
        .into_iter()
        .map(|l| ("README.md".to_owned(), l))
        .collect();
    tokio::task::spawn_blocking(move || place.run_all(&lines))
        .await
        .expect("every README command ran");
    sandbox.shutdown().await;
}
