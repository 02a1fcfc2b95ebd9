//! Okta's own configuration files, read as Okta's SDKs read them: `~/.okta/okta.yaml`, then
//! `./okta.yaml` over it, both under the environment; the file used is named at debug, and
//! a file others can read is used with a warning. The token never appears in what is
//! printed.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common;

struct Folders {
    home: PathBuf,
    work: PathBuf,
    root: PathBuf,
}

impl Folders {
    fn new(name: &str) -> Folders {
        let root =
            std::env::temp_dir().join(format!("connector-okta-yaml-{name}-{}", std::process::id()));
        let home = root.join("home");
        let work = root.join("work");
        std::fs::create_dir_all(home.join(".okta")).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        Folders { home, work, root }
    }
}

impl Drop for Folders {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn connector(folders: &Folders, env: &[(&str, &str)], args: &[&str]) -> Output {
    run_in(&folders.home, &folders.work, env, args)
}

fn run_in(home: &Path, work: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .current_dir(work)
        .env_clear()
        .env("HOME", home)
        .env("CONNECTOR_LOG", "connector=debug,warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("connector runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_file_is_read_over_the_global_one_and_the_environment_wins() {
    let sandbox = common::sandbox().await;
    let user = sandbox
        .okta()
        .add_user(serde_json::json!({"login": "ada@example.com", "email": "ada@example.com"}))
        .expect("a user");
    let folders = Folders::new("layers");
    let token = sandbox.okta().api_token().to_owned();
    // The global file has the token and a wrong org; the local one the right org.
    write(
        &folders.home.join(".okta/okta.yaml"),
        &format!("okta:\n  client:\n    orgUrl: http://127.0.0.1:9\n    token: {token}\n"),
        0o600,
    );
    write(
        &folders.work.join("okta.yaml"),
        &format!(
            "okta:\n  client:\n    orgUrl: {}\n",
            sandbox.okta().base_url()
        ),
        0o644,
    );
    let args = [
        "run",
        "okta",
        "read-user",
        "--input",
        r#"{"id":"ada@example.com"}"#,
    ];
    let (home, work) = (folders.home.clone(), folders.work.clone());
    let out = tokio::task::spawn_blocking(move || run_in(&home, &work, &[], &args))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["id"], user["id"]);
    assert!(
        stderr.contains("okta.yaml"),
        "the file used is named at debug: {stderr}"
    );
    assert!(
        stderr.contains("others can read it"),
        "the local file is 0644: {stderr}"
    );
    let printed = format!("{}{stderr}", String::from_utf8_lossy(&out.stdout));
    assert!(!printed.contains(&token), "the token leaked: {printed}");

    // The environment comes first: a dead org in OKTA_ORG_URL is used, and fails.
    let (home, work) = (folders.home.clone(), folders.work.clone());
    let dead = tokio::task::spawn_blocking(move || {
        run_in(
            &home,
            &work,
            &[("OKTA_ORG_URL", "http://127.0.0.1:9")],
            &args,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        dead.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&dead.stderr)
    );
    sandbox.shutdown().await;
}

#[test]
fn a_broken_file_is_named_and_skipped() {
    let folders = Folders::new("broken");
    write(&folders.work.join("okta.yaml"), "okta: [", 0o600);
    let out = connector(
        &folders,
        &[],
        &["run", "okta", "read-user", "--input", r#"{"id":"x"}"#],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("okta.yaml is not used: not YAML"),
        "{stderr}"
    );
    assert!(stderr.contains("set OKTA_ORG_URL"), "{stderr}");
}
