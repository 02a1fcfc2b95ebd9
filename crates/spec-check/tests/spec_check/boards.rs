//! Boards (monday.com) SDL validation. Skips when the specs are absent.

use spec_check::boards_schema;

const VERSIONS: [&str; 2] = ["2026-10", "2026-07"];

#[test]
fn users_query_validates_on_both_versions() {
    for version in VERSIONS {
        let Some(schema) = boards_schema(version) else {
            return;
        };
        assert_eq!(schema.version(), version);
        schema
            .validate_document("query { users(ids: [1]) { id name email } }")
            .unwrap();
        schema
            .validate_document(
                "query Boards($ids: [ID!], $limit: Int) { boards(ids: $ids, limit: $limit) { id name } }",
            )
            .unwrap();
    }
}

#[test]
fn is_admin_was_removed_in_2026_10() {
    let document = "query { users(ids: [1]) { id is_admin } }";
    if let Some(current) = boards_schema("2026-10") {
        let error = current.validate_document(document).unwrap_err();
        eprintln!("{error}");
        assert!(error.contains("is_admin"), "{error}");
    }
    if let Some(maintenance) = boards_schema("2026-07") {
        maintenance.validate_document(document).unwrap();
    }
}

#[test]
fn invalid_documents_fail() {
    let Some(schema) = boards_schema("2026-10") else {
        return;
    };
    assert!(
        schema
            .validate_document("query { users(ids: [1]) { id")
            .is_err()
    );
    assert!(schema.validate_document("query { nope { id } }").is_err());
    // Variables must be declared and of a compatible type.
    assert!(
        schema
            .validate_document("query { boards(ids: $ids) { id } }")
            .is_err()
    );
    assert!(
        schema
            .validate_document("query ($ids: [String!]) { boards(ids: $ids) { id } }")
            .is_err()
    );
}

const SUBSET: &str = r#"
type Query {
  boards(ids: [ID!], limit: Int, page: Int): [Board]
  users(ids: [ID!], emails: [String!]): [User!]
}
type Board { id: ID! name: String! state: State! }
type User { id: ID! name: String! email: String! }
enum State { active archived deleted all }
"#;

#[test]
fn subset_sdl_is_accepted() {
    for version in VERSIONS {
        let Some(schema) = boards_schema(version) else {
            return;
        };
        schema.check_subset(SUBSET).unwrap();
    }
}

#[test]
fn subset_root_type_names_map_onto_query() {
    let Some(schema) = boards_schema("2026-10") else {
        return;
    };
    let sdl = "schema { query: QueryRoot } type QueryRoot { boards(ids: [ID!]): [Board] } \
               type Board { id: ID! }";
    schema.check_subset(sdl).unwrap();
    // Built-in scalars and directives printed by some SDL exporters are ignored.
    let sdl = "scalar String\nscalar ID\ndirective @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n\
               type Query { boards(ids: [ID!]): [Board] } type Board { id: ID! name: String! }";
    schema.check_subset(sdl).unwrap();
}

#[test]
fn subset_with_wrong_field_type_is_rejected() {
    let Some(schema) = boards_schema("2026-10") else {
        return;
    };
    let sdl = "type Query { boards(ids: [ID!], limit: Int, page: Int): [Board] } \
               type Board { id: ID! name: String }";
    let errors = schema.check_subset(sdl).unwrap_err();
    eprintln!("{errors:#?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("Board.name"), "{errors:?}");
    let sdl = "type Query { boards(ids: [String], limit: Int, page: Int): [Board] } \
               type Board { id: ID! }";
    let errors = schema.check_subset(sdl).unwrap_err();
    eprintln!("{errors:#?}");
    assert!(errors[0].contains("ids"), "{errors:?}");
}

#[test]
fn subset_with_invented_field_is_rejected() {
    let Some(schema) = boards_schema("2026-10") else {
        return;
    };
    let sdl = "type Query { boards(ids: [ID!]): [Board] } \
               type Board { id: ID! colour: String } \
               enum State { active sleeping } \
               type Gadgetron { id: ID! }";
    let errors = schema.check_subset(sdl).unwrap_err();
    eprintln!("{errors:#?}");
    assert!(
        errors.iter().any(|e| e.contains("Board.colour")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("State.sleeping")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("Gadgetron")), "{errors:?}");
    // User.is_admin exists only in 2026-07.
    let sdl = "type Query { users(ids: [ID!]): [User!] } type User { id: ID! is_admin: Boolean }";
    if let Some(old) = boards_schema("2026-07") {
        old.check_subset(sdl).unwrap();
    }
    assert!(schema.check_subset(sdl).is_err());
}

#[test]
fn subset_missing_required_argument_is_rejected() {
    let Some(schema) = boards_schema("2026-10") else {
        return;
    };
    // Find a field with a required argument in the real schema, then omit it.
    let query = schema.schema().get_object("Mutation").expect("Mutation");
    let (field, arg) = query
        .fields
        .values()
        .find_map(|f| {
            f.arguments
                .iter()
                .find(|a| a.ty.is_non_null() && a.default_value.is_none())
                .map(|a| (f, a))
        })
        .expect("some mutation has a required argument");
    let sdl = format!(
        "type Query {{ boards(ids: [ID!]): [Board] }} type Board {{ id: ID! }} type Mutation {{ {}: {} }}",
        field.name, field.ty
    );
    let errors = schema.check_subset(&sdl).unwrap_err();
    eprintln!("{errors:#?}");
    assert!(
        errors.iter().any(|e| e.contains(arg.name.as_str())),
        "{errors:?}"
    );
}

#[test]
#[should_panic(expected = "must look like")]
fn malformed_versions_panic() {
    let _ = boards_schema("latest");
}
