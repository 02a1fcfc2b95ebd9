//! Every GraphQL document the connector ships is valid against both published SDL versions,
//! asks for the complexity report, and carries no literal a user value could hide in.

use std::collections::BTreeSet;
use std::path::Path;

use apollo_compiler::ast::{self, Definition, Selection};
use connector_boards::graphql::{DOCUMENTS, OperationKind};

const VERSIONS: [&str; 2] = ["2026-10", "2026-07"];

/// The `.graphql` files on disk, by name and text.
fn shipped_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("src/graphql exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "graphql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("readable document");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn operation(text: &str, file: &str) -> ast::OperationDefinition {
    let document = ast::Document::parse(text, file)
        .unwrap_or_else(|e| panic!("{file} does not parse:\n{}", e.errors));
    let operations: Vec<_> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::OperationDefinition(op) => Some((**op).clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        operations.len(),
        1,
        "{file} must hold exactly one operation"
    );
    operations.into_iter().next().unwrap()
}

#[test]
fn every_shipped_document_is_valid_against_both_sdl_versions() {
    let files = shipped_files();
    assert!(
        files.len() >= 10,
        "expected the connector's documents, found {}",
        files.len()
    );
    let mut checked = 0;
    for version in VERSIONS {
        let Some(schema) = spec_check::boards_schema(version) else {
            eprintln!("skipping GraphQL validation against {version}: the SDL file is absent");
            continue;
        };
        // What is sent: each document with the fragments it spreads.
        for document in DOCUMENTS {
            schema
                .validate_document(document.text)
                .unwrap_or_else(|e| panic!("{} against {version}:\n{e}", document.file));
            checked += 1;
        }
    }
    eprintln!("validated {checked} document/version pairs");
}

#[test]
fn the_validation_catches_a_field_that_2026_10_removed() {
    // Proves the test above can fail: `is_admin` exists in 2026-07 only.
    let (Some(current), Some(maintenance)) = (
        spec_check::boards_schema("2026-10"),
        spec_check::boards_schema("2026-07"),
    ) else {
        eprintln!("skipping: the SDL files are absent");
        return;
    };
    let document = "query { users(limit: 1) { id is_admin } }";
    assert!(current.validate_document(document).is_err());
    assert!(maintenance.validate_document(document).is_ok());
}

#[test]
fn the_documents_on_disk_are_exactly_the_ones_the_connector_sends() {
    // Each file is sent as it is, followed by the fragments it spreads, each of them once.
    let on_disk: BTreeSet<String> = shipped_files().into_iter().map(|(f, _)| f).collect();
    let sent: BTreeSet<String> = DOCUMENTS.iter().map(|d| d.file.to_owned()).collect();
    assert_eq!(on_disk, sent);
    let fragments = fragment_files();
    assert!(fragments.len() >= 3, "{fragments:?}");
    for (file, text) in shipped_files() {
        let document = DOCUMENTS.iter().find(|d| d.file == file).unwrap();
        let rest = document
            .text
            .strip_prefix(text.as_str())
            .unwrap_or_else(|| panic!("{file} is not sent as it is on disk"));
        for (name, fragment) in &fragments {
            let spread = text.contains(&format!("...{name}"));
            assert_eq!(
                rest.matches(fragment.as_str()).count(),
                usize::from(spread),
                "{file}: fragment {name} appended {} times",
                rest.matches(fragment.as_str()).count()
            );
        }
    }
    // Every fragment is spread by some document (an unused one would fail validation).
    for (name, _) in &fragments {
        assert!(
            DOCUMENTS
                .iter()
                .any(|d| d.text.contains(&format!("...{name}"))),
            "fragment {name} is spread by no document"
        );
    }
}

/// The fragment files, by the fragment's name and text.
fn fragment_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql/fragments");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/graphql/fragments exists") {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("fragment "))
            .and_then(|l| l.split_whitespace().next())
            .expect("a fragment definition")
            .to_owned();
        out.push((name, text));
    }
    out.sort();
    out
}

#[test]
fn every_document_asks_for_the_complexity_report_at_its_root() {
    for document in DOCUMENTS {
        let op = operation(document.text, document.file);
        let complexity = op
            .selection_set
            .iter()
            .find_map(|s| match s {
                Selection::Field(f) if f.name == "complexity" && f.alias.is_none() => {
                    Some(f.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{} does not select complexity at its root", document.file));
        let fields: BTreeSet<&str> = complexity
            .selection_set
            .iter()
            .filter_map(|s| match s {
                Selection::Field(f) => Some(f.name.as_str()),
                _ => None,
            })
            .collect();
        for wanted in ["query", "after", "reset_in_x_seconds"] {
            assert!(
                fields.contains(wanted),
                "{}: complexity lacks {wanted}",
                document.file
            );
        }
    }
}

#[test]
fn documents_take_every_value_as_a_variable_and_name_their_root_field() {
    for document in DOCUMENTS {
        let op = operation(document.text, document.file);
        // Comments aside, no string literal: user text can only arrive through variables.
        let code: String = document
            .text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            !code.contains('"'),
            "{} holds a string literal",
            document.file
        );
        assert!(
            !op.variables.is_empty(),
            "{} takes no variables",
            document.file
        );
        let expected = match document.kind {
            OperationKind::Query => ast::OperationType::Query,
            OperationKind::Mutation => ast::OperationType::Mutation,
            _ => unreachable!("a new operation kind needs a case here"),
        };
        assert_eq!(op.operation_type, expected, "{}", document.file);
        let roots: Vec<&str> = op
            .selection_set
            .iter()
            .filter_map(|s| match s {
                Selection::Field(f) => Some(f.name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            roots,
            [document.root_field, "complexity"],
            "{}",
            document.file
        );
    }
}
