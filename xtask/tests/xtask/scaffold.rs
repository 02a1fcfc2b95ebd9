//! `cargo xtask new-connector`: refusals touch nothing; a scaffolded connector builds,
//! passes its tests and is documented by codegen.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::scaffold::{Auth, OpenApiSource, Options, is_kebab_case, new_connector};
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
            openapi: None,
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
            openapi: None,
        };
        new_connector(&root, &options).unwrap();
    }
    let petstore = Options {
        id: "petstore".to_owned(),
        base_url: "https://petstore.example".to_owned(),
        auth: Auth::Bearer,
        openapi: Some(OpenApiSource::new(
            petstore_document(),
            vec![
                "listPets".to_owned(),
                "createPet".to_owned(),
                "showPetById".to_owned(),
            ],
        )),
    };
    new_connector(&root, &petstore).unwrap();
    // The workspace's own target folder by default (CARGO_TARGET_DIR when set), so that
    // the dependencies built for the tests are reused (cargo holds its build lock only
    // while compiling, not while the tests run); SCAFFOLD_TARGET_DIR chooses another.
    let target = std::env::var_os("SCAFFOLD_TARGET_DIR")
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR"))
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
        "--release",
        "-p",
        "connector-acme-crm",
        "-p",
        "connector-acme-oauth",
        "-p",
        "connector-petstore",
    ]);
    run(&[
        "clippy",
        "-p",
        "connector-acme-crm",
        "-p",
        "connector-acme-oauth",
        "-p",
        "connector-petstore",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(&["run", "-q", "--release", "-p", "xtask", "--", "codegen"]);
    let page = std::fs::read_to_string(root.join("docs/connectors/acme-crm.md")).unwrap();
    assert!(page.contains("<a id=\"get-item\"></a>"), "{page}");
    assert!(
        root.join("docs/schemas/acme-oauth/get-item.input.json")
            .exists()
    );
    let manifest = std::fs::read_to_string(root.join("docs/connectors.json")).unwrap();
    assert!(manifest.contains("\"acme-crm\""));
    // The generated connector is fresh, documented, and listed by the command line.
    run(&[
        "run",
        "-q",
        "--release",
        "-p",
        "xtask",
        "--",
        "codegen",
        "--check",
    ]);
    let page = std::fs::read_to_string(root.join("docs/connectors/petstore.md")).unwrap();
    assert!(page.contains("<a id=\"show-pet-by-id\"></a>"), "{page}");
    let list = Command::new(&cargo)
        .args([
            "run",
            "-q",
            "--release",
            "-p",
            "connector-cli",
            "--",
            "list",
        ])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for action in ["list-pets", "create-pet", "show-pet-by-id"] {
        assert!(
            list.contains(action),
            "connector list lacks {action}:\n{list}"
        );
    }
    generated_connector_draws_its_budget_from_redis(&root, &cargo, &target);
    std::fs::remove_dir_all(&root).unwrap();
}

/// The generated connector gets the environment's run options from the core, as the
/// shipped ones do: with `CONNECTOR_RATE_LIMIT_URL` set, its calls spend a budget kept on
/// that Redis server (`CONNECTOR_RATE_LIMIT_FAIL=closed`: no silent fallback to memory).
fn generated_connector_draws_its_budget_from_redis(root: &Path, cargo: &str, target: &Path) {
    use connector_limiter_redis::testing::RedisServer;
    let Some(redis) = RedisServer::start_or_skip("a generated connector's budget on Redis") else {
        return;
    };
    let server = httpmock::MockServer::start();
    let pets = server.mock(|when, then| {
        // list-pets is the only call; its path is the generator's to choose.
        when.method(httpmock::Method::GET);
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"[{"id":1,"name":"Rex"}]"#);
    });
    let keys = |pattern: &str| {
        let out = Command::new("redis-cli")
            .args([
                "-p",
                &redis.port().to_string(),
                "--scan",
                "--pattern",
                pattern,
            ])
            .output()
            .expect("redis-cli comes with redis-server");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(keys("*petstore*").trim().is_empty());
    let out = Command::new(cargo)
        .args([
            "run",
            "-q",
            "--release",
            "-p",
            "connector-cli",
            "--",
            "run",
            "petstore",
            "list-pets",
        ])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("PETSTORE_BASE_URL", server.base_url())
        .env("PETSTORE_API_TOKEN", "tok-123")
        .env("CONNECTOR_RATE_LIMIT_URL", redis.url())
        .env("CONNECTOR_RATE_LIMIT_FAIL", "closed")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "connector run petstore list-pets failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Rex"));
    pets.assert_calls(1);
    let stored = keys("*petstore*");
    assert!(
        !stored.trim().is_empty(),
        "the call spent no budget on Redis (no petstore key there)"
    );
}

fn petstore_document() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/petstore.yaml")
}

#[test]
fn bad_operations_and_unsupported_constructs_are_refused_without_touching_anything() {
    let root = temp_copy("refuse-openapi");
    let before = snapshot(&root);
    let crates_before = std::fs::read_dir(root.join("crates")).unwrap().count();
    for (operations, expected) in [
        (
            vec!["listPets", "listPest"],
            "operation `listPest` is not in the document",
        ),
        (
            vec!["uploadPetPhoto"],
            "operation `uploadPetPhoto`: the request body `multipart/form-data` is not supported",
        ),
        (
            vec!["subscribePetEvents"],
            "operation `subscribePetEvents`: the callback `petEvent` is not supported",
        ),
    ] {
        let options = Options {
            id: "petstore".to_owned(),
            base_url: "https://petstore.example".to_owned(),
            auth: Auth::Bearer,
            openapi: Some(OpenApiSource::new(
                petstore_document(),
                operations.iter().map(|o| (*o).to_owned()).collect(),
            )),
        };
        let error = new_connector(&root, &options).unwrap_err();
        assert!(error.contains(expected), "{error}");
    }
    assert_eq!(snapshot(&root), before);
    assert_eq!(
        std::fs::read_dir(root.join("crates")).unwrap().count(),
        crates_before
    );
    assert!(!root.join("crates/connector-petstore").exists());
    std::fs::remove_dir_all(&root).unwrap();
}
