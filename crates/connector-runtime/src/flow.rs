//! The flows a runtime runs: validated flow files (see [`flows`](crate::flows)) and the
//! [`Catalog`] of cards they call. The runtime knows steps, not services: the command line
//! hands it the connectors' cards.

use std::collections::HashMap;
use std::sync::Arc;

use crate::flows::{Catalog, Flow};

/// The loaded flows and the cards they use.
#[derive(Clone)]
pub struct Flows {
    flows: Vec<Flow>,
    by_hash: HashMap<String, Flow>,
    catalog: Arc<dyn Catalog>,
}

impl std::fmt::Debug for Flows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.flows.iter().map(Flow::name))
            .finish()
    }
}

impl Flows {
    /// No flows yet; cards run through `catalog`.
    pub fn new(catalog: Arc<dyn Catalog>) -> Flows {
        Flows {
            flows: Vec::new(),
            by_hash: HashMap::new(),
            catalog,
        }
    }

    /// Adds a validated flow.
    pub fn with(mut self, flow: Flow) -> Flows {
        self.by_hash.insert(flow.hash.clone(), flow.clone());
        self.flows.push(flow);
        self
    }

    /// Every flow, in the order added.
    pub fn all(&self) -> &[Flow] {
        &self.flows
    }

    /// A flow by name.
    pub fn get(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name() == name)
    }

    /// A loaded flow by the hash of its text.
    pub fn by_hash(&self, hash: &str) -> Option<&Flow> {
        self.by_hash.get(hash)
    }

    /// The cards.
    pub fn catalog(&self) -> &Arc<dyn Catalog> {
        &self.catalog
    }
}
