//! The card catalog over a connector registry: every action of every registered
//! connector is a card, by `<connector>.<action>`, on the connection the environment
//! describes or a named one (`connection: NAME`, see [`crate::connections`]).
//!
//! The runtime depends on no connector: whoever starts it (the `connector` binary, a
//! test, a benchmark) hands it a [`Registry`].
//!
//! ```
//! use connector_core::{Env, Registry};
//! use connector_runtime::cards::Cards;
//! use connector_runtime::flows::Catalog;
//!
//! let cards = Cards::new(Registry::new(), Env::from_pairs([("HOME", "/root")]));
//! assert!(cards.input_schema("okta.read-user").is_none(), "no connector is registered");
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use connector_core::action::Session;
use connector_core::pipeline::{DryRunLog, RecordedRequest};
use connector_core::{Env, Error, Registry};
use serde_json::Value;

use crate::connections::Connections;
use crate::flows::Catalog;

/// The registry's actions as flow cards; connections are made on first use, so that
/// validating a flow needs no credential.
pub struct Cards {
    registry: Registry,
    env: Env,
    sessions: tokio::sync::Mutex<HashMap<String, Arc<dyn Session>>>,
    dry_run: Option<DryRunLog>,
    recorded: std::sync::Mutex<Vec<(String, Value, Vec<RecordedRequest>)>>,
    connections: Connections,
    tables: Option<crate::tables::Tables>,
}

impl std::fmt::Debug for Cards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cards").finish_non_exhaustive()
    }
}

impl Cards {
    /// The cards of `registry`, connected with `env` when they run.
    pub fn new(registry: Registry, env: Env) -> Cards {
        Cards {
            registry,
            env,
            sessions: tokio::sync::Mutex::new(HashMap::new()),
            dry_run: None,
            recorded: std::sync::Mutex::new(Vec::new()),
            connections: Connections::default(),
            tables: None,
        }
    }

    /// The tables a flows folder declares: the `table` cards' inputs are validated
    /// against them (an unknown table or column, a literal of the wrong type).
    pub fn with_tables(mut self, tables: crate::tables::Tables) -> Cards {
        self.tables = Some(tables);
        self
    }

    /// The tables given with [`with_tables`](Cards::with_tables).
    pub fn tables(&self) -> Option<&crate::tables::Tables> {
        self.tables.as_ref()
    }

    /// Named connections cards may use (`connection: NAME`).
    pub fn with_connections(mut self, connections: Connections) -> Cards {
        self.connections = connections;
        self
    }

    /// Keeps, per card run, the requests `log` recorded (a dry run's `env` records into it).
    pub fn recording(mut self, log: DryRunLog) -> Cards {
        self.dry_run = Some(log);
        self
    }

    /// In a dry run: each card run (card, input) with the requests it would send, in order.
    /// Card runs at once (a `for_each` with `concurrency` above 1) may share requests.
    pub fn recorded(&self) -> Vec<(String, Value, Vec<RecordedRequest>)> {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn session(
        &self,
        connector: &str,
        connection: Option<&str>,
    ) -> Result<Arc<dyn Session>, Error> {
        let key = format!("{connector}|{}", connection.unwrap_or(""));
        let mut sessions = self.sessions.lock().await;
        if let Some(session) = sessions.get(&key) {
            return Ok(session.clone());
        }
        let env = match connection {
            None => self.env.clone(),
            Some(name) => match self.connections.get(name) {
                Some(found) if found.connector == connector => found.env(&self.env),
                _ => {
                    return Err(Error::configuration(
                        self.connection_problem(name, connector),
                    ));
                }
            },
        };
        let session: Arc<dyn Session> =
            Arc::from(self.registry.connector(connector)?.connect(&env)?);
        sessions.insert(key, session.clone());
        Ok(session)
    }

    fn connection_problem(&self, name: &str, connector: &str) -> String {
        match self.connections.get(name) {
            Some(found) => format!(
                "the connection {name:?} is for {}, not {connector}",
                found.connector
            ),
            None => format!(
                "no connection named {name:?} in the connections file{}",
                match (&self.connections.file, self.connections.names()) {
                    (None, _) =>
                        " (none was found: connector.toml, --config or CONNECTOR_CONFIG)".to_owned(),
                    (Some(file), names) =>
                        format!(" {} (it has: {})", file.display(), names.join(", ")),
                }
            ),
        }
    }
}

#[async_trait::async_trait]
impl Catalog for Cards {
    /// The display name of a card (`Okta · Read User`), for people.
    fn title(&self, card: &str) -> String {
        let Some((connector, action)) = card.split_once('.') else {
            return card.to_owned();
        };
        match (
            self.registry.connector(connector),
            self.registry.action(connector, action),
        ) {
            (Ok(c), Ok(a)) => format!("{} · {}", c.name(), a.name),
            _ => card.to_owned(),
        }
    }

    fn input_schema(&self, card: &str) -> Option<Value> {
        let (connector, action) = card.split_once('.')?;
        let schema = self
            .registry
            .action(connector, action)
            .ok()
            .map(|a| a.input_schema)?;
        match &self.tables {
            Some(tables) if crate::tables::is_table_card(card) => {
                Some(crate::tables::narrow_schema(action, &schema, tables))
            }
            _ => Some(schema),
        }
    }

    fn known_cards_hint(&self, card: &str) -> String {
        let connector = card.split_once('.').map_or(card, |(c, _)| c);
        match self.registry.connector(connector) {
            Ok(c) => format!(
                "{connector}'s cards are {}",
                c.actions()
                    .iter()
                    .map(|a| format!("{connector}.{}", a.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(_) => format!(
                "cards are <connector>.<action>; the connectors are {}",
                self.registry
                    .connectors()
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn connection_error(&self, name: &str, card: &str) -> Option<String> {
        let connector = card.split_once('.').map_or(card, |(c, _)| c);
        match self.connections.get(name) {
            Some(found) if found.connector == connector => None,
            _ => Some(self.connection_problem(name, connector)),
        }
    }

    async fn run(
        &self,
        card: &str,
        connection: Option<&str>,
        input: Value,
    ) -> connector_core::Result<Value> {
        let (connector, action) = card.split_once('.').ok_or_else(|| {
            Error::invalid_input(format!(
                "{} is not a card id (<connector>.<action>)",
                connector_core::error::quote_input(card)
            ))
        })?;
        let Some(log) = &self.dry_run else {
            return self
                .session(connector, connection)
                .await?
                .run(action, input)
                .await;
        };
        let before = log.len();
        let result = self
            .session(connector, connection)
            .await?
            .run(action, input.clone())
            .await;
        let requests = log.requests_since(before);
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((card.to_owned(), input, requests));
        result
    }
}
