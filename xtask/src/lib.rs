//! Project automation behind `cargo xtask` (matklad's convention).
//!
//! - `cargo xtask codegen [--check]`: connector reference pages, JSON Schemas and the
//!   manifest, from the action registry; the actions of connectors with an `openapi.toml`,
//!   from their OpenAPI document ([`openapi`]).
//! - `cargo xtask new-connector <id> [--base-url URL] [--auth header|bearer|basic|oauth-client-credentials]
//!   [--openapi FILE --operations OP1,OP2,...]`
//! - `cargo xtask bench [--quick] [--only SCENARIO,...]`: the benchmarks (`src/bin/bench`).
//! - `cargo xtask features`: the README's test command (and `cargo xtask` itself) reuse
//!   every crate the demo's build compiled: no feature turned on later forces a rebuild.
//! - `cargo xtask ci`: what `.ci/run` runs (format, the features check, clippy, tests,
//!   codegen check, API docs, `cargo package`, the scaffold round trip).

pub mod codegen;
pub mod openapi;
pub mod scaffold;

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Writes `contents` to `path`, or in check mode reports whether it differs.
///
/// Returns `Ok(true)` when the file was (or, in check mode, would be) changed.
pub fn ensure_file_contents(path: &Path, contents: &str, check: bool) -> std::io::Result<bool> {
    let current = std::fs::read_to_string(path).ok();
    if current.as_deref() == Some(contents) {
        return Ok(false);
    }
    if !check {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, contents)?;
    }
    Ok(true)
}
