//! Every connector known to a program, found by id.

use std::fmt;
use std::sync::Arc;

use super::connector::{ActionInfo, Connector};
use crate::error::{Error, ErrorKind, Result};

/// Every connector known to a program, found by id.
#[derive(Default, Clone)]
pub struct Registry {
    connectors: Vec<Arc<dyn Connector>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.connectors.iter().map(|c| c.id()))
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a connector.
    pub fn with(mut self, connector: impl Connector + 'static) -> Registry {
        self.connectors.push(Arc::new(connector));
        self
    }

    /// Every connector, in registration order.
    pub fn connectors(&self) -> &[Arc<dyn Connector>] {
        &self.connectors
    }

    /// A connector by id; an unknown id is `invalid_input` listing the known ones.
    pub fn connector(&self, id: &str) -> Result<&Arc<dyn Connector>> {
        self.connectors
            .iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "unknown connector {}; known connectors: {}",
                        crate::error::quote_input(id),
                        self.connectors
                            .iter()
                            .map(|c| c.id())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// An action's description by connector and action id.
    pub fn action(&self, connector: &str, action: &str) -> Result<ActionInfo> {
        let c = self.connector(connector)?;
        let actions = c.actions();
        let ids: Vec<String> = actions.iter().map(|a| a.id.clone()).collect();
        actions.into_iter().find(|a| a.id == action).ok_or_else(|| {
            Error::invalid_input(format!(
                "connector {connector} has no action {}; its actions are: {}",
                crate::error::quote_input(action),
                ids.join(", ")
            ))
        })
    }
}
