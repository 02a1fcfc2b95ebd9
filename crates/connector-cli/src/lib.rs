//! The library side of the `connector` command line: the registry (the one place
//! connectors are registered), the exit code of each error kind, and the Okta event-hook
//! receiver of `connector serve`.
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
pub mod cards;
pub mod connections;
pub mod describe;
mod exit;
pub mod okta_yaml;
pub mod output;

use connector_core::Registry;

pub use exit::exit_code;

/// Every connector the `connector` binary knows.
pub fn registry() -> Registry {
    Registry::new()
        .with(connector_okta::connector())
        .with(connector_boards::connector())
}

pub mod hooks;
