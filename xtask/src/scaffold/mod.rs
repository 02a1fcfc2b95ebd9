//! `cargo xtask new-connector`: a new connector crate that builds, tests and documents
//! itself from the first minute, laid out as the shipped connectors are (`model/`, `api/`,
//! `actions.rs`, `client.rs`), with its actions as `ActionDef`s and the connection's
//! settings (retry policy, limiter, timeouts, clock) on its builder.

mod templates;

use std::path::Path;

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

    let files = [
        ("Cargo.toml", templates::CARGO_TOML),
        ("README.md", templates::README),
        ("src/lib.rs", templates::LIB_RS),
        ("src/client.rs", templates::CLIENT_RS),
        ("src/model/mod.rs", templates::MODEL_MOD_RS),
        ("src/model/items.rs", templates::MODEL_ITEMS_RS),
        ("src/api/mod.rs", templates::API_MOD_RS),
        ("src/api/items.rs", templates::API_ITEMS_RS),
        ("src/actions.rs", templates::ACTIONS_RS),
        ("tests/actions.rs", templates::TESTS_RS),
    ]
    .map(|(path, template)| (path, render(template, &n, options)));
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

fn render(template: &str, n: &Names, options: &Options) -> String {
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
    template
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
