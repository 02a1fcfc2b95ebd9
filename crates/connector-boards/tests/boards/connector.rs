//! The connector as the CLI and workflow engines see it: ids, settings, schemas, connecting
//! from the environment.

use crate::common;

use std::collections::BTreeSet;

use common::{TOKEN, answer, fallback};
use connector_boards::connector;
use connector_core::{Connector, Env, ErrorKind};
use httpmock::prelude::*;
use serde_json::{Value, json};

/// DESIGN.md's table: each action with its input fields.
const ACTIONS: &[(&str, &[&str])] = &[
    ("add-user-to-board", &["boardId", "userIds", "kind"]),
    ("delete-user-from-board", &["boardId", "userIds"]),
    ("archive-board", &["boardId"]),
    ("delete-board", &["boardId"]),
    (
        "create-board",
        &[
            "name",
            "kind",
            "workspaceId",
            "folderId",
            "templateId",
            "description",
            "ownerIds",
            "subscriberIds",
        ],
    ),
    (
        "list-boards",
        &["workspaceId", "state", "kind", "orderBy", "limit", "max"],
    ),
    ("read-board", &["boardId"]),
    ("read-user", &["id", "email"]),
    ("search-users", &["name", "kind", "limit", "max"]),
    (
        "custom-api-action",
        &["method", "relativeUrl", "query", "headers", "body"],
    ),
];

fn properties(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_connector_has_design_s_actions_with_their_camel_case_inputs() {
    let connector = connector();
    assert_eq!(connector.id(), "boards");
    let actions = connector.actions();
    let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
    let expected: Vec<&str> = ACTIONS.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected);
    for (id, fields) in ACTIONS {
        let action = actions.iter().find(|a| a.id == *id).unwrap();
        let wanted: BTreeSet<String> = fields.iter().map(|f| f.to_string()).collect();
        assert_eq!(properties(&action.input_schema), wanted, "{id}");
        assert_eq!(
            action.input_schema["additionalProperties"], false,
            "{id} must refuse unknown fields"
        );
        assert!(
            !action.description.is_empty() && !action.name.is_empty(),
            "{id}"
        );
    }
}

#[test]
fn required_inputs_are_the_ones_design_requires() {
    let actions = connector().actions();
    let required = |id: &str| -> BTreeSet<String> {
        let action = actions.iter().find(|a| a.id == id).unwrap();
        action.input_schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(required("add-user-to-board"), set(&["boardId", "userIds"]));
    assert_eq!(required("create-board"), set(&["name", "kind"]));
    assert_eq!(required("read-board"), set(&["boardId"]));
    assert_eq!(required("list-boards"), set(&[]));
    assert_eq!(required("read-user"), set(&[]));
}

/// Every property name in a schema, at any depth.
fn all_property_names(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for v in map.values() {
                all_property_names(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_property_names(v, out)),
        _ => {}
    }
}

#[test]
fn output_schemas_use_camel_case_names() {
    for action in connector().actions() {
        let mut names = BTreeSet::new();
        all_property_names(&action.output_schema, &mut names);
        assert!(!names.is_empty(), "{}", action.id);
        for name in names {
            assert!(
                !name.contains('_'),
                "{}: output field {name} is not camelCase",
                action.id
            );
        }
    }
    let read_board = connector()
        .actions()
        .into_iter()
        .find(|a| a.id == "read-board")
        .unwrap();
    let mut names = BTreeSet::new();
    all_property_names(&read_board.output_schema, &mut names);
    for wanted in [
        "boardKind",
        "workspaceId",
        "owners",
        "subscribers",
        "groups",
        "workspace",
    ] {
        assert!(names.contains(wanted), "read-board output lacks {wanted}");
    }
}

#[test]
fn settings_name_the_environment_variables_and_mark_the_token_secret() {
    let settings = connector().settings();
    let names: Vec<&str> = settings.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        ["BOARDS_API_TOKEN", "BOARDS_API_URL", "BOARDS_API_VERSION"]
    );
    assert!(settings[0].secret);
    assert!(!settings[1].secret && !settings[2].secret);
    let docs = connector().docs();
    assert!(!docs.overview.is_empty() && !docs.authorization.is_empty());
    assert!(
        docs.errors
            .iter()
            .any(|(code, kind, _)| *code == "InvalidBoardIdException"
                && *kind == ErrorKind::NotFound)
    );
}

#[tokio::test]
async fn a_session_from_the_environment_runs_actions_with_its_url_and_version() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .header("api-version", "2026-07");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer(
                    "boards",
                    json!([{ "id": "5", "name": "Plan", "state": "active" }]),
                    "r",
                ));
        })
        .await;
    fallback(&server).await;
    let env = Env::from_pairs([
        ("BOARDS_API_TOKEN", TOKEN.to_owned()),
        ("BOARDS_API_URL", server.url("/v2")),
        ("BOARDS_API_VERSION", "2026-07".to_owned()),
    ]);
    let session = connector().connect(&env).unwrap();
    let output = session
        .run("read-board", json!({ "boardId": "5" }))
        .await
        .unwrap();
    assert_eq!(
        output,
        json!({ "id": "5", "name": "Plan", "state": "active" })
    );
    mock.assert_async().await;
}

#[test]
fn connecting_without_a_token_or_with_bad_settings_is_a_configuration_error() {
    let cases = [
        (
            Env::from_pairs([("BOARDS_API_URL", "https://api.monday.com/v2")]),
            "BOARDS_API_TOKEN",
        ),
        (
            Env::from_pairs([
                ("BOARDS_API_TOKEN", TOKEN),
                ("BOARDS_API_URL", "http://api.example.com/v2"),
            ]),
            "BOARDS_API_URL",
        ),
        (
            Env::from_pairs([("BOARDS_API_TOKEN", TOKEN), ("BOARDS_API_URL", "not a url")]),
            "BOARDS_API_URL",
        ),
        (
            Env::from_pairs([("BOARDS_API_TOKEN", TOKEN), ("BOARDS_API_VERSION", "v2")]),
            "BOARDS_API_VERSION",
        ),
    ];
    for (env, variable) in cases {
        let error = match connector().connect(&env) {
            Ok(_) => panic!("{env:?} connected"),
            Err(e) => e,
        };
        assert_eq!(error.kind(), ErrorKind::Configuration, "{error}");
        assert!(
            error.message().contains(variable),
            "{error} should name {variable}"
        );
        assert!(!error.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn an_unknown_action_or_input_field_is_invalid_input() {
    let env = Env::from_pairs([("BOARDS_API_TOKEN", TOKEN)]);
    let session = connector().connect(&env).unwrap();
    let error = session.run("archive-boards", json!({})).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(
        error.message().contains("search-users"),
        "the known actions are listed: {error}"
    );
    let error = session
        .run("read-board", json!({ "boardId": "1", "board": 2 }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}
