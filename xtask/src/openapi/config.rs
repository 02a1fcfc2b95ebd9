//! A connector's `openapi.toml`: which document, which operations, how they are named.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file a connector crate declares its OpenAPI source in.
pub const CONFIG_FILE: &str = "openapi.toml";

/// A connector's `openapi.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// The OpenAPI document (YAML or JSON), relative to the crate's folder.
    pub document: String,
    /// The client type at the crate's root (`Okta`): the typed methods are `impl` blocks on it.
    pub client: String,
    /// A path prefix put before every path of the document (default: the path of the
    /// document's first server URL, such as `/v1`).
    #[serde(default)]
    pub base_path: Option<String>,
    /// How lists are paged, when the connector has a pager.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// What the generated tests need to connect to a mock server.
    pub tests: TestSettings,
    /// The operations to expose as actions, in this order.
    #[serde(rename = "operation")]
    pub operations: Vec<OperationConfig>,
}

/// Lists that answer a `Link: rel="next"` header, fetched through the connector's pager.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Pagination {
    /// The pager type, with `Pages::list(connection, first_request, max) -> Result<Pages>`
    /// (which applies the default and the bound of `max`), `collect_all()` and, for
    /// `ends-at-empty-page-without`, `ending_at_empty_page()` (`crate::pages::Pages`).
    pub pager: String,
    /// The query parameter whose presence marks a paged list (`after`).
    pub cursor: String,
}

/// The environment the generated tests connect with; `{base_url}` is the mock server's.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TestSettings {
    /// Variables for `Env::from_pairs`.
    pub env: std::collections::BTreeMap<String, String>,
    /// The `Authorization` header the requests must carry.
    pub authorization: String,
}

/// One operation to expose.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OperationConfig {
    /// The document's `operationId`.
    pub operation_id: String,
    /// The action id (default: the operation id in kebab-case).
    #[serde(default)]
    pub id: Option<String>,
    /// The display name (default: the action id's words, capitalised).
    #[serde(default)]
    pub name: Option<String>,
    /// The description (default: the operation's summary and description).
    #[serde(default)]
    pub description: Option<String>,
    /// Optional parameters the action does not offer (such as a `Content-Type` header
    /// parameter the pipeline sets itself).
    #[serde(default)]
    pub omit: Vec<String>,
    /// Values sent for optional query parameters the input leaves out, where the action's
    /// default differs from the service's (`sendEmail = false`).
    #[serde(default)]
    pub defaults: std::collections::BTreeMap<String, toml::Value>,
    /// Body properties offered as input fields of another name (`id = "userId"`: the
    /// body's `id` is the input's `userId`), for cards whose inputs name them so.
    #[serde(default)]
    pub lift: std::collections::BTreeMap<String, String>,
    /// For a paged list: a parameter without which an empty page ends the list (Okta's
    /// System Log always gives a next link to poll when `until` is not set).
    #[serde(default)]
    pub ends_at_empty_page_without: Option<String>,
}

/// A connector crate with an `openapi.toml`.
#[derive(Debug, Clone)]
pub struct Source {
    /// The crate's folder, relative to the workspace root (`crates/connector-okta`).
    pub crate_dir: String,
    /// The crate's folder, absolute.
    pub dir: PathBuf,
    /// The parsed configuration.
    pub config: Config,
}

impl Source {
    /// The document's path.
    pub fn document_path(&self) -> PathBuf {
        self.dir.join(&self.config.document)
    }
}

/// Parses an `openapi.toml`; errors name the file.
pub fn parse(text: &str, file: &str) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    if config.operations.is_empty() {
        return Err(format!("{file}: no [[operation]] to generate"));
    }
    Ok(config)
}

/// Every `crates/*/openapi.toml` under `root`, sorted by folder.
pub fn sources(root: &Path) -> Result<Vec<Source>, String> {
    let mut out = Vec::new();
    let crates = root.join("crates");
    let Ok(entries) = std::fs::read_dir(&crates) else {
        return Ok(out);
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    for dir in dirs {
        let file = dir.join(CONFIG_FILE);
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let crate_dir = format!("crates/{name}");
        let config = parse(&text, &format!("{crate_dir}/{CONFIG_FILE}"))?;
        out.push(Source {
            crate_dir,
            dir,
            config,
        });
    }
    Ok(out)
}
