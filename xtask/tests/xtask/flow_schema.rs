//! The generated flow schema (`docs/schemas/flow.schema.json`) accepts every flow file the
//! project ships (`crates/connector-cli/flows/**`) and every flow file of the tests
//! (`crates/*/tests/**/*.yaml`), checked with the `jsonschema` crate's validator, which
//! resolves every `$ref` inside the schema as an editor does.

use std::path::{Path, PathBuf};

use xtask::workspace_root;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_and_test_flow_file_matches_the_flow_schema_with_references_resolved() {
    let root = workspace_root();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/schemas/flow.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the flow schema compiles");
    let mut files = Vec::new();
    yaml_files(&root.join("crates/connector-cli/flows"), &mut files);
    for krate in std::fs::read_dir(root.join("crates"))
        .unwrap()
        .filter_map(Result::ok)
    {
        yaml_files(&krate.path().join("tests"), &mut files);
    }
    files.sort();
    let mut checked = Vec::new();
    let mut refused = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc = connector_runtime::flows::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        for error in validator.iter_errors(&doc.value) {
            refused.push(format!(
                "{}: {} at {}",
                file.display(),
                error,
                error.instance_path()
            ));
        }
        checked.push(file.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    // The shipped template, the examples (blocks and helper flows among them) and the
    // tests' own flow files were all checked.
    for name in [
        "add-user-to-admin-role.yaml",
        "grant-help-desk-to-one.yaml",
        "grant-help-desk-to-logins.yaml",
        "batch-of-calls.yaml",
    ] {
        assert!(
            checked.iter().any(|c| c == name),
            "{name} not in {checked:?}"
        );
    }
    // And the validator does refuse what the format does not allow.
    let bad = connector_runtime::flows::parse(
        "name: x\ntrigger: { callable: { input: {} }, manual: {} }\nsteps:\n  - id: a\n    call: 12\n",
    )
    .unwrap();
    assert!(!validator.is_valid(&bad.value));
}
