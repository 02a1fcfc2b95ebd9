//! What the import tests share: the cards a flow may use (Okta's, the HTTP card and the
//! tables'), as the command line registers them, and exports written into a temporary
//! folder.

pub(crate) mod build;

use std::path::{Path, PathBuf};

use connector_core::{Env, Registry};
use connector_runtime::cards::Cards;
use connector_runtime::tables::Tables;

/// The cards of the Okta and HTTP connectors and the tables, on an empty environment.
pub(crate) fn cards(tables: Tables) -> Cards {
    let registry = Registry::new()
        .with(connector_okta::connector())
        .with(connector_http::connector())
        .with(connector_runtime::tables::connector());
    Cards::new(registry, Env::from_pairs([("HOME", "/nonexistent")])).with_tables(tables)
}

/// The seed's export, written for these tests from the reference's description.
pub(crate) fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/exports/intro-custom-api-actions.flopack")
}

/// A temporary folder, removed when dropped.
pub(crate) struct Temp(pub(crate) PathBuf);

impl Temp {
    /// A new empty folder; `kind` is part of its name.
    pub(crate) fn new(kind: &str) -> Temp {
        let dir = std::env::temp_dir().join(format!(
            "flow-import-{kind}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Temp(dir)
    }

    /// Writes a file in it; its path.
    pub(crate) fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
