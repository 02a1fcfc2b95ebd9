//! `connector completion SHELL`: scripts every shell accepts, and bash's completes
//! `connector run okta <TAB>` to the action ids.

use std::process::Command;

fn script(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["completion", shell])
        .output()
        .expect("the connector binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("a script is text")
}

/// What bash's completion offers for the words typed so far (the last one being completed).
fn complete(script_path: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_list = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let line = words.join(" ");
    let program = format!(
        "source '{}'; COMP_WORDS=({words_list}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         _connector connector '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script_path.display(),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .output()
        .expect("bash runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_bash_script_parses_and_completes_action_ids() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no bash");
        return;
    }
    let bash = script("bash");
    let path =
        std::env::temp_dir().join(format!("connector-completion-{}.bash", std::process::id()));
    std::fs::write(&path, &bash).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(syntax.success(), "bash -n refused the script");
    let all = complete(&path, &["connector", "run", "okta", ""]);
    for id in [
        "create-user",
        "read-user",
        "search-users",
        "add-user-to-admin-role",
        "custom-api-action",
    ] {
        assert!(all.iter().any(|c| c == id), "{id} missing from {all:?}");
    }
    let read = complete(&path, &["connector", "run", "okta", "read-u"]);
    assert_eq!(read, ["read-user"]);
    let connectors = complete(&path, &["connector", "run", "bo"]);
    assert_eq!(connectors, ["boards"]);
    let _ = std::fs::remove_file(&path);
    for shell in ["zsh", "fish", "powershell"] {
        assert!(script(shell).contains("connector"), "{shell}");
    }
}
