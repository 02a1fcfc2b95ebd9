//! A connector: metadata, actions and a way to connect ([`Connector`]), built from a client
//! type and its actions with [`ConnectorDef`]; connected, it is a [`Session`].

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use super::definition::DynAction;
use super::docs::{ConnectorDocs, Setting};
use super::env::Env;
use crate::error::{Error, Result};

/// What describes an action without running it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionInfo {
    /// The id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The input's JSON Schema.
    pub input_schema: Value,
    /// The output's JSON Schema.
    pub output_schema: Value,
}

/// A connector, type-erased: metadata, actions, and a way to connect.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The id (`okta`).
    fn id(&self) -> &'static str;
    /// The display name (`Okta`).
    fn name(&self) -> &'static str;
    /// What the connector covers.
    fn description(&self) -> &'static str;
    /// The environment variables it reads.
    fn settings(&self) -> Vec<Setting>;
    /// Its actions' descriptions.
    fn actions(&self) -> Vec<ActionInfo>;
    /// Prose for its generated reference page.
    fn docs(&self) -> ConnectorDocs {
        ConnectorDocs::default()
    }
    /// Connects from the environment.
    fn connect(&self, env: &Env) -> Result<Box<dyn Session>>;
}

/// A connected connector: runs actions by id.
#[async_trait]
pub trait Session: Send + Sync {
    /// Runs an action with JSON input.
    async fn run(&self, action: &str, input: Value) -> Result<Value>;
}

/// Builds a [`Connector`] from a client type, its typed actions and a constructor.
pub struct ConnectorDef<C: Send + Sync + 'static> {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    settings: Vec<Setting>,
    docs: ConnectorDocs,
    actions: Arc<Vec<Box<dyn DynAction<C>>>>,
    connect: fn(&Env) -> Result<C>,
}

impl<C: Send + Sync + 'static> ConnectorDef<C> {
    /// A connector with no actions yet.
    pub fn new(
        id: &'static str,
        name: &'static str,
        description: &'static str,
        connect: fn(&Env) -> Result<C>,
    ) -> Self {
        ConnectorDef {
            id,
            name,
            description,
            settings: Vec::new(),
            docs: ConnectorDocs::default(),
            actions: Arc::new(Vec::new()),
            connect,
        }
    }

    /// Documents an environment variable.
    pub fn setting(mut self, setting: Setting) -> Self {
        self.settings.push(setting);
        self
    }

    /// Sets the prose of the connector's reference page.
    pub fn with_docs(mut self, docs: ConnectorDocs) -> Self {
        self.docs = docs;
        self
    }

    /// Adds an action: an [`ActionDef`](crate::ActionDef), or any other
    /// [`Action`](crate::Action).
    pub fn action(mut self, action: impl DynAction<C> + 'static) -> Self {
        Arc::get_mut(&mut self.actions)
            .expect("actions are only shared once the definition is complete")
            .push(Box::new(action));
        self
    }

    /// Runs an action by id on a client (used by sessions and by embedding code).
    pub async fn run(&self, client: &C, action: &str, input: Value) -> Result<Value> {
        run_action(&self.actions, self.id, client, action, input).await
    }
}

/// Finds an action by id and runs it inside an `action` span (connector and action as
/// fields), attached to the future so that it is entered only while the action is polled.
async fn run_action<C: Send + Sync>(
    actions: &[Box<dyn DynAction<C>>],
    connector: &str,
    client: &C,
    action: &str,
    input: Value,
) -> Result<Value> {
    let found = actions.iter().find(|a| a.id() == action).ok_or_else(|| {
        Error::invalid_input(format!(
            "connector {connector} has no action {}; its actions are: {}",
            crate::error::quote_input(action),
            actions
                .iter()
                .map(|a| a.id())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let span = tracing::info_span!("action", connector, action);
    found.run_json(client, input).instrument(span).await
}

struct DefSession<C: Send + Sync + 'static> {
    id: &'static str,
    actions: Arc<Vec<Box<dyn DynAction<C>>>>,
    client: C,
}

#[async_trait]
impl<C: Send + Sync + 'static> Session for DefSession<C> {
    async fn run(&self, action: &str, input: Value) -> Result<Value> {
        run_action(&self.actions, self.id, &self.client, action, input).await
    }
}

#[async_trait]
impl<C: Send + Sync + 'static> Connector for ConnectorDef<C> {
    fn id(&self) -> &'static str {
        self.id
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn settings(&self) -> Vec<Setting> {
        self.settings.clone()
    }

    fn actions(&self) -> Vec<ActionInfo> {
        self.actions
            .iter()
            .map(|a| ActionInfo {
                id: a.id().to_owned(),
                name: a.name().to_owned(),
                description: a.description().to_owned(),
                input_schema: a.input_schema(),
                output_schema: a.output_schema(),
            })
            .collect()
    }

    fn docs(&self) -> ConnectorDocs {
        self.docs.clone()
    }

    fn connect(&self, env: &Env) -> Result<Box<dyn Session>> {
        let client = (self.connect)(env)?;
        Ok(Box::new(DefSession {
            id: self.id,
            actions: self.actions.clone(),
            client,
        }))
    }
}
