//! The OpenAPI generator: what it writes for a small document, what it refuses, and that
//! `cargo xtask codegen --check` names a hand-edited or stale generated file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use xtask::codegen;
use xtask::openapi::config::TestSettings;
use xtask::openapi::{Config, Document, GENERATED_LINE, OperationConfig, generate_crate};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/petstore.yaml")
}

fn config(operations: &[&str]) -> Config {
    Config {
        document: "openapi.yaml".to_owned(),
        client: "Petstore".to_owned(),
        base_path: None,
        pagination: None,
        tests: TestSettings {
            env: BTreeMap::from([("PETSTORE_BASE_URL".to_owned(), "{base_url}".to_owned())]),
            authorization: "Bearer tok-123".to_owned(),
        },
        operations: operations
            .iter()
            .map(|id| OperationConfig {
                operation_id: (*id).to_owned(),
                ..OperationConfig::default()
            })
            .collect(),
    }
}

fn generate(operations: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let doc = Document::load(&fixture())?;
    Ok(generate_crate(
        &config(operations),
        &doc,
        "petstore.yaml",
        "connector_petstore",
    )?
    .into_iter()
    .collect())
}

#[test]
fn petstore_operations_become_inputs_methods_actions_and_tests() {
    let files = generate(&["listPets", "createPet", "showPetById"]).unwrap();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "src/generated/actions.rs",
            "src/generated/api.rs",
            "src/generated/inputs.rs",
            "src/generated/mod.rs",
            "src/generated/types.rs",
            "tests/openapi_actions.rs"
        ]
    );
    for (path, text) in &files {
        assert_eq!(text.lines().next(), Some(GENERATED_LINE), "{path}");
    }
    let inputs = &files["src/generated/inputs.rs"];
    assert!(inputs.contains("pub struct ListPetsInput"), "{inputs}");
    assert!(
        inputs.contains("/// How many items to return at one time (max 100)"),
        "{inputs}"
    );
    assert!(inputs.contains("#[serde(rename = \"petId\")]"), "{inputs}");
    // createPet's body is an object: its fields are the input's own.
    assert!(
        inputs.contains("#[serde(flatten)]\n    pub body: NewPet,"),
        "{inputs}"
    );
    let api = &files["src/generated/api.rs"];
    assert!(
        api.contains("pub async fn list_pets(&self, input: &ListPetsInput) -> Result<Pets>"),
        "{api}"
    );
    // The server's path prefix, the escaped path parameter, the unexploded array.
    assert!(
        api.contains("format!(\"/v1/pets/{}\", path_segment(&input.pet_id.to_string()))"),
        "{api}"
    );
    assert!(api.contains(".join(\",\")"), "{api}");
    // Each action is a definition for the connector's own table to list, named after the
    // action as its typed method is; nothing registers itself.
    let actions = &files["src/generated/actions.rs"];
    for (id, function) in [
        ("list-pets", "list_pets"),
        ("create-pet", "create_pet"),
        ("show-pet-by-id", "show_pet_by_id"),
    ] {
        assert!(actions.contains(&format!("{id:?},")), "{actions}");
        assert!(
            actions.contains(&format!(
                "pub(crate) fn {function}() -> impl Action<Petstore> {{"
            )),
            "{actions}"
        );
        assert!(
            actions.contains(&format!("client.{function}(&input).await")),
            "{actions}"
        );
    }
    assert!(actions.contains("ActionDef::new("), "{actions}");
    assert!(!actions.contains("ConnectorDef"), "{actions}");
    assert!(
        files["src/generated/mod.rs"].contains("pub(crate) mod actions;"),
        "{}",
        files["src/generated/mod.rs"]
    );
    let types = &files["src/generated/types.rs"];
    // Unknown answer fields are kept; nullable becomes Option; the enum is an enum.
    assert!(types.contains("pub extra: ::serde_json::Map<"), "{types}");
    assert!(types.contains("pub enum Kind"), "{types}");
    assert!(
        types.contains("pub tag: ::std::option::Option<::std::string::String>"),
        "{types}"
    );
    // A description of several paragraphs is `///` lines: as a `/** */` block, rustfmt
    // would indent it and rustdoc would read its second paragraph as a code block.
    assert!(
        types.contains("    ///A free-form tag.\n    ///\n    ///Several pets may share one."),
        "{types}"
    );
    assert!(!types.contains("/**"), "{types}");
    let tests = &files["tests/openapi_actions.rs"];
    assert!(
        tests.contains("async fn show_pet_by_id_sends_the_documented_request()"),
        "{tests}"
    );
    assert!(tests.contains(".path(\"/v1/pets/petId%201\")"), "{tests}");
    assert!(
        tests.contains("fn the_action_table_lists_every_generated_action()"),
        "{tests}"
    );
    assert!(
        tests.contains(".json_body(json!({\"kind\":\"dog\",\"name\":\"Rex\",\"tag\":\"dog\"}))"),
        "{tests}"
    );
}

#[test]
fn unsupported_constructs_and_unknown_operations_are_refused_by_name() {
    let error = generate(&["listPets", "uploadPetPhoto"]).unwrap_err();
    assert!(
        error.contains("operation `uploadPetPhoto`") && error.contains("multipart/form-data"),
        "{error}"
    );
    let error = generate(&["subscribePetEvents"]).unwrap_err();
    assert!(
        error.contains("operation `subscribePetEvents`") && error.contains("callback `petEvent`"),
        "{error}"
    );
    let error = generate(&["listPet"]).unwrap_err();
    assert!(
        error.contains("operation `listPet` is not in the document"),
        "{error}"
    );
    assert!(
        error.contains("listPets"),
        "suggests the close name: {error}"
    );
}

/// A workspace with one generated connector: `crates/connector-demo` from the fixture.
fn demo_workspace(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("xtask-openapi-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join("crates/connector-demo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture(), dir.join("openapi.yaml")).unwrap();
    std::fs::write(dir.join("openapi.toml"), DEMO_TOML).unwrap();
    root
}

const DEMO_TOML: &str = r#"document = "openapi.yaml"
client = "Demo"

[tests]
env = { DEMO_BASE_URL = "{base_url}", DEMO_API_TOKEN = "tok-123" }
authorization = "Bearer tok-123"

[[operation]]
operation-id = "listPets"
"#;

#[test]
fn a_hand_edit_or_a_stale_openapi_toml_fails_the_check_naming_the_file() {
    let root = demo_workspace("check");
    codegen::run(&root, false).unwrap();
    assert!(codegen::run(&root, true).unwrap().stale.is_empty());

    let api = root.join("crates/connector-demo/src/generated/api.rs");
    let text = std::fs::read_to_string(&api).unwrap();
    std::fs::write(&api, text.replace("list_pets", "list_all_pets")).unwrap();
    let stale = codegen::run(&root, true).unwrap().stale;
    assert_eq!(
        stale,
        [
            "crates/connector-demo/src/generated/api.rs (generated from crates/connector-demo/openapi.toml)"
        ]
    );
    codegen::run(&root, false).unwrap();

    let toml = root.join("crates/connector-demo/openapi.toml");
    std::fs::write(
        &toml,
        format!("{DEMO_TOML}\n[[operation]]\noperation-id = \"showPetById\"\n"),
    )
    .unwrap();
    let stale = codegen::run(&root, true).unwrap().stale;
    assert!(
        stale.iter().any(
            |s| s.starts_with("crates/connector-demo/src/generated/api.rs")
                && s.ends_with("(generated from crates/connector-demo/openapi.toml)")
        ),
        "{stale:?}"
    );
    assert!(
        stale
            .iter()
            .any(|s| s.starts_with("crates/connector-demo/tests/openapi_actions.rs")),
        "{stale:?}"
    );

    // A generated folder's leftover is reported too, and a broken openapi.toml names itself.
    codegen::run(&root, false).unwrap();
    std::fs::write(root.join("crates/connector-demo/src/generated/old.rs"), "").unwrap();
    let stale = codegen::run(&root, true).unwrap().stale;
    assert_eq!(
        stale,
        ["crates/connector-demo/src/generated/old.rs (not generated any more)"]
    );
    std::fs::write(&toml, "document = 1\n").unwrap();
    let error = codegen::run(&root, true).unwrap_err();
    assert!(
        error.starts_with("crates/connector-demo/openapi.toml"),
        "{error}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
