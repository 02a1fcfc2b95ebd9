//! `cargo xtask new-connector`: a new connector crate that builds, tests and documents
//! itself from the first minute, laid out as the shipped connectors are (`model/`, `api/`,
//! `actions.rs`, `client.rs`), with its actions as `ActionDef`s and the connection's
//! settings (retry policy, limiter, timeouts, clock) on its builder. With `--openapi`, the
//! actions are generated from the service's OpenAPI document ([`OpenApiSource`]).

mod example;
mod openapi;
mod render;
mod templates;

use std::path::Path;

pub use openapi::{OpenApiSource, server_origin};
use render::render;

/// How the new connector authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: <token>`.
    Header,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// OAuth 2.0 client credentials (client id + secret at a token URL).
    OAuthClientCredentials,
}

impl Auth {
    /// Parses the `--auth` value.
    pub fn parse(value: &str) -> Option<Auth> {
        match value {
            "header" => Some(Auth::Header),
            "bearer" => Some(Auth::Bearer),
            "basic" => Some(Auth::Basic),
            "oauth-client-credentials" => Some(Auth::OAuthClientCredentials),
            _ => None,
        }
    }
}

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Options {
    /// The connector id (lowercase kebab-case).
    pub id: String,
    /// The service's base URL.
    pub base_url: String,
    /// The authentication scheme.
    pub auth: Auth,
    /// Actions generated from an OpenAPI document instead of the example action.
    pub openapi: Option<OpenApiSource>,
}

/// True for lowercase kebab-case ids: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

struct Names {
    id: String,
    snake: String,
    pascal: String,
    upper: String,
    title: String,
}

fn names(id: &str) -> Names {
    let words: Vec<&str> = id.split('-').collect();
    let cap = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    Names {
        id: id.to_owned(),
        snake: id.replace('-', "_"),
        pascal: words.iter().map(|w| cap(w)).collect(),
        upper: id.replace('-', "_").to_ascii_uppercase(),
        title: words.iter().map(|w| cap(w)).collect::<Vec<_>>().join(" "),
    }
}

/// Scaffolds `crates/connector-<id>/`, adds it to the workspace and registers it in the CLI.
/// Refuses bad or existing ids without touching anything. Returns the crate's folder.
pub fn new_connector(root: &Path, options: &Options) -> Result<String, String> {
    let id = options.id.as_str();
    if !is_kebab_case(id) {
        return Err(format!(
            "connector id {id:?} is not lowercase kebab-case (like `acme-crm`): letters, digits and single dashes, starting with a letter"
        ));
    }
    if ["core", "cli", "sandbox"].contains(&id) {
        return Err(format!(
            "connector id {id:?} is reserved for a crate of the toolkit"
        ));
    }
    let dir = root.join("crates").join(format!("connector-{id}"));
    if dir.exists() {
        return Err(format!(
            "{} exists already; choose another id",
            dir.display()
        ));
    }
    if connector_cli::registry().connector(id).is_ok() {
        return Err(format!("a connector with id {id:?} is registered already"));
    }
    if !(options.base_url.starts_with("https://")
        || options.base_url.starts_with("http://127.0.0.1"))
    {
        return Err(format!(
            "--base-url {:?} must be an https URL",
            options.base_url
        ));
    }
    let n = names(id);
    // Everything generated from the document is computed first: a bad operationId or an
    // unsupported construct is refused before anything is written.
    let mut options = options.clone();
    let mut generated = Vec::new();
    if let Some(source) = &options.openapi {
        let (files, source) = openapi::prepare(&n, &options, source)?;
        generated = files;
        options.openapi = Some(source);
    }
    let options = &options;

    // Compute every edit first, so a refusal leaves the tree as it was.
    let cargo_toml_path = root.join("Cargo.toml");
    let cargo_toml = std::fs::read_to_string(&cargo_toml_path)
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let workspace_dep =
        format!("connector-{id} = {{ path = \"crates/connector-{id}\", version = \"0.1.0\" }}\n");
    let cargo_toml = insert_after_last(
        &cargo_toml,
        "connector-",
        &workspace_dep,
        "[workspace.dependencies]",
    )
    .ok_or("cannot find the connector entries in [workspace.dependencies] of Cargo.toml")?;

    let cli_toml_path = root.join("crates/connector-cli/Cargo.toml");
    let cli_toml = std::fs::read_to_string(&cli_toml_path)
        .map_err(|e| format!("cannot read the CLI's Cargo.toml: {e}"))?;
    let cli_toml = insert_after_last(
        &cli_toml,
        "connector-",
        &format!("connector-{id}.workspace = true\n"),
        "[dependencies]",
    )
    .ok_or("cannot find the connector dependencies in crates/connector-cli/Cargo.toml")?;

    let registry_path = root.join("crates/connector-cli/src/lib.rs");
    let registry = std::fs::read_to_string(&registry_path)
        .map_err(|e| format!("cannot read the CLI's registry: {e}"))?;
    let registry = insert_after_last(
        &registry,
        ".with(connector_",
        &format!("        .with(connector_{}::connector())\n", n.snake),
        "Registry::new()",
    )
    .ok_or("cannot find the registry chain in crates/connector-cli/src/lib.rs")?;

    let mut files: Vec<(String, String)> = templates::files(options.openapi.is_some())
        .iter()
        .map(|(path, template)| ((*path).to_owned(), render(template, &n, options)))
        .collect();
    // Formatted as `cargo fmt` would, like the generated files: the new crate passes
    // `cargo fmt --check` from the start.
    for (path, contents) in files.iter_mut().filter(|(p, _)| p.ends_with(".rs")) {
        *contents = crate::openapi::rustfmt(contents).map_err(|e| format!("{path}: {e}"))?;
    }
    files.extend(generated);
    for (path, contents) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    std::fs::write(&cargo_toml_path, cargo_toml)
        .map_err(|e| format!("cannot write Cargo.toml: {e}"))?;
    std::fs::write(&cli_toml_path, cli_toml)
        .map_err(|e| format!("cannot write the CLI's Cargo.toml: {e}"))?;
    std::fs::write(&registry_path, registry)
        .map_err(|e| format!("cannot write the CLI's registry: {e}"))?;
    Ok(format!("crates/connector-{id}"))
}

/// Inserts `line` after the last line starting (after indentation) with `prefix` that
/// follows `section`.
fn insert_after_last(text: &str, prefix: &str, line: &str, section: &str) -> Option<String> {
    let start = text.find(section)?;
    let mut offset = start;
    let mut insert_at = None;
    for (i, l) in text[start..].split_inclusive('\n').enumerate() {
        // The section ends where the next table begins (`[dev-dependencies]` after
        // `[dependencies]`).
        if i > 0 && l.trim_start().starts_with('[') {
            break;
        }
        if l.trim_start().starts_with(prefix) {
            insert_at = Some(offset + l.len());
        }
        offset += l.len();
    }
    let at = insert_at?;
    Some(format!("{}{}{}", &text[..at], line, &text[at..]))
}
