//! Named connections: the connections file (`connector.toml` in the working directory,
//! `--config PATH` or `CONNECTOR_CONFIG`).
//!
//! ```toml
//! [connections.staging]
//! connector = "okta"
//! org_url = "https://acme-staging.okta.com"
//! api_token = { env = "STAGING_OKTA_TOKEN" }
//!
//! [connections.prod]
//! connector = "okta"
//! org_url = "https://acme.okta.com"
//! api_token = { file = "/run/secrets/okta-prod" }
//! ```
//!
//! A connection's settings are those its connector declares
//! ([`connector_core::Connector::settings`]): each variable named
//! `<CONNECTOR>_<KEY>` is the setting `<key>`, lowercased (`org_url`, `api_token`,
//! `client_id`, `private_key`, `key_id`, `scopes` for Okta; `api_url`, `api_token`,
//! `api_version` for boards), so a connector added to the registry brings its settings
//! here with no second table. A secret (a setting the connector marks secret) is given as
//! `{ env = "VAR" }` or `{ file = "PATH" }`, never inline: an inline one is refused,
//! naming the key and never the value. A table that is not such a source groups settings
//! one level deep: `basic = { user = "ci", password = { env = "PW" } }` gives the settings
//! `basic_user` and `basic_password` (the `http` connector's `HTTP_BASIC_USER` and
//! `HTTP_BASIC_PASSWORD`). The environment a named connection makes says which connection
//! it is ([`Env::connection_name`]), which no variable can forge. Rate-limit keys follow the service account (the
//! Okta org, the boards token's account), so two orgs never share a budget and one org
//! used by two names does.
//!
//! ```
//! use std::path::Path;
//! use connector_core::action::Setting;
//! use connector_core::{Connection, ConnectorDef, Env, Error, Registry};
//! use connector_runtime::connections::Connections;
//!
//! let setting = |name, secret| Setting { name, aliases: &[], secret, description: "" };
//! let acme = ConnectorDef::<Connection>::new("acme", "Acme", "Acme's API", |_| {
//!     Err(Error::configuration("not in this example"))
//! })
//! .setting(setting("ACME_API_URL", false))
//! .setting(setting("ACME_API_TOKEN", true));
//! let registry = Registry::new().with(acme);
//! let text = "[connections.prod]\nconnector = \"acme\"\napi_url = \"https://acme.example\"\n";
//! let connections = Connections::parse(Path::new("connector.toml"), text, &registry).unwrap();
//! let env = connections.get("prod").unwrap().env(&Env::from_pairs([("ACME_API_URL", "x")]));
//! assert_eq!(env.get("ACME_API_URL"), Some("https://acme.example"));
//!
//! let inline = "[connections.prod]\nconnector = \"acme\"\napi_token = \"tok\"\n";
//! assert!(Connections::parse(Path::new("connector.toml"), inline, &registry).is_err());
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_core::{Connector, Env, Error, Registry};

/// The settings of one connector's connection, derived from what the connector declares.
struct Shape {
    /// `OKTA_`: the connection's variables, which a named connection replaces.
    prefix: String,
    /// (key, variable, is a secret).
    settings: Vec<(String, &'static str, bool)>,
}

impl Shape {
    /// The shape of `connector`: its declared settings named `<ID>_<KEY>`.
    fn of(connector: &dyn Connector) -> Shape {
        let prefix = format!("{}_", connector.id().to_uppercase().replace('-', "_"));
        let settings = connector
            .settings()
            .into_iter()
            .filter_map(|setting| {
                let key = setting.name.strip_prefix(prefix.as_str())?.to_lowercase();
                Some((key, setting.name, setting.secret))
            })
            .collect();
        Shape { prefix, settings }
    }

    fn keys(&self) -> String {
        self.settings
            .iter()
            .map(|(key, _, _)| key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One named connection.
#[derive(Clone)]
pub struct Connection {
    /// The connector it is for (`okta`).
    pub connector: String,
    name: String,
    prefix: String,
    vars: Vec<(String, String)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values may be secrets.
        f.debug_struct("Connection")
            .field("name", &self.name)
            .field("connector", &self.connector)
            .field(
                "settings",
                &self.vars.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Connection {
    /// `base` with this connection's settings in place of the environment's own for its
    /// connector (run options such as a dry run stay), marked as this named connection's.
    pub fn env(&self, base: &Env) -> Env {
        base.clone()
            .with_connection_vars(&[self.prefix.as_str()], self.vars.iter().cloned())
            .with_connection_name(self.name.as_str())
    }
}

/// The connections of a connections file, by name.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    by_name: BTreeMap<String, Connection>,
    /// The file they came from, if any.
    pub file: Option<PathBuf>,
}

fn config_error(file: &Path, message: String) -> Error {
    Error::configuration(format!("{}: {message}", file.display()))
}

impl Connections {
    /// The connection named `name`.
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.by_name.get(name)
    }

    /// The names.
    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    /// Reads the connections file: `explicit` (`--config`), else `CONNECTOR_CONFIG`, else
    /// `./connector.toml` when it exists; none is no connections. Each connection's
    /// settings are those its connector in `registry` declares.
    pub fn load(
        explicit: Option<&Path>,
        env: &Env,
        registry: &Registry,
    ) -> Result<Connections, Error> {
        let path = match explicit {
            Some(path) => path.to_owned(),
            None => match env.get("CONNECTOR_CONFIG") {
                Some(path) => PathBuf::from(path),
                None => {
                    let default = PathBuf::from("connector.toml");
                    if !default.is_file() {
                        return Ok(Connections::default());
                    }
                    default
                }
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| config_error(&path, format!("cannot read the connections file: {e}")))?;
        Connections::parse(&path, &text, registry)
    }

    /// Parses a connections file's text (`path` names it in messages) for the connectors
    /// of `registry`.
    pub fn parse(path: &Path, text: &str, registry: &Registry) -> Result<Connections, Error> {
        // toml's own messages may quote the text; say where instead, never what.
        let doc: toml::Table = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            config_error(path, format!("not a valid TOML file{at}"))
        })?;
        let mut by_name = BTreeMap::new();
        if let Some(key) = doc.keys().find(|k| k.as_str() != "connections") {
            return Err(config_error(
                path,
                format!("unknown key {key:?} (only [connections.NAME] tables)"),
            ));
        }
        let Some(table) = doc.get("connections") else {
            return Ok(Connections {
                by_name,
                file: Some(path.to_owned()),
            });
        };
        let table = table.as_table().ok_or_else(|| {
            config_error(
                path,
                "connections must be tables: [connections.NAME]".into(),
            )
        })?;
        let connectors = registry
            .connectors()
            .iter()
            .map(|c| c.id())
            .collect::<Vec<_>>()
            .join(", ");
        for (name, settings) in table {
            let at = format!("connections.{name}");
            let settings = settings
                .as_table()
                .ok_or_else(|| config_error(path, format!("{at} must be a table")))?;
            let connector = settings
                .get("connector")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| {
                    config_error(
                        path,
                        format!("{at}.connector is missing: give one of {connectors}"),
                    )
                })?;
            let shape = registry
                .connectors()
                .iter()
                .find(|c| c.id() == connector)
                .map(|c| Shape::of(c.as_ref()))
                .ok_or_else(|| {
                    config_error(
                        path,
                        format!("{at}.connector {connector:?} is not a connector ({connectors})"),
                    )
                })?;
            let mut vars = Vec::new();
            for (key, shown, value) in entries(settings, &shape) {
                let Some((_, var, secret)) = shape.settings.iter().find(|(k, _, _)| *k == key)
                else {
                    return Err(config_error(
                        path,
                        format!(
                            "{at}.{shown} is not a {connector} setting ({})",
                            shape.keys()
                        ),
                    ));
                };
                let resolved = match value {
                    toml::Value::String(_) if *secret => {
                        return Err(config_error(
                            path,
                            format!(
                                "{at}.{shown} is a secret: give it as {{ env = \"VAR\" }} or \
                                 {{ file = \"PATH\" }}, never inline"
                            ),
                        ));
                    }
                    toml::Value::String(text) => text.clone(),
                    toml::Value::Table(source) => resolve(path, &at, &shown, source)?,
                    _ => return Err(config_error(path, format!("{at}.{shown} must be text"))),
                };
                vars.push(((*var).to_owned(), resolved));
            }
            by_name.insert(
                name.clone(),
                Connection {
                    connector: connector.to_owned(),
                    name: name.clone(),
                    prefix: shape.prefix,
                    vars,
                },
            );
        }
        Ok(Connections {
            by_name,
            file: Some(path.to_owned()),
        })
    }
}

/// A connection's settings as (key, key as written, value), `connector` left out: a table
/// under a key that is not a setting, and that is not a secret's source (`{ env }`,
/// `{ file }`), groups settings one level deep, `basic = { user = "ci" }` being the setting
/// `basic_user`, written `basic.user`. A table under a setting's own key, or inside a
/// group, is left to be refused as a source that is neither.
fn entries<'a>(settings: &'a toml::Table, shape: &Shape) -> Vec<(String, String, &'a toml::Value)> {
    let is_source = |t: &toml::Table| t.contains_key("env") || t.contains_key("file");
    let is_setting = |key: &str| shape.settings.iter().any(|(k, _, _)| k == key);
    let mut out = Vec::new();
    for (key, value) in settings.iter().filter(|(k, _)| k.as_str() != "connector") {
        match value {
            toml::Value::Table(group) if !is_source(group) && !is_setting(key) => {
                out.extend(
                    group
                        .iter()
                        .map(|(inner, v)| (format!("{key}_{inner}"), format!("{key}.{inner}"), v)),
                );
            }
            _ => out.push((key.clone(), key.clone(), value)),
        }
    }
    out
}

/// A `{ env = "VAR" }` or `{ file = "PATH" }` value.
fn resolve(path: &Path, at: &str, key: &str, source: &toml::Table) -> Result<String, Error> {
    match (source.get("env"), source.get("file"), source.len()) {
        (Some(toml::Value::String(var)), None, 1) => std::env::var(var).map_err(|_| {
            config_error(
                path,
                format!("{at}.{key} comes from the variable {var}, which is not set"),
            )
        }),
        // A small regular file only (crate::read_secret_file); the words
        // name the key and the file, never what it holds.
        (None, Some(toml::Value::String(file)), 1) => crate::read_secret_file(Path::new(file))
            .map_err(|why| {
                config_error(
                    path,
                    format!("{at}.{key} comes from the file {file}, which cannot be read: {why}"),
                )
            }),
        _ => Err(config_error(
            path,
            format!("{at}.{key} must be {{ env = \"VAR\" }} or {{ file = \"PATH\" }}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::action::Setting;
    use connector_core::{Connection, ConnectorDef};

    /// Connectors that declare the Okta and boards connectors' settings.
    fn registry() -> Registry {
        fn def(id: &'static str, settings: &[(&'static str, bool)]) -> ConnectorDef<Connection> {
            let mut def = ConnectorDef::<Connection>::new(id, id, id, |_| {
                Err(Error::configuration("connecting is not under test"))
            });
            for (name, secret) in settings {
                def = def.setting(Setting {
                    name,
                    aliases: &[],
                    secret: *secret,
                    description: "",
                });
            }
            def
        }
        Registry::new()
            .with(def(
                "okta",
                &[
                    ("OKTA_ORG_URL", false),
                    ("OKTA_API_TOKEN", true),
                    ("OKTA_CLIENT_ID", false),
                    ("OKTA_PRIVATE_KEY", true),
                    ("OKTA_SCOPES", false),
                    ("OKTA_KEY_ID", false),
                ],
            ))
            .with(def(
                "boards",
                &[("BOARDS_API_TOKEN", true), ("BOARDS_API_URL", false)],
            ))
            .with(def(
                "http",
                &[
                    ("HTTP_BASE_URL", false),
                    ("HTTP_BASIC_USER", false),
                    ("HTTP_BASIC_PASSWORD", true),
                ],
            ))
    }

    #[test]
    fn a_table_of_settings_groups_them_and_the_env_names_its_connection() {
        let file = std::env::temp_dir().join(format!("connector-basic-{}", std::process::id()));
        std::fs::write(&file, "pw-from-file\n").unwrap();
        let text = format!(
            "[connections.ci]\nconnector = \"http\"\nbase_url = \"https://api.example.com\"\n\
             basic = {{ user = \"ci\", password = {{ file = \"{}\" }} }}\n",
            file.display()
        );
        let connections = Connections::parse(Path::new("c.toml"), &text, &registry()).unwrap();
        let base = Env::from_pairs([("HTTP_BASIC_USER", "from-the-environment")]);
        assert_eq!(base.connection_name(), None);
        let env = connections.get("ci").unwrap().env(&base);
        assert_eq!(env.get("HTTP_BASIC_USER"), Some("ci"));
        assert_eq!(env.get("HTTP_BASIC_PASSWORD"), Some("pw-from-file"));
        assert_eq!(env.connection_name(), Some("ci"));
        let _ = std::fs::remove_file(&file);

        let inline = "[connections.ci]\nconnector = \"http\"\nbasic = { user = \"ci\", password = \"pw-inline-77\" }\n";
        let e = Connections::parse(Path::new("c.toml"), inline, &registry()).unwrap_err();
        assert!(
            e.message()
                .contains("connections.ci.basic.password is a secret"),
            "{e}"
        );
        assert!(!e.to_string().contains("pw-inline-77"));
        let unknown = "[connections.ci]\nconnector = \"http\"\nbasic = { usr = \"ci\" }\n";
        let e = Connections::parse(Path::new("c.toml"), unknown, &registry()).unwrap_err();
        assert!(
            e.message()
                .contains("connections.ci.basic.usr is not a http setting"),
            "{e}"
        );
    }

    #[test]
    fn an_inline_secret_is_refused_naming_the_key_never_the_value() {
        let text = "[connections.prod]\nconnector = \"okta\"\norg_url = \"https://acme.okta.com\"\napi_token = \"00secret-value\"\n";
        let e = Connections::parse(Path::new("connector.toml"), text, &registry()).unwrap_err();
        assert!(
            e.message()
                .contains("connections.prod.api_token is a secret"),
            "{e}"
        );
        assert!(!e.to_string().contains("00secret-value"));
    }

    #[test]
    fn settings_become_the_connectors_variables() {
        let file = std::env::temp_dir().join(format!("connector-secret-{}", std::process::id()));
        std::fs::write(&file, "tok-from-file\n").unwrap();
        let text = format!(
            "[connections.staging]\nconnector = \"okta\"\norg_url = \"https://staging.okta.com\"\napi_token = {{ file = \"{}\" }}\n",
            file.display()
        );
        let connections = Connections::parse(Path::new("c.toml"), &text, &registry()).unwrap();
        let base = Env::from_pairs([
            ("OKTA_ORG_URL", "https://other.okta.com"),
            ("OKTA_CLIENT_ID", "x"),
            ("HOME", "/root"),
        ]);
        let env = connections.get("staging").unwrap().env(&base);
        assert_eq!(env.get("OKTA_ORG_URL"), Some("https://staging.okta.com"));
        assert_eq!(env.get("OKTA_API_TOKEN"), Some("tok-from-file"));
        assert_eq!(
            env.get("OKTA_CLIENT_ID"),
            None,
            "the environment's own Okta settings do not leak in"
        );
        assert_eq!(env.get("HOME"), Some("/root"));
        assert!(!format!("{connections:?}").contains("tok-from-file"));
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn mistakes_name_the_key() {
        let bad = [
            (
                "[connections.a]\norg_url = \"x\"\n",
                "connections.a.connector is missing",
            ),
            ("[connections.a]\nconnector = \"jira\"\n", "not a connector"),
            (
                "[connections.a]\nconnector = \"okta\"\ncolour = \"red\"\n",
                "connections.a.colour is not a okta setting",
            ),
            (
                "[connections.a]\nconnector = \"okta\"\napi_token = { env = \"NO_SUCH_VAR_4711\" }\n",
                "NO_SUCH_VAR_4711, which is not set",
            ),
            (
                "[connections.a]\nconnector = \"okta\"\napi_token = { enviroment = \"X\" }\n",
                "connections.a.api_token must be { env = \"VAR\" } or { file = \"PATH\" }",
            ),
            ("[other]\n", "unknown key"),
            (
                "[connections.a]\nconnector = \"okta\"\napi_token = { file = \"/dev/zero\" }\n",
                "connections.a.api_token comes from the file /dev/zero, which cannot be read: it is not a regular file",
            ),
            (
                "[connections.a]\nconnector = \"okta\"\napi_token = { file = \"/\" }\n",
                "connections.a.api_token comes from the file /, which cannot be read: it is not a regular file",
            ),
        ];
        for (text, expected) in bad {
            let e = Connections::parse(Path::new("c.toml"), text, &registry()).unwrap_err();
            assert!(e.message().contains(expected), "{text}: {e}");
        }
    }
}
