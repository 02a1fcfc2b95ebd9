//! The files of a new connector crate, as templates.

use super::{Auth, Names, Options};

pub(super) fn render(template: &str, n: &Names, options: &Options) -> String {
    let (auth_method, auth_doc_example, auth_from_env, auth_settings, auth_test_builder, auth_test_header, auth_docs) = match options.auth {
        Auth::Header | Auth::Bearer => {
            let (ctor, header) = if options.auth == Auth::Header {
                ("raw", "tok-123")
            } else {
                ("bearer", "Bearer tok-123")
            };
            (
                format!(
                    "    /// Authenticates with an API token.\n    pub fn api_token(mut self, token: impl Into<String>) -> Self {{\n        self.auth = Some(Arc::new(StaticToken::{ctor}(token)));\n        self\n    }}\n"
                ),
                ".api_token(\"...\")".to_owned(),
                format!("        builder = builder.api_token(env.require(\"{0}_API_TOKEN\", \"the API token\")?);\n", n.upper),
                format!("        .setting(Setting {{\n            name: \"{0}_API_TOKEN\",\n            aliases: &[],\n            secret: true,\n            description: \"The API token.\",\n        }})\n", n.upper),
                ".api_token(\"tok-123\")".to_owned(),
                header.to_owned(),
                "An API token, sent in the `Authorization` header.".to_owned(),
            )
        }
        Auth::Basic => (
            "    /// Authenticates with a user name and password (HTTP Basic).\n    pub fn basic(mut self, user: &str, password: impl Into<String>) -> Self {\n        self.auth = Some(Arc::new(StaticToken::basic(user, password)));\n        self\n    }\n".to_owned(),
            ".basic(\"user\", \"...\")".to_owned(),
            format!("        builder = builder.basic(\n            env.require(\"{0}_USERNAME\", \"the user name\")?,\n            env.require(\"{0}_PASSWORD\", \"the password\")?,\n        );\n", n.upper),
            format!("        .setting(Setting {{\n            name: \"{0}_USERNAME\",\n            aliases: &[],\n            secret: false,\n            description: \"The user name.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_PASSWORD\",\n            aliases: &[],\n            secret: true,\n            description: \"The password.\",\n        }})\n", n.upper),
            ".basic(\"user\", \"tok-123\")".to_owned(),
            "Basic dXNlcjp0b2stMTIz".to_owned(),
            "HTTP Basic with a user name and password.".to_owned(),
        ),
        Auth::OAuthClientCredentials => (
            "    /// Authenticates with OAuth 2.0 client credentials (`client_secret_post`).\n    pub fn client_credentials(\n        mut self,\n        token_url: &str,\n        client_id: &str,\n        client_secret: impl Into<String>,\n        scopes: &[&str],\n    ) -> Result<Self> {\n        let source = ClientCredentials::new(\n            token_url,\n            client_id,\n            scopes.iter().copied(),\n            ClientAuth::Secret(SecretString::from(client_secret.into())),\n        )?;\n        self.auth = Some(Arc::new(source));\n        Ok(self)\n    }\n".to_owned(),
            ".client_credentials(\"https://auth.example.com/token\", \"client\", \"...\", &[\"read\"])?".to_owned(),
            format!("        let scopes: Vec<&str> = env.get(\"{0}_SCOPES\").unwrap_or(\"\").split_whitespace().collect();\n        builder = builder.client_credentials(\n            env.require(\"{0}_TOKEN_URL\", \"the OAuth token URL\")?,\n            env.require(\"{0}_CLIENT_ID\", \"the OAuth client id\")?,\n            env.require(\"{0}_CLIENT_SECRET\", \"the OAuth client secret\")?,\n            &scopes,\n        )?;\n", n.upper),
            format!("        .setting(Setting {{\n            name: \"{0}_TOKEN_URL\",\n            aliases: &[],\n            secret: false,\n            description: \"The OAuth 2.0 token URL.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_CLIENT_ID\",\n            aliases: &[],\n            secret: false,\n            description: \"The OAuth client id.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_CLIENT_SECRET\",\n            aliases: &[],\n            secret: true,\n            description: \"The OAuth client secret.\",\n        }})\n        .setting(Setting {{\n            name: \"{0}_SCOPES\",\n            aliases: &[],\n            secret: false,\n            description: \"Space-separated scopes (optional).\",\n        }})\n", n.upper),
            "\n        .client_credentials(token_url, \"client\", \"s3cret\", &[\"read\"])\n        .unwrap()".to_owned(),
            "Bearer tok-123".to_owned(),
            "OAuth 2.0 client credentials: the token is fetched, cached and refreshed before it expires.".to_owned(),
        ),
    };
    let imports = match options.auth {
        Auth::OAuthClientCredentials => {
            "use connector_core::secrecy::SecretString;\nuse connector_core::{ClientAuth, ClientCredentials};\n"
        }
        _ => "use connector_core::StaticToken;\n",
    };
    let template = sections(template, "example", options.openapi.is_none());
    let template = sections(&template, "openapi", options.openapi.is_some());
    let openapi_actions: String = options
        .openapi
        .iter()
        .flat_map(|o| &o.actions)
        .map(|(id, name)| format!("- `{id}`: {name} (generated).\n"))
        .collect();
    template
        .replace("{{openapi_actions}}", &openapi_actions)
        .replace("{{id}}", &n.id)
        .replace("{{snake}}", &n.snake)
        .replace("{{Pascal}}", &n.pascal)
        .replace("{{UPPER}}", &n.upper)
        .replace("{{Title}}", &n.title)
        .replace("{{base_url}}", &options.base_url)
        .replace("{{auth_imports}}", imports)
        .replace("{{auth_method}}", &auth_method)
        .replace("{{auth_doc_example}}", &auth_doc_example)
        .replace("{{auth_from_env}}", &auth_from_env)
        .replace("{{auth_settings}}", &auth_settings)
        .replace("{{auth_test_builder}}", &auth_test_builder)
        .replace("{{auth_test_header}}", &auth_test_header)
        .replace("{{auth_docs}}", &auth_docs)
        .replace(
            "{{oauth}}",
            if options.auth == Auth::OAuthClientCredentials {
                "true"
            } else {
                "false"
            },
        )
}

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
async-trait.workspace = true
serde.workspace = true
serde_json.workspace = true
schemars.workspace = true

[dev-dependencies]
# ManualClock for the tests.
connector-core = { workspace = true, features = ["test-util"] }
httpmock.workspace = true
tokio.workspace = true
{{#openapi}}spec-check.workspace = true
{{/openapi}}
[lints]
workspace = true
"#;

pub(super) const README: &str = r#"# connector-{{id}}

The {{Title}} connector: typed actions over the {{Title}} API ({{base_url}}) on
`connector-core`'s pipeline (auth, rate limiting, retries, errors, the Custom API Action).

{{#example}}Scaffolded by `cargo xtask new-connector`. Replace the example action `get-item` with the
API's own, then run `cargo test -p connector-{{id}}` and `cargo xtask codegen`.{{/example}}{{#openapi}}Scaffolded by `cargo xtask new-connector --openapi`: the actions are generated from the
service's OpenAPI document (`openapi.yaml` or `openapi.json` here) by `cargo xtask codegen`,
for the operations `openapi.toml` lists, into `src/generated/` and `tests/openapi_actions.rs`.
Add an operation to `openapi.toml` and run `cargo xtask codegen` (twice: the second run
documents the new action).{{/openapi}}

## Settings

{{auth_docs}} Variables: see `connector describe {{id}}`; the base URL is
`{{UPPER}}_BASE_URL` (default `{{base_url}}`).

## Actions

{{#example}}- `get-item`: reads one item by id (`GET /items/{id}`), an example to replace.
{{/example}}{{openapi_actions}}- `custom-api-action`: any authenticated call on the service's origin.
"#;

pub(super) const LIB_RS: &str = r#"//! The {{Title}} connector: typed actions over the {{Title}} API on connector-core's pipeline.
//!
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

use std::sync::Arc;

{{#example}}use async_trait::async_trait;
{{/example}}{{auth_imports}}use connector_core::{
    {{#example}}Action, {{/example}}Authenticator, Clock, Connection, ConnectorDef, ConnectorDocs, CustomApiAction, DryRunLog, Env,
    ErrorKind, HasConnection, {{#example}}Method, {{/example}}Result, Setting, {{#example}}path_segment, schemars,{{/example}}
};
{{#example}}use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
{{/example}}{{#openapi}}
pub mod generated;
{{/openapi}}
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

/// Builds a [`{{Pascal}}`] client.
pub struct {{Pascal}}Builder {
    base_url: String,
    auth: Option<Arc<dyn Authenticator>>,
    clock: Option<Arc<dyn Clock>>,
    dry_run: Option<DryRunLog>,
}

impl {{Pascal}}Builder {
{{auth_method}}
    /// Uses another clock for retry waits (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Records requests instead of sending them.
    pub fn dry_run(mut self, log: Option<DryRunLog>) -> Self {
        self.dry_run = log;
        self
    }

    /// Builds the client; fails on a bad base URL or missing credentials.
    pub fn build(self) -> Result<{{Pascal}}> {
        let auth = self.auth.ok_or_else(|| {
            connector_core::Error::configuration("set the {{Title}} credentials on the builder")
        })?;
        let mut builder = Connection::builder(&self.base_url)
            .auth_arc(auth)
            .user_agent_product(concat!("connector-{{id}}/", env!("CARGO_PKG_VERSION")))
            .dry_run(self.dry_run);
        if let Some(clock) = self.clock {
            builder = builder.clock(clock);
        }
        Ok({{Pascal}} {
            connection: builder.build()?,
        })
    }
}

impl {{Pascal}} {
    /// Starts building a client for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> {{Pascal}}Builder {
        {{Pascal}}Builder {
            base_url: base_url.into(),
            auth: None,
            clock: None,
            dry_run: None,
        }
    }

    /// A client from the environment (`{{UPPER}}_BASE_URL` and the credentials' variables).
    pub fn from_env(env: &Env) -> Result<{{Pascal}}> {
        let mut builder =
            {{Pascal}}::builder(env.get("{{UPPER}}_BASE_URL").unwrap_or("{{base_url}}")).dry_run(env.dry_run());
{{auth_from_env}}        builder.build()
    }
{{#example}}
    /// Reads one item by id (`GET /items/{id}`).
    ///
    /// ```no_run
    /// # async fn example(client: connector_{{snake}}::{{Pascal}}) -> connector_core::Result<()> {
    /// let item = client.get_item("42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_item(&self, id: &str) -> Result<Item> {
        let path = format!("/items/{}", path_segment(id));
        self.connection
            .send_json(self.connection.request(Method::GET, &path))
            .await
    }
{{/example}}}
{{#example}}
/// The input of `get-item`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetItemInput {
    /// The item's id.
    pub id: String,
}

/// An item, as the API returns it.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The item's id.
    pub id: String,
    /// Every other field the API returned.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// `get-item`: reads one item by id.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetItem;

#[async_trait]
impl Action<{{Pascal}}> for GetItem {
    type Input = GetItemInput;
    type Output = Item;

    fn id(&self) -> &'static str {
        "get-item"
    }

    fn name(&self) -> &'static str {
        "Get Item"
    }

    fn description(&self) -> &'static str {
        "Reads one item by id."
    }

    async fn run(&self, client: &{{Pascal}}, input: GetItemInput) -> Result<Item> {
        client.get_item(&input.id).await
    }
}

{{/example}}
/// The connector: its actions, settings and docs, for the registry.
pub fn connector() -> ConnectorDef<{{Pascal}}> {
    {{#openapi}}generated::register({{/openapi}}ConnectorDef::new(
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
            .error("404", ErrorKind::NotFound, "the item does not exist"),
    )
{{#example}}    .action(GetItem)
{{/example}}    .action(CustomApiAction::new(
        "Makes an authenticated request to any path of the {{Title}} API.",
        None,
    )){{#openapi}}){{/openapi}}
}
"#;

pub(super) const TESTS_RS: &str = r#"//! Request shapes of the {{Title}} connector's actions.

use connector_{{snake}}::{{Pascal}};
use connector_core::{{{#example}}ErrorKind, {{/example}}ManualClock};
use httpmock::prelude::*;
use serde_json::json;
use std::sync::Arc;

async fn client(server: &MockServer) -> {{Pascal}} {
    let oauth = {{oauth}};
    let builder = {{Pascal}}::builder(server.base_url()).clock(Arc::new(ManualClock::new()));
    let builder = if oauth {
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
    };
    builder.build().unwrap()
}

#[allow(unused_variables)]
fn builder_with_auth(builder: connector_{{snake}}::{{Pascal}}Builder, token_url: &str) -> connector_{{snake}}::{{Pascal}}Builder {
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
{{/example}}
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
"#;

/// Keeps the `{{#name}}...{{/name}}` sections of a template (without the markers), or drops them.
fn sections(template: &str, name: &str, keep: bool) -> String {
    let (open, close) = (format!("{{{{#{name}}}}}"), format!("{{{{/{name}}}}}"));
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + open.len()..];
        let end = inner.find(&close).unwrap_or(inner.len());
        if keep {
            out.push_str(&inner[..end]);
        }
        rest = &inner[(end + close.len()).min(inner.len())..];
    }
    out.push_str(rest);
    out
}
