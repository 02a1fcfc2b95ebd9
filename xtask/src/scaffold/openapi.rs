//! `cargo xtask new-connector ID --openapi FILE --operations a,b,c`: a connector whose
//! actions are generated from the service's OpenAPI document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Auth, Names, Options};
use crate::openapi::{self, Config, Document, OperationConfig};

/// The OpenAPI source of a new connector.
#[derive(Debug, Clone)]
pub struct OpenApiSource {
    /// The document (YAML or JSON); copied into the new crate.
    pub document: PathBuf,
    /// The `operationId`s to expose, in order.
    pub operations: Vec<String>,
    /// The actions they become, known once the document is read.
    pub(super) actions: Vec<GeneratedAction>,
}

/// An action generated for the new crate, as its README and action table name it.
#[derive(Debug, Clone)]
pub(super) struct GeneratedAction {
    /// The action id (`list-pets`).
    pub(super) id: String,
    /// The display name (`List Pets`).
    pub(super) name: String,
    /// The function in `generated::actions` that defines it (`list_pets`).
    pub(super) function: String,
}

impl OpenApiSource {
    /// Generates actions for `operations` of the document at `document`.
    pub fn new(document: impl Into<PathBuf>, operations: Vec<String>) -> OpenApiSource {
        OpenApiSource {
            document: document.into(),
            operations,
            actions: Vec::new(),
        }
    }
}

/// The base URL a document's first server gives (its origin; `https` unless loopback).
pub fn server_origin(document: &Path) -> Result<Option<String>, String> {
    let doc = Document::load(document)?;
    let Some(server) = doc.api.servers.first() else {
        return Ok(None);
    };
    let Some((scheme, rest)) = server.url.split_once("://") else {
        return Ok(None);
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains('{') {
        return Ok(None);
    }
    let loopback = host.starts_with("127.0.0.1") || host.starts_with("localhost");
    let scheme = if loopback { scheme } else { "https" };
    Ok(Some(format!("{scheme}://{host}")))
}

/// Everything the new crate gets from the document, computed before anything is written:
/// (files relative to the crate folder, the source with its actions).
pub(super) fn prepare(
    n: &Names,
    options: &Options,
    source: &OpenApiSource,
) -> Result<(Vec<(String, String)>, OpenApiSource), String> {
    if source.operations.is_empty() {
        return Err("--operations needs at least one operationId".to_owned());
    }
    let (env, authorization) = test_env(n, options.auth)?;
    let doc = Document::load(&source.document)?;
    let extension = match source.document.extension().and_then(|e| e.to_str()) {
        Some("json") => "json",
        _ => "yaml",
    };
    let document_file = format!("openapi.{extension}");
    let config = Config {
        document: document_file.clone(),
        client: n.pascal.clone(),
        base_path: None,
        pagination: None,
        tests: openapi::config::TestSettings { env, authorization },
        operations: source
            .operations
            .iter()
            .map(|id| OperationConfig {
                operation_id: id.trim().to_owned(),
                ..OperationConfig::default()
            })
            .collect(),
    };
    let krate = format!("connector_{}", n.snake);
    let generated = openapi::generate_crate(&config, &doc, &document_file, &krate)?;
    let ops = doc.operations(&config.operations, "")?;
    let mut with_actions = source.clone();
    with_actions.actions = ops
        .iter()
        .map(|o| GeneratedAction {
            id: o.action_id.clone(),
            name: o.name.clone(),
            function: openapi::action_function(o),
        })
        .collect();
    let text = std::fs::read_to_string(&source.document)
        .map_err(|e| format!("cannot read {}: {e}", source.document.display()))?;
    let mut files = vec![
        (document_file, text),
        ("openapi.toml".to_owned(), config_text(&config)),
    ];
    files.extend(generated);
    Ok((files, with_actions))
}

/// What the generated tests connect with, and the `Authorization` they expect.
fn test_env(n: &Names, auth: Auth) -> Result<(BTreeMap<String, String>, String), String> {
    let mut env = BTreeMap::new();
    env.insert(format!("{}_BASE_URL", n.upper), "{base_url}".to_owned());
    let authorization = match auth {
        Auth::Header | Auth::Bearer => {
            env.insert(format!("{}_API_TOKEN", n.upper), "tok-123".to_owned());
            if auth == Auth::Header {
                "tok-123"
            } else {
                "Bearer tok-123"
            }
            .to_owned()
        }
        Auth::Basic => {
            env.insert(format!("{}_USERNAME", n.upper), "user".to_owned());
            env.insert(format!("{}_PASSWORD", n.upper), "tok-123".to_owned());
            "Basic dXNlcjp0b2stMTIz".to_owned()
        }
        Auth::OAuthClientCredentials => {
            return Err(
                "--openapi with --auth oauth-client-credentials is not supported: the generated tests \
                 would need a token endpoint; scaffold with bearer and switch the builder by hand"
                    .to_owned(),
            );
        }
    };
    Ok((env, authorization))
}

fn config_text(config: &Config) -> String {
    let mut out = String::from(
        "# The actions generated from the service's OpenAPI document by `cargo xtask codegen`\n\
         # (into src/generated/ and tests/openapi_actions.rs). Change this file, then run\n\
         # `cargo xtask codegen`; `cargo xtask codegen --check` fails while they disagree.\n\
         # The table in src/actions.rs lists each generated action (`generated::actions::*`).\n\n",
    );
    out.push_str(&format!(
        "document = {:?}\nclient = {:?}\n\n[tests]\nenv = {{ ",
        config.document, config.client
    ));
    let pairs: Vec<String> = config
        .tests
        .env
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect();
    out.push_str(&pairs.join(", "));
    out.push_str(&format!(
        " }}\nauthorization = {:?}\n",
        config.tests.authorization
    ));
    for op in &config.operations {
        out.push_str(&format!(
            "\n[[operation]]\noperation-id = {:?}\n",
            op.operation_id
        ));
    }
    out
}
