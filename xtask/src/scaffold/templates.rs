//! The files of a new connector, with `{{...}}` placeholders that `render` fills. The layout
//! is the one both shipped connectors follow: `model/` (types), `api/` (typed methods),
//! `actions.rs` (the table of actions), `client.rs` (the client and its builder). Sections
//! marked `{{#example}}` are the example action's, `{{#openapi}}` the generated actions'.

use super::example;

/// The files of a new crate (path in the crate, template): with `--openapi`, the actions
/// come from `src/generated/` instead of the example's `model/` and `api/`.
pub(super) fn files(openapi: bool) -> Vec<(&'static str, &'static str)> {
    let mut files = vec![
        ("Cargo.toml", CARGO_TOML),
        ("README.md", README),
        ("src/lib.rs", LIB_RS),
        ("src/client.rs", CLIENT_RS),
        ("src/actions.rs", ACTIONS_RS),
        ("tests/actions.rs", TESTS_RS),
    ];
    if !openapi {
        files.extend([
            ("src/model/mod.rs", example::MODEL_MOD_RS),
            ("src/model/items.rs", example::MODEL_ITEMS_RS),
            ("src/api/mod.rs", example::API_MOD_RS),
            ("src/api/items.rs", example::API_ITEMS_RS),
        ]);
    }
    files
}

/// `Cargo.toml`.
pub(super) const CARGO_TOML: &str = r#"[package]
name = "connector-{{id}}"
description = "{{Title}} connector for the connectors toolkit"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
keywords.workspace = true
categories.workspace = true
readme = "README.md"

[dependencies]
connector-core.workspace = true
serde.workspace = true
serde_json.workspace = true
schemars.workspace = true

[dev-dependencies]
connector-core = { workspace = true, features = ["test-util"] }
httpmock.workspace = true
tokio.workspace = true
{{#openapi}}# The generated tests validate each request against the OpenAPI document.
spec-check.workspace = true
{{/openapi}}
[lints]
workspace = true
"#;

/// `README.md`.
pub(super) const README: &str = r#"# connector-{{id}}

The {{Title}} connector: typed actions over the {{Title}} API ({{base_url}}) on
`connector-core`'s pipeline (auth, rate limiting, retries, errors, the Custom API Action).

{{#example}}Scaffolded by `cargo xtask new-connector`. Replace the example action `get-item` with the
API's own, then run `cargo test -p connector-{{id}}` and `cargo xtask codegen`.
{{/example}}{{#openapi}}Scaffolded by `cargo xtask new-connector --openapi`: the actions are generated from the
service's OpenAPI document (`openapi.yaml` or `openapi.json` here) by `cargo xtask codegen`,
for the operations `openapi.toml` lists, into `src/generated/` and `tests/openapi_actions.rs`.
To add one, list it in `openapi.toml`, run `cargo xtask codegen`, add its definition
(`generated::actions::<operation>()`) to the table in `src/actions.rs`, and run
`cargo xtask codegen` again to document it.
{{/openapi}}
## Layout

{{#example}}- `src/model/`: the service's types and the actions' inputs and outputs, one file per API area.
- `src/api/`: typed methods on the client, one file per API area.
{{/example}}{{#openapi}}- `src/generated/`: generated, do not edit: the document's types, the actions' inputs, the
  typed methods and the actions' definitions.
{{/openapi}}- `src/actions.rs`: the connector's table: settings, docs, and each action as an `ActionDef`.
- `src/client.rs`: the client and its builder (credentials here; retry policy, limiter,
  timeouts and clock come from the connection's settings).

## Settings

{{auth_docs}} Variables: see `connector describe {{id}}`; the base URL is
`{{UPPER}}_BASE_URL` (default `{{base_url}}`).

## Actions

{{#example}}- `get-item`: reads one item by id (`GET /items/{id}`), an example to replace.
{{/example}}{{openapi_actions}}- `custom-api-action`: any authenticated call on the service's origin.
"#;

/// `src/lib.rs`.
pub(super) const LIB_RS: &str = r#"//! The {{Title}} connector: typed actions over the {{Title}} API on connector-core's pipeline.
//!
//! - [`{{Pascal}}`]: the client, built with [`{{Pascal}}::builder`] from the credentials and
//!   the connection's own settings (retry policy, limiter, timeouts, clock).
{{#example}}//! - Typed methods ([`{{Pascal}}::get_item`]) and the same operations as actions for the CLI
//!   and workflow engines ([`connector()`]).
{{/example}}{{#openapi}}//! - Typed methods generated from the service's OpenAPI document ([`generated`]) and the
//!   same operations as actions for the CLI and workflow engines ([`connector()`]).
{{/openapi}}//!
//! ```no_run
//! # async fn example() -> connector_core::Result<()> {
//! use connector_{{snake}}::{{Pascal}};
//!
//! let client = {{Pascal}}::builder("{{base_url}}"){{auth_doc_example}}.build()?;
{{#example}}//! let item = client.get_item("42").await?;
//! println!("{}", item.id);
{{/example}}{{#openapi}}//! let _connection = connector_core::HasConnection::connection(&client);
{{/openapi}}//! # Ok(())
//! # }
//! ```

mod actions;
{{#example}}mod api;
{{/example}}mod client;
{{#openapi}}pub mod generated;
{{/openapi}}{{#example}}mod model;
{{/example}}
pub use actions::connector;
pub use client::{{{Pascal}}, {{Pascal}}Builder};
{{#example}}pub use model::{GetItemInput, Item};
{{/example}}"#;

/// `src/client.rs`.
pub(super) const CLIENT_RS: &str = r#"//! The {{Title}} client and its builder.

use std::sync::Arc;

{{auth_imports}}use connector_core::auth::Authenticator;
use connector_core::limiter::{Limit, LimitKey, LimiterSpec};
use connector_core::{Connection, ConnectionBuilder, Env, Error, HasConnection, Profile, Request, Result};

/// The requests per minute the client allows itself by default; `limiter` replaces it.
const REQUESTS_PER_MINUTE: u64 = 600;

/// A client of the {{Title}} API: cheap to clone, safe to share between tasks.
#[derive(Clone, Debug)]
pub struct {{Pascal}} {
    connection: Connection,
}

impl HasConnection for {{Pascal}} {
    fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// Builds a [`{{Pascal}}`] client: the credentials, plus the connection's own settings
/// ([`retry_policy`]({{Pascal}}Builder::retry_policy), [`limiter`]({{Pascal}}Builder::limiter),
/// [`timeouts`]({{Pascal}}Builder::timeouts), [`clock`]({{Pascal}}Builder::clock), ... and
/// [`connection`]({{Pascal}}Builder::connection) for any other).
pub struct {{Pascal}}Builder {
    connection: ConnectionBuilder,
    auth: Option<Arc<dyn Authenticator>>,
}

connector_core::connection_settings!({{Pascal}}Builder, connection);

impl {{Pascal}}Builder {
{{auth_method}}
    /// Builds the client; fails on a bad base URL or missing credentials.
    pub fn build(self) -> Result<{{Pascal}}> {
        let auth = self
            .auth
            .ok_or_else(|| Error::configuration("set the {{Title}} credentials on the builder"))?;
        Ok({{Pascal}} {
            connection: self.connection.auth_arc(auth).build()?,
        })
    }
}

impl {{Pascal}} {
    /// Starts building a client for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> {{Pascal}}Builder {
        let base_url = base_url.into();
        // One budget per API origin: every request spends one unit of it, in this process
        // or, with a limiter backend (CONNECTOR_RATE_LIMIT_URL), in every process.
        let spec = LimiterSpec::new(format!("{{id}}:{base_url}"))
            .with_limit("{{id}}:requests", Limit::per_minute(REQUESTS_PER_MINUTE));
        let profile = Profile::plain()
            .named("{{id}}")
            .with_limit_keys(|_: &Request| vec![(LimitKey::quota("{{id}}:requests"), 1)]);
        {{Pascal}}Builder {
            connection: Connection::builder(&base_url)
                .profile(profile)
                .limiter_spec(spec)
                .user_agent_product(concat!("connector-{{id}}/", env!("CARGO_PKG_VERSION"))),
            auth: None,
        }
    }

    /// A client from the environment (`{{UPPER}}_BASE_URL` and the credentials' variables),
    /// with the environment's run options (a dry run, a shared limiter backend) applied by
    /// the core, as for every connector.
    pub fn from_env(env: &Env) -> Result<{{Pascal}}> {
        let mut builder =
            {{Pascal}}::builder(env.get("{{UPPER}}_BASE_URL").unwrap_or("{{base_url}}")).env(env);
{{auth_from_env}}        builder.build()
    }
}
"#;

/// `src/actions.rs`.
pub(super) const ACTIONS_RS: &str = r#"//! The connector's table: its settings, its docs and its actions, each an `ActionDef` over
//! the typed method of the same name{{#openapi}} (the generated ones defined in
//! [`generated::actions`]){{/openapi}}.

use connector_core::action::{ConnectorDocs, Setting};
use connector_core::{
    {{#example}}ActionDef, {{/example}}ConnectorDef, CustomApiAction, ErrorKind,
};

use crate::client::{{Pascal}};
{{#example}}use crate::model::GetItemInput;
{{/example}}{{#openapi}}use crate::generated;
{{/openapi}}
/// The connector: its actions, settings and docs, for the registry.
pub fn connector() -> ConnectorDef<{{Pascal}}> {
    ConnectorDef::new(
        "{{id}}",
        "{{Title}}",
        "Typed actions over the {{Title}} API.",
        {{Pascal}}::from_env,
    )
    .setting(Setting {
        name: "{{UPPER}}_BASE_URL",
        aliases: &[],
        secret: false,
        description: "The API's base URL (default {{base_url}}).",
    })
{{auth_settings}}    .with_docs(
        ConnectorDocs::new("The {{Title}} connector.", "{{auth_docs}}")
            .error("404", ErrorKind::NotFound, "{{#example}}the item{{/example}}{{#openapi}}what the request names{{/openapi}} does not exist"),
    )
{{#example}}    .action(ActionDef::new(
        "get-item",
        "Get Item",
        "Reads one item by id.",
        |client: {{Pascal}}, input: GetItemInput| async move { client.get_item(&input.id).await },
    ))
{{/example}}{{openapi_table}}    .action(CustomApiAction::new(
        "Makes an authenticated request to any path of the {{Title}} API.",
        None,
    ))
}
"#;

/// `tests/actions.rs`.
pub(super) const TESTS_RS: &str = r#"//! Request shapes of the {{Title}} connector's actions, and its connection's settings.

use connector_{{snake}}::{{{Pascal}}, {{Pascal}}Builder};
use connector_core::clock::ManualClock;
use connector_core::{ErrorKind, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;
use std::sync::Arc;

/// A builder for the mock server, with credentials and a clock that never sleeps for real.
async fn builder(server: &MockServer) -> {{Pascal}}Builder {
    let oauth = {{oauth}};
    let builder = {{Pascal}}::builder(server.base_url()).clock(Arc::new(ManualClock::new()));
    if oauth {
        server
            .mock_async(|when, then| {
                when.method(POST).path("/token");
                then.status(200)
                    .json_body(json!({"token_type": "Bearer", "access_token": "tok-123", "expires_in": 3600}));
            })
            .await;
        builder_with_auth(builder, &format!("{}/token", server.base_url()))
    } else {
        builder_with_auth(builder, "")
    }
}

async fn client(server: &MockServer) -> {{Pascal}} {
    builder(server).await.build().unwrap()
}

#[allow(unused_variables)]
fn builder_with_auth(builder: {{Pascal}}Builder, token_url: &str) -> {{Pascal}}Builder {
    builder{{auth_test_builder}}
}

{{#example}}#[tokio::test]
async fn get_item_sends_an_authenticated_get_and_parses_the_item() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/items/42")
                .header("authorization", "{{auth_test_header}}")
                .header("accept", "application/json");
            then.status(200).json_body(json!({"id": "42", "name": "Answer"}));
        })
        .await;
    let item = client(&server).await.get_item("42").await.unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(item.id, "42");
    assert_eq!(item.fields["name"], "Answer");
}

#[tokio::test]
async fn a_missing_item_is_not_found_and_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items/nope");
            then.status(404).body("{}");
        })
        .await;
    let error = client(&server).await.get_item("nope").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_409_is_not_retried_by_default() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items/busy");
            then.status(409).json_body(json!({"error": "busy"}));
        })
        .await;
    let error = client(&server).await.get_item("busy").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    mock.assert_calls_async(1).await;
}
{{/example}}
#[tokio::test]
async fn a_custom_retry_policy_retries_a_409() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items/busy");
            then.status(409).json_body(json!({"error": "busy"}));
        })
        .await;
    let policy = RetryPolicy::default()
        .with_retry_statuses([409])
        .with_max_retries(1);
    let client = builder(&server).await.retry_policy(policy).build().unwrap();
    let error = connector_{{snake}}::connector()
        .run(&client, "custom-api-action", json!({"method": "GET", "relativeUrl": "/items/busy"}))
        .await
        .unwrap_err();
    // The first attempt and one retry reached the service; then the 409 is reported.
    mock.assert_calls_async(2).await;
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(error.attempts(), 2);
}

#[tokio::test]
async fn the_custom_api_action_runs_through_the_registry() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/anything").header("authorization", "{{auth_test_header}}");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let c = client(&server).await;
    let connector = connector_{{snake}}::connector();
    let output = connector
        .run(&c, "custom-api-action", json!({"method": "GET", "relativeUrl": "/anything"}))
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(output["statusCode"], 200);
    assert_eq!(output["body"]["ok"], true);
}

{{#example}}#[tokio::test]
async fn get_item_runs_through_the_registry_as_json() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items/7");
            then.status(200).json_body(json!({"id": "7"}));
        })
        .await;
    let c = client(&server).await;
    let output = connector_{{snake}}::connector()
        .run(&c, "get-item", json!({"id": "7"}))
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
    assert_eq!(output["id"], "7");
}
{{/example}}"#;
