//! `cargo xtask new-connector`: refusals touch nothing; a scaffolded connector builds,
//! passes its tests and is documented by codegen.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::scaffold::{Auth, Options, is_kebab_case, new_connector};
use xtask::workspace_root;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn temp_copy(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-scaffold-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&workspace_root(), &dir);
    dir
}

fn snapshot(root: &Path) -> Vec<(PathBuf, String)> {
    [
        "Cargo.toml",
        "crates/connector-cli/Cargo.toml",
        "crates/connector-cli/src/lib.rs",
    ]
    .iter()
    .map(|p| (root.join(p), std::fs::read_to_string(root.join(p)).unwrap()))
    .collect()
}

#[test]
fn ids_must_be_lowercase_kebab_case() {
    for ok in ["acme", "acme-crm", "x2", "a-b-c"] {
        assert!(is_kebab_case(ok), "{ok}");
    }
    for bad in [
        "",
        "Acme",
        "acme_crm",
        "-acme",
        "acme-",
        "acme--crm",
        "2acme",
        "acme crm",
        "acmé",
        "../x",
    ] {
        assert!(!is_kebab_case(bad), "{bad}");
    }
}

#[test]
fn bad_or_existing_ids_are_refused_without_touching_anything() {
    let root = temp_copy("refuse");
    let before = snapshot(&root);
    let crates_before = std::fs::read_dir(root.join("crates")).unwrap().count();
    for id in ["Bad_Id", "okta", "boards", "core", "../escape", ""] {
        let options = Options {
            id: id.to_owned(),
            base_url: "https://api.example.com".to_owned(),
            auth: Auth::Bearer,
        };
        let error = new_connector(&root, &options).unwrap_err();
        assert!(!error.is_empty(), "{id}");
    }
    assert_eq!(snapshot(&root), before);
    assert_eq!(
        std::fs::read_dir(root.join("crates")).unwrap().count(),
        crates_before
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// Scaffolds connectors into a copy of the workspace, then builds, tests and documents
/// them with cargo. Slow (it compiles), so CI runs it explicitly through `cargo xtask ci`.
#[test]
#[ignore = "compiles a copy of the workspace; run by `cargo xtask ci`"]
fn a_scaffolded_connector_builds_passes_its_tests_and_is_documented() {
    let root = temp_copy("build");
    for (id, auth) in [
        ("acme-crm", Auth::Bearer),
        ("acme-oauth", Auth::OAuthClientCredentials),
    ] {
        let options = Options {
            id: id.to_owned(),
            base_url: "https://api.acme.example".to_owned(),
            auth,
        };
        new_connector(&root, &options).unwrap();
    }
    // The workspace's own target folder by default, so that the dependencies built for
    // the tests are reused (cargo holds its build lock only while compiling, not while the
    // tests run); SCAFFOLD_TARGET_DIR chooses another.
    let target = std::env::var_os("SCAFFOLD_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let run = |args: &[&str]| {
        let status = Command::new(&cargo)
            .args(args)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cargo {} failed in {}",
            args.join(" "),
            root.display()
        );
    };
    run(&[
        "test",
        "-p",
        "connector-acme-crm",
        "-p",
        "connector-acme-oauth",
    ]);
    run(&[
        "clippy",
        "-p",
        "connector-acme-crm",
        "-p",
        "connector-acme-oauth",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(&["run", "-q", "-p", "xtask", "--", "codegen"]);
    let page = std::fs::read_to_string(root.join("docs/connectors/acme-crm.md")).unwrap();
    assert!(page.contains("<a id=\"get-item\"></a>"), "{page}");
    assert!(
        root.join("docs/schemas/acme-oauth/get-item.input.json")
            .exists()
    );
    let manifest = std::fs::read_to_string(root.join("docs/connectors.json")).unwrap();
    assert!(manifest.contains("\"acme-crm\""));
    std::fs::remove_dir_all(&root).unwrap();
}
