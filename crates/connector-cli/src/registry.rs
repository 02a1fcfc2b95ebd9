//! The one place connectors are registered with the command line.
//!
//! `cargo xtask new-connector` adds a line here.

use connector_core::Registry;

/// Every connector the `connector` binary knows.
pub(crate) fn registry() -> Registry {
    Registry::new()
        .with(connector_okta::connector())
        .with(connector_boards::connector())
}
