//! The environment a connector connects from.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::limiter::LimiterBackend;
use crate::pipeline::DryRunLog;

/// The environment a connector connects from: variables plus run options.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    dry_run: Option<DryRunLog>,
    limiter_backend: Option<Arc<dyn LimiterBackend>>,
    /// The named connection whose settings replaced the connector's variables, if any.
    connection: Option<String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values are often secrets.
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("dry_run", &self.dry_run.is_some())
            .field("limiter_backend", &self.limiter_backend)
            .field("connection", &self.connection)
            .finish()
    }
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars().collect(),
            dry_run: None,
            limiter_backend: None,
            connection: None,
        }
    }

    /// An environment from pairs (tests, embedding).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            dry_run: None,
            limiter_backend: None,
            connection: None,
        }
    }

    /// Records requests instead of sending them.
    pub fn with_dry_run(mut self, log: DryRunLog) -> Env {
        self.dry_run = Some(log);
        self
    }

    /// Makes connections' limiters with `backend` (a budget shared by several processes,
    /// say) instead of each connector's in-memory default.
    pub fn with_limiter_backend(mut self, backend: Arc<dyn LimiterBackend>) -> Env {
        self.limiter_backend = Some(backend);
        self
    }

    /// The backend connectors make their limiters with, when one was given.
    pub fn limiter_backend(&self) -> Option<Arc<dyn LimiterBackend>> {
        self.limiter_backend.clone()
    }

    /// The dry-run log, when this is a dry run.
    pub fn dry_run(&self) -> Option<DryRunLog> {
        self.dry_run.clone()
    }

    /// A variable's value (empty values count as unset).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The first set variable among `names`.
    pub fn get_any(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.get(n))
    }

    /// This environment with every variable whose name starts with one of `prefixes`
    /// removed, then `vars` set: a named connection's settings in place of the
    /// environment's own (the run options stay).
    pub fn with_connection_vars<K: Into<String>, V: Into<String>>(
        mut self,
        prefixes: &[&str],
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        self.vars
            .retain(|name, _| !prefixes.iter().any(|p| name.starts_with(p)));
        self.vars
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Says that the connector's variables are those of the named connection `name` (from
    /// a connections file, set with [`with_connection_vars`](Env::with_connection_vars)).
    /// It is not a variable, so nothing in the process environment can claim it: a
    /// connector whose settings only a named connection may give (the generic HTTP card's
    /// credentials) reads them only when this is set.
    pub fn with_connection_name(mut self, name: impl Into<String>) -> Env {
        self.connection = Some(name.into());
        self
    }

    /// The named connection this environment describes, when one does.
    pub fn connection_name(&self) -> Option<&str> {
        self.connection.as_deref()
    }

    /// A variable's value, or a `configuration` error saying to set it.
    pub fn require(&self, name: &str, what: &str) -> Result<&str> {
        self.get(name)
            .ok_or_else(|| Error::configuration(format!("set {name} ({what})")))
    }
}
