//! Actions (cards), connectors and the registry.
//!
//! A typed [`Action`] has Rust input and output types; every action is also usable through
//! the type-erased [`DynAction`] (JSON in, JSON out, with JSON Schemas), which is what the
//! CLI, a workflow engine or a UI drive. A [`Connector`] is a set of actions plus a way to
//! connect from the environment; the [`Registry`] finds connectors and actions by id.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::connection::Connection;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::DryRunLog;

/// A client that owns a [`Connection`] (what the Custom API Action needs).
pub trait HasConnection {
    /// The connection.
    fn connection(&self) -> &Connection;
}

impl HasConnection for Connection {
    fn connection(&self) -> &Connection {
        self
    }
}

/// A typed action over a client `C` (the connector's client type).
#[async_trait]
pub trait Action<C: ?Sized + Sync>: Send + Sync + 'static {
    /// The input (camelCase JSON).
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    /// The output (camelCase JSON).
    type Output: Serialize + JsonSchema + Send + 'static;

    /// The kebab-case id, unique within the connector (`create-user`).
    fn id(&self) -> &'static str;
    /// The display name (`Create User`).
    fn name(&self) -> &'static str;
    /// What the action does, for docs and UIs.
    fn description(&self) -> &'static str;
    /// Runs the action.
    async fn run(&self, client: &C, input: Self::Input) -> Result<Self::Output>;
}

/// The JSON Schema of a type, as JSON.
pub fn schema_of<T: JsonSchema>() -> Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.to_value()
}

/// Parses JSON into `T`; a misfit is `invalid_input` naming the field.
pub fn parse_input<T: DeserializeOwned>(input: Value) -> Result<T> {
    serde_path_to_error::deserialize(input).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Error::invalid_input(format!("the input does not fit the schema: {inner}"))
        } else {
            Error::invalid_input(format!(
                "the input does not fit the schema at `{path}`: {inner}"
            ))
        }
    })
}

/// The type-erased form of an action: JSON in, JSON out.
#[async_trait]
pub trait DynAction<C: ?Sized + Sync>: Send + Sync {
    /// The id.
    fn id(&self) -> &'static str;
    /// The display name.
    fn name(&self) -> &'static str;
    /// The description.
    fn description(&self) -> &'static str;
    /// The input's JSON Schema.
    fn input_schema(&self) -> Value;
    /// The output's JSON Schema.
    fn output_schema(&self) -> Value;
    /// Parses the input (refusing misfits as `invalid_input`), runs, serialises the output.
    async fn run_json(&self, client: &C, input: Value) -> Result<Value>;
}

#[async_trait]
impl<C: ?Sized + Sync, A: Action<C>> DynAction<C> for A {
    fn id(&self) -> &'static str {
        Action::id(self)
    }

    fn name(&self) -> &'static str {
        Action::name(self)
    }

    fn description(&self) -> &'static str {
        Action::description(self)
    }

    fn input_schema(&self) -> Value {
        schema_of::<A::Input>()
    }

    fn output_schema(&self) -> Value {
        schema_of::<A::Output>()
    }

    async fn run_json(&self, client: &C, input: Value) -> Result<Value> {
        let input: A::Input = parse_input(input)?;
        let output = self.run(client, input).await?;
        serde_json::to_value(output).map_err(|e| {
            Error::invalid_response(format!("the output cannot be written as JSON: {e}"))
        })
    }
}

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

/// A setting a connector reads from the environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    /// The variable's name (`OKTA_ORG_URL`).
    pub name: &'static str,
    /// Other names accepted for it (`OKTA_CLIENT_ORGURL`).
    pub aliases: &'static [&'static str],
    /// True when it holds a secret (never printed).
    pub secret: bool,
    /// When it is needed and what it holds.
    pub description: &'static str,
}

/// Prose about a connector for its generated reference page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectorDocs {
    /// What the connector covers and for whom (Markdown).
    pub overview: &'static str,
    /// How to authorise: token kinds, OAuth scopes (Markdown; the env variables are listed
    /// from [`Connector::settings`]).
    pub authorization: &'static str,
    /// Rate limits, budgets and API-version behaviour (Markdown list items). The retry
    /// policy is documented from [`RetryPolicy`](crate::RetryPolicy) itself.
    pub limitations: Vec<&'static str>,
    /// The service's error codes and the kinds they map to: `(code or status, kind, when)`.
    pub errors: Vec<(&'static str, ErrorKind, &'static str)>,
}

impl ConnectorDocs {
    /// Docs with an overview and authorization text.
    pub fn new(overview: &'static str, authorization: &'static str) -> ConnectorDocs {
        ConnectorDocs {
            overview,
            authorization,
            ..ConnectorDocs::default()
        }
    }

    /// Adds a limitation (a Markdown list item).
    pub fn limitation(mut self, text: &'static str) -> ConnectorDocs {
        self.limitations.push(text);
        self
    }

    /// Documents an error: the service's code or status, the kind it maps to, and when.
    pub fn error(
        mut self,
        code: &'static str,
        kind: ErrorKind,
        when: &'static str,
    ) -> ConnectorDocs {
        self.errors.push((code, kind, when));
        self
    }
}

/// The environment a connector connects from: variables plus run options.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    dry_run: Option<DryRunLog>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values are often secrets.
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("dry_run", &self.dry_run.is_some())
            .finish()
    }
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars().collect(),
            dry_run: None,
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
        }
    }

    /// Records requests instead of sending them.
    pub fn with_dry_run(mut self, log: DryRunLog) -> Env {
        self.dry_run = Some(log);
        self
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

    /// A variable's value, or a `configuration` error saying to set it.
    pub fn require(&self, name: &str, what: &str) -> Result<&str> {
        self.get(name)
            .ok_or_else(|| Error::configuration(format!("set {name} ({what})")))
    }
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

    /// Adds an action.
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

async fn run_action<C: Send + Sync>(
    actions: &[Box<dyn DynAction<C>>],
    connector: &str,
    client: &C,
    action: &str,
    input: Value,
) -> Result<Value> {
    let found = actions.iter().find(|a| a.id() == action).ok_or_else(|| {
        Error::invalid_input(format!(
            "connector {connector} has no action {action:?}; its actions are: {}",
            actions
                .iter()
                .map(|a| a.id())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let span = tracing::info_span!("action", connector, action);
    let _enter = span.enter();
    found.run_json(client, input).await
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
                        "unknown connector {id:?}; known connectors: {}",
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
                "connector {connector} has no action {action:?}; its actions are: {}",
                ids.join(", ")
            ))
        })
    }
}
