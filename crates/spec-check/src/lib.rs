//! Test support: checks what the connectors send and receive against the services' own
//! published descriptions.
//!
//! * Okta: the management OpenAPI document ([`okta`]) and the OAuth 2.0 document
//!   ([`okta_oauth`]); see [`OktaSpec`] for request and response validation.
//! * The boards service (monday.com GraphQL API): the published SDL per API version
//!   ([`boards_schema`]); see [`BoardsSchema`] for document validation and emulator-subset
//!   checks.
//!
//! The specs are not part of the repository. They are read from `../shared/specs/` beside
//! the workspace root, or from the directory named by the `CONNECTOR_SPECS_DIR`
//! environment variable. When a file is absent the loaders print one line to stderr and
//! return `None`, so a test written as
//!
//! ```no_run
//! let Some(spec) = spec_check::okta() else { return };
//! spec.validate_request("GET", "/api/v1/users?limit=2", None).unwrap();
//! ```
//!
//! skips cleanly on a machine without the specs.
//!
//! [`to_json_schema`] is the project's one bridge from OpenAPI schemas to JSON Schema, for
//! validation here and for the Rust types `cargo xtask openapi` generates.

mod boards;
mod convert;
mod okta;

pub use boards::{BoardsSchema, boards_schema};
pub use convert::{Mode, Purpose, to_json_schema};
pub use okta::{OktaSpec, okta, okta_oauth, openapi};

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// Name of the environment variable that overrides the specs directory.
pub const SPECS_DIR_ENV: &str = "CONNECTOR_SPECS_DIR";

/// The directory holding the upstream specs: `$CONNECTOR_SPECS_DIR` when set (and not
/// empty), otherwise `shared/specs` beside the workspace root (`../shared/specs/` relative
/// to it). The directory may not exist.
pub fn specs_dir() -> PathBuf {
    match std::env::var_os(SPECS_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs")),
    }
}

/// The path of the spec file `name` (e.g. `"okta-error-codes.json"`) inside [`specs_dir`],
/// or `None` after printing one `skipping spec validation: … not found` line to stderr
/// when the file does not exist (written to the process's stderr directly, so that it
/// shows even when the test harness captures output).
pub fn spec_file(name: &str) -> Option<PathBuf> {
    let path = specs_dir().join(name);
    if path.is_file() {
        Some(path)
    } else {
        // Straight to the process's stderr, not `eprintln!`, which the test harness
        // captures (and hides for passing tests).
        let line = format!(
            "skipping spec validation: {} not found (set {SPECS_DIR_ENV})\n",
            path.display()
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        None
    }
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_specs_dir_is_beside_the_workspace() {
        let dir = normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"));
        assert!(dir.ends_with("shared/specs"));
        assert!(!dir.to_string_lossy().contains(".."));
    }
}
