//! The library side of the `connector` command line: the registry (the one place
//! connectors are registered), the exit code of each error kind, the template flow built
//! in, and the wiring of `connector serve`. What a flow needs beyond that (the card
//! catalog over the registry, named connections) is the runtime's
//! (`connector_runtime::cards`, `connector_runtime::connections`).
//!
//! `cargo xtask new-connector` adds a line here; `cargo xtask codegen` reads the registry
//! and the exit codes to write the connector docs, schemas and manifest. The binary itself
//! lives in `main.rs`.
//!
//! ```
//! let registry = connector_cli::registry();
//! assert!(registry.connector("okta").is_ok());
//! ```

pub mod args;
pub mod describe;
mod exit;
pub mod output;

use connector_core::Registry;

pub use exit::exit_code;

/// Every connector the `connector` binary knows.
pub fn registry() -> Registry {
    Registry::new()
        .with(connector_okta::connector())
        .with(connector_boards::connector())
        .with(connector_http::connector())
        .with(connector_runtime::tables::connector())
}

pub mod hooks;

/// The template flow shipped in the binary, "Add User to Admin Role": what `connector
/// serve` runs when no `--flows` is given, and what `connector demo` runs.
pub const TEMPLATE_FLOW: (&str, &str) = (
    "add-user-to-admin-role.yaml",
    include_str!("../flows/add-user-to-admin-role.yaml"),
);
