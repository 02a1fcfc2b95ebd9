//! `connector flow import`: Okta Workflows exports into flow files, as a user runs it.
//! The seed's export imports whole, validates and, served, does what the built-in
//! template does; hostile files are each one line under `unreadable` with nothing
//! written; untranslated cards are named with their flow, title and address.

use crate::serve_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use connector_runtime::TempDb;
use serde_json::{Value, json};
use serve_support::{ServeSpec, TempDir, deliver, eventually, roomy_sandbox};

fn seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../flow-import/tests/exports/intro-custom-api-actions.flopack")
}

fn connector(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(args)
        .env_clear()
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .expect("the connector binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// An export of one flow: its cards (JSON) after a callable first card, chained in order.
fn one_flow_export(name: &str, cards: &[Value], configs: Value) -> String {
    let mut methods = vec![json!({
        "address": "root:kernel:control:0.0.1:callable", "uuid": "start",
        "node": {"data": {"name": "Helper Flow"}, "model": {"inputs": {"data": {}}, "outputs": {"data": {}}}}
    })];
    methods.extend(cards.iter().cloned());
    let mut orderings = serde_json::Map::new();
    for (i, pair) in methods.windows(2).enumerate() {
        orderings.insert(format!("o{i}"), json!([pair[0]["uuid"], pair[1]["uuid"]]));
    }
    json!({"type": "flopack", "version": "1.5.0", "data": {
        "flos": {"f1": {"name": name, "data": {"display": {"isCallable": true}, "methods": methods, "orderings": orderings}}},
        "configs": configs, "tables": {}}})
    .to_string()
}

#[test]
fn the_seed_imports_into_flow_files_that_validate_and_the_report_says_so() {
    let out = TempDir::new("imported");
    let dir = out.path().join("flows");
    let dir_arg = dir.display().to_string();
    let seed = seed().display().to_string();
    let run = connector(&["flow", "import", &seed, "--out", &dir_arg]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(run.stdout.is_empty(), "the report goes to stderr");
    assert!(stderr.contains("3 of 3 flows written"), "{stderr}");
    assert_eq!(
        files_in(&dir),
        [
            "add-user-to-admin-role-for-each-ignore-errors.yaml",
            "add-user-to-admin-role.yaml",
            "connector.toml.example",
            "test-flow-create-okta-user.yaml"
        ]
    );
    let main = std::fs::read_to_string(dir.join("add-user-to-admin-role.yaml")).unwrap();
    assert!(
        main.contains("okta_event:") && main.contains("user.lifecycle.create"),
        "{main}"
    );
    assert!(
        main.contains("description: \"For Each - Ignore Errors\""),
        "{main}"
    );
    let helper =
        std::fs::read_to_string(dir.join("add-user-to-admin-role-for-each-ignore-errors.yaml"))
            .unwrap();
    // A Comment card is a YAML comment above the card after it.
    assert!(
        helper.contains("# Read the new user: The role is a custom profile attribute."),
        "{helper}"
    );
    assert!(
        helper.contains("card: \"okta.custom-api-action\""),
        "{helper}"
    );
    let test = std::fs::read_to_string(dir.join("test-flow-create-okta-user.yaml")).unwrap();
    assert!(test.contains("cron: \"0 9 * * 3\""), "{test}");
    let validated = connector(&["flow", "validate", &dir_arg]);
    assert_eq!(
        validated.status.code(),
        Some(0),
        "{}",
        text(&validated.stderr)
    );

    let json_run = connector(&["flow", "import", &seed, "--out", &dir_arg, "--json"]);
    assert_eq!(json_run.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&json_run.stdout).unwrap();
    assert_eq!(report["unreadable"], json!([]));
    let flows = report["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 3);
    for flow in flows {
        assert_eq!(flow["status"], "written", "{flow}");
        assert_eq!(flow["file"], seed);
        assert_eq!(flow["untranslated"], json!([]));
        assert!(
            flow["path"].as_str().unwrap().starts_with(&dir_arg),
            "{flow}"
        );
    }
    let names: Vec<&str> = flows.iter().map(|f| f["flow"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"Add user to admin role") && names.contains(&"Test Flow: Create Okta User"),
        "{names:?}"
    );
}

#[test]
fn each_unreadable_kind_exits_2_with_one_line_and_writes_nothing() {
    let tmp = TempDir::new("hostile");
    let write = |name: &str, bytes: &[u8]| {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let whole = std::fs::read(seed()).unwrap();
    let huge = tmp.path().join("huge.flopack");
    let file = std::fs::File::create(&huge).unwrap();
    // Sparse: a 64 MiB + 1 byte file that takes no room on the disk.
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let cases = [
        (
            write("truncated.flopack", &whole[..whole.len() / 2]),
            "truncated",
        ),
        (
            write("notes.flopack", b"these are notes, not JSON"),
            "not JSON",
        ),
        (
            write("other.flow", br#"{"name": "a JSON file of another kind"}"#),
            "not an Okta Workflows export",
        ),
        (huge, "over 64 MiB"),
        (
            write(
                "deep.folder",
                format!("{}{}", "[".repeat(200_000), "]".repeat(200_000)).as_bytes(),
            ),
            "nests deeper",
        ),
    ];
    for (path, expected) in cases {
        let dir = tmp.path().join("out");
        let arg = path.display().to_string();
        let run = connector(&[
            "flow",
            "import",
            &arg,
            "--out",
            &dir.display().to_string(),
            "--json",
        ]);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{arg}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let report: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(report["flows"], json!([]), "{report}");
        let why = report["unreadable"][0]["why"].as_str().unwrap();
        assert_eq!(report["unreadable"][0]["file"], arg);
        assert!(why.contains(expected), "{arg}: {why}");
        assert!(!why.contains('\n'), "{why}");
        assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
        // Without --json: one line on stderr names the file and why.
        let plain = connector(&["flow", "import", &arg, "--out", &dir.display().to_string()]);
        assert_eq!(plain.status.code(), Some(2));
        let line = text(&plain.stderr)
            .lines()
            .find(|l| l.contains("unreadable"))
            .unwrap_or_default()
            .to_owned();
        assert!(line.contains(&arg) && line.contains(expected), "{line}");
    }
}

#[test]
fn untranslated_cards_are_named_with_flow_title_and_address_and_callers_are_not_written() {
    let tmp = TempDir::new("untranslated");
    let slack = json!({
        "address": "root:channels:http:slack:1.0.1:sendMessage", "uuid": "s1",
        "node": {"data": {"name": "Tell the team"}, "model": {"inputs": {"data": {}}, "outputs": {"data": {}}}}
    });
    let reduce = json!({
        "address": "root:kernel:list:0.0.1:reduce", "uuid": "r1",
        "node": {"data": {"name": "Sum them"}, "model": {"inputs": {"data": {
            "i1": {"id": "i1", "key": "flo", "value": {"type": "flo", "data": "f9"}}}}, "outputs": {"data": {}}}}
    });
    let export = one_flow_export("Notify", &[slack, reduce], json!({}));
    let path = tmp.path().join("notify.flopack");
    std::fs::write(&path, export).unwrap();
    // A second export whose flow calls a flow that is not written.
    let caller = json!({"type": "flopack", "data": {"flos": {
        "a": {"name": "Caller", "data": {"display": {"isCallable": false}, "orderings": {"o": ["s", "c"]}, "methods": [
            {"address": "root:kernel:control:0.0.1:callable", "uuid": "s", "node": {"data": {"name": "Start"}}},
            {"address": "root:kernel:control:0.0.1:spawn", "uuid": "c", "node": {"data": {"name": "Call Flow"}, "model": {"inputs": {"data": {
                "f": {"id": "f", "key": "flo", "value": {"type": "flo", "data": "b"}}}}}}}]}},
        "b": {"name": "Broken helper", "data": {"display": {"isCallable": true}, "orderings": {"o": ["s", "x"]}, "methods": [
            {"address": "root:kernel:control:0.0.1:callable", "uuid": "s", "node": {"data": {"name": "Helper Flow"}}},
            {"address": "root:kernel:crypto:0.0.1:hmac", "uuid": "x", "node": {"data": {"name": "Sign it"}}}]}}}}});
    let caller_path = tmp.path().join("caller.flopack");
    std::fs::write(&caller_path, caller.to_string()).unwrap();
    let dir = tmp.path().join("out");
    let run = connector(&[
        "flow",
        "import",
        &path.display().to_string(),
        &caller_path.display().to_string(),
        "--out",
        &dir.display().to_string(),
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    let flow = |name: &str| {
        report["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["flow"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let notify = flow("Notify");
    assert_eq!(notify["status"], "notWritten");
    assert_eq!(notify["file"], path.display().to_string());
    let untranslated = notify["untranslated"].as_array().unwrap();
    assert_eq!(untranslated.len(), 2, "{notify}");
    assert_eq!(untranslated[0]["title"], "Tell the team");
    assert_eq!(
        untranslated[0]["address"],
        "root:channels:http:slack:1.0.1:sendMessage"
    );
    assert!(
        untranslated[0]["why"].as_str().unwrap().contains("slack"),
        "{notify}"
    );
    assert_eq!(untranslated[1]["title"], "Sum them");
    assert_eq!(untranslated[1]["address"], "root:kernel:list:0.0.1:reduce");
    let broken = flow("Broken helper");
    assert_eq!(broken["status"], "notWritten");
    assert_eq!(
        broken["untranslated"][0]["address"],
        "root:kernel:crypto:0.0.1:hmac"
    );
    let caller = flow("Caller");
    assert_eq!(caller["status"], "notWritten");
    assert!(
        caller["untranslated"][0]["why"]
            .as_str()
            .unwrap()
            .contains("broken-helper"),
        "{caller}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[test]
fn coverage_measures_a_folder_of_exports_and_writes_nothing() {
    let tmp = TempDir::new("coverage");
    std::fs::copy(seed(), tmp.path().join("seed.flopack")).unwrap();
    let slack = json!({"address": "root:channels:http:slack:1.0.1:sendMessage", "uuid": "s1",
        "node": {"data": {"name": "Tell"}, "model": {}}});
    std::fs::write(
        tmp.path().join("notify.flopack"),
        one_flow_export("Notify", &[slack], json!({})),
    )
    .unwrap();
    std::fs::write(tmp.path().join("junk.flow"), "not json").unwrap();
    let before = files_in(tmp.path());
    let run = connector(&[
        "flow",
        "import",
        "--coverage",
        &tmp.path().display().to_string(),
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let coverage: Value = serde_json::from_slice(&run.stdout).unwrap();
    let exports = coverage["exports"].as_array().unwrap();
    let of = |name: &str| {
        exports
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(name))
            .cloned()
            .unwrap()
    };
    assert_eq!(of("seed.flopack")["written"], 3);
    assert_eq!(of("seed.flopack")["notWritten"], 0);
    assert_eq!(of("notify.flopack")["notWritten"], 1);
    assert_eq!(
        coverage["missing"],
        json!([{"card": "slack.sendMessage", "count": 1}])
    );
    assert_eq!(files_in(tmp.path()), before, "coverage writes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_imported_seed_served_grants_support_users_help_desk_admin_and_no_one_else() {
    let sandbox = roomy_sandbox().await;
    let tmp = TempDir::new("served");
    let dir = tmp.path().join("flows");
    let dir_arg = dir.display().to_string();
    let run = connector(&[
        "flow",
        "import",
        &seed().display().to_string(),
        "--out",
        &dir_arg,
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let mut users = Vec::new();
    for (login, role) in [
        ("sam@example.com", "Support"),
        ("sue@example.com", "support"),
        ("eve@example.com", "Engineering"),
    ] {
        let user = sandbox
            .okta()
            .add_user(json!({"login": login, "email": login, "firstName": "T", "lastName": "U", "role": role}))
            .expect("the user is added");
        users.push(user["id"].as_str().unwrap().to_owned());
    }
    let db = TempDb::new();
    let serve = ServeSpec::new(&sandbox, &db.url())
        .args(&["--flows", &dir_arg])
        .start();
    let client = reqwest::Client::new();
    let events: Vec<(String, String)> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("evt-import-{i}"), u.clone()))
        .collect();
    let (status, body) = deliver(&client, &serve.hook, &events).await;
    assert_eq!(status, 200, "{body}");
    let finished = |runs: &Value| {
        runs["runs"].as_array().is_some_and(|r| {
            r.iter()
                .filter(|run| run["flow"] == "add-user-to-admin-role" && run["state"] == "finished")
                .count()
                == 3
        })
    };
    let history = || async {
        client
            .get(format!(
                "{}/history?flow=add-user-to-admin-role",
                serve.admin
            ))
            .send()
            .await
            .ok()?
            .json::<Value>()
            .await
            .ok()
    };
    let done = eventually(Duration::from_secs(20), || async {
        history().await.is_some_and(|h| finished(&h))
    })
    .await;
    let runs = history().await.unwrap_or(Value::Null);
    assert!(done, "{runs}\n{}", serve.log());
    for run in runs["runs"].as_array().unwrap() {
        assert_eq!(run["outcome"], "completed", "{run}");
    }
    let roles = |id: &str| sandbox.okta().user_role_types(id).unwrap_or_default();
    assert_eq!(roles(&users[0]), ["HELP_DESK_ADMIN"]);
    assert_eq!(roles(&users[1]), ["HELP_DESK_ADMIN"]);
    assert!(roles(&users[2]).is_empty(), "{:?}", roles(&users[2]));
    // The helper ran inside each run: its steps are journaled under the loop's call.
    let one = &runs["runs"][0]["runId"];
    let detail: Value = client
        .get(format!("{}/history/{}", serve.admin, one.as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps: Vec<&str> = detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(steps.iter().any(|s| s.ends_with("/read_user")), "{steps:?}");
}
