//! Okta's own configuration files, read the way Okta's SDKs read them, so that a person who
//! already uses those SDKs needs nothing more: `~/.okta/okta.yaml`, then `./okta.yaml` in
//! the working directory over it, both under the environment (and the connections file).
//!
//! The files' `okta.client` keys become this project's variables, each only where the
//! environment has none: `orgUrl` → `OKTA_CLIENT_ORGURL`, `token` → `OKTA_CLIENT_TOKEN`
//! (`authorizationMode: SSWS`, the default), and for `PrivateKey`: `clientId` →
//! `OKTA_CLIENT_ID`, `scopes` → `OKTA_SCOPES`, `privateKey` (PEM text or a path) →
//! `OKTA_PRIVATE_KEY`, `kid` → `OKTA_KEY_ID`. The token sits inline in these files, as Okta's
//! tools expect; a file that others can read is used with a warning.
//!
//! ```
//! let vars = connector_okta::okta_yaml::parse(
//!     "okta:\n  client:\n    orgUrl: https://acme.okta.com\n    token: 00abc\n",
//! ).unwrap();
//! assert_eq!(vars[0], ("OKTA_CLIENT_ORGURL".to_owned(), "https://acme.okta.com".to_owned()));
//! ```

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

/// Files larger than this are refused, as Okta's SDKs refuse them.
pub const MAX_FILE: u64 = 1 << 20;

/// The variables each setting fills, and the other names the environment may already set
/// it under (the environment wins).
const NAMES: [(&str, &[&str]); 6] = [
    (
        "OKTA_CLIENT_ORGURL",
        &["OKTA_ORG_URL", "OKTA_CLIENT_ORGURL"],
    ),
    (
        "OKTA_CLIENT_TOKEN",
        &["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"],
    ),
    (
        "OKTA_CLIENT_ID",
        &["OKTA_CLIENT_ID", "OKTA_CLIENT_CLIENTID"],
    ),
    ("OKTA_SCOPES", &["OKTA_SCOPES", "OKTA_CLIENT_SCOPES"]),
    (
        "OKTA_PRIVATE_KEY",
        &["OKTA_PRIVATE_KEY", "OKTA_CLIENT_PRIVATEKEY"],
    ),
    ("OKTA_KEY_ID", &["OKTA_KEY_ID"]),
];

/// The files to read, the one read last winning: `HOME/.okta/okta.yaml`, `CWD/okta.yaml`.
pub fn candidates(home: Option<&Path>, cwd: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = home {
        files.push(home.join(".okta").join("okta.yaml"));
    }
    files.push(cwd.join("okta.yaml"));
    files
}

/// What one file holds, as `(variable, value)` pairs. An empty file, or `client: null`, is
/// an empty configuration; text that is not YAML, or settings of the wrong shape, are errors.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let Some(doc) = docs.first() else {
        return Ok(Vec::new());
    };
    let client = &doc["okta"]["client"];
    if client.is_badvalue() || client.is_null() {
        return Ok(Vec::new());
    }
    if client.as_hash().is_none() {
        return Err("okta.client must be a mapping".to_owned());
    }
    let text_of = |key: &str| -> Result<Option<String>, String> {
        match &client[key] {
            Yaml::BadValue | Yaml::Null => Ok(None),
            Yaml::String(s) => Ok(Some(s.clone())).map(|s| s.filter(|s| !s.trim().is_empty())),
            Yaml::Integer(i) => Ok(Some(i.to_string())),
            _ => Err(format!("okta.client.{key} must be text")),
        }
    };
    let mode = text_of("authorizationMode")?.unwrap_or_else(|| "SSWS".to_owned());
    let mut vars = Vec::new();
    if let Some(org) = text_of("orgUrl")? {
        vars.push(("OKTA_CLIENT_ORGURL".to_owned(), org));
    }
    match mode.as_str() {
        "SSWS" => {
            if let Some(token) = text_of("token")? {
                vars.push(("OKTA_CLIENT_TOKEN".to_owned(), token));
            }
        }
        "PrivateKey" => {
            if let Some(id) = text_of("clientId")? {
                vars.push(("OKTA_CLIENT_ID".to_owned(), id));
            }
            let scopes = match &client["scopes"] {
                Yaml::Array(list) => Some(
                    list.iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or("okta.client.scopes must be a list of text")?
                        .join(" "),
                ),
                _ => text_of("scopes")?,
            };
            if let Some(scopes) = scopes {
                vars.push(("OKTA_SCOPES".to_owned(), scopes));
            }
            if let Some(key) = text_of("privateKey")? {
                // PEM text as it is; anything else is a path to a PEM file.
                let key = if key.contains("-----BEGIN") {
                    key
                } else {
                    format!("@{key}")
                };
                vars.push(("OKTA_PRIVATE_KEY".to_owned(), key));
            }
            if let Some(kid) = text_of("kid")? {
                vars.push(("OKTA_KEY_ID".to_owned(), kid));
            }
        }
        other => {
            return Err(format!(
                "okta.client.authorizationMode {other:?} is not supported: use SSWS (an API token) or PrivateKey (an OAuth service app)"
            ));
        }
    }
    Ok(vars)
}

/// The settings of the files that exist, later files over earlier ones, each pair with
/// the file it came from; `warn` hears of files others can read, and of files that cannot
/// be used (which are skipped).
pub fn load(files: &[PathBuf], mut warn: impl FnMut(String)) -> Vec<(String, String, PathBuf)> {
    let mut merged: Vec<(String, String, PathBuf)> = Vec::new();
    for file in files {
        let Ok(meta) = std::fs::metadata(file) else {
            continue;
        };
        if meta.len() > MAX_FILE {
            warn(format!("{} is larger than 1 MB; not read", file.display()));
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if meta.permissions().mode() & 0o077 != 0 {
                warn(format!(
                    "{} holds credentials and others can read it; chmod 600 it",
                    file.display()
                ));
            }
        }
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| parse(&text));
        match parsed {
            Ok(vars) => {
                for (name, value) in vars {
                    merged.retain(|(n, _, _)| *n != name);
                    merged.push((name, value, file.clone()));
                }
            }
            Err(e) => warn(format!("{} is not used: {e}", file.display())),
        }
    }
    merged
}

/// The pairs to add to an environment that reads `get`: those it does not set already.
pub fn missing_from(
    settings: Vec<(String, String, PathBuf)>,
    get: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String, PathBuf)> {
    settings
        .into_iter()
        .filter(|(name, _, _)| {
            let aliases = NAMES
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&[][..], |(_, a)| *a);
            !aliases
                .iter()
                .any(|a| get(a).is_some_and(|v| !v.trim().is_empty()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_mode_maps_every_setting_and_a_path_becomes_at_path() {
        let vars = parse(
            "okta:\n  client:\n    orgUrl: https://acme.okta.com\n    authorizationMode: PrivateKey\n    clientId: 0oa1\n    scopes:\n      - okta.users.read\n      - okta.roles.read\n    privateKey: /keys/app.pem\n    kid: k1\n",
        )
        .unwrap();
        assert_eq!(
            vars,
            [
                ("OKTA_CLIENT_ORGURL", "https://acme.okta.com"),
                ("OKTA_CLIENT_ID", "0oa1"),
                ("OKTA_SCOPES", "okta.users.read okta.roles.read"),
                ("OKTA_PRIVATE_KEY", "@/keys/app.pem"),
                ("OKTA_KEY_ID", "k1"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn empty_files_and_null_clients_are_empty_and_bearer_is_refused() {
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("okta:\n  client: null\n"), Ok(vec![]));
        assert!(parse("okta:\n  client:\n    authorizationMode: Bearer\n").is_err());
        assert!(parse("okta: [").is_err());
    }

    #[test]
    fn the_environment_wins_under_any_of_its_names() {
        let settings = vec![
            (
                "OKTA_CLIENT_ORGURL".to_owned(),
                "https://file".to_owned(),
                PathBuf::new(),
            ),
            (
                "OKTA_CLIENT_TOKEN".to_owned(),
                "00file".to_owned(),
                PathBuf::new(),
            ),
        ];
        let kept = missing_from(settings, |name| {
            (name == "OKTA_ORG_URL").then(|| "https://env".to_owned())
        });
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0, "OKTA_CLIENT_TOKEN");
    }
}
