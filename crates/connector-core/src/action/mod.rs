//! Actions (cards), connectors and the registry.
//!
//! - An action is declared with [`ActionDef::new`]: an id, a name, a description and one
//!   async function from the connector's client and a typed input to a typed output. The
//!   input and output types give the action its JSON Schemas. The [`Action`] trait is what
//!   every action implements (`ActionDef` does); write an `impl Action` by hand only for
//!   an action that needs more than one function, such as the
//!   [Custom API Action](crate::CustomApiAction).
//! - Every action is also usable through the type-erased [`DynAction`] (JSON in, JSON out,
//!   with JSON Schemas), which is what the CLI, a workflow engine or a UI drive.
//! - A [`ConnectorDef`] gathers a connector's actions, its settings and a way to connect
//!   from an [`Env`]; as a [`Connector`] it connects into a [`Session`] that runs actions
//!   by id. The [`Registry`] finds connectors and actions by id.
//!
//! ```
//! use connector_core::schemars::JsonSchema;
//! use connector_core::{ActionDef, Connector, ConnectorDef, Env, Result};
//! use serde::{Deserialize, Serialize};
//!
//! /// The service's client: cheap to clone (an `Arc` inside in a real connector).
//! #[derive(Clone)]
//! struct Echo;
//!
//! /// The input of `greet`.
//! #[derive(Deserialize, JsonSchema)]
//! #[serde(rename_all = "camelCase")]
//! struct GreetInput {
//!     /// Who to greet.
//!     user_name: String,
//! }
//!
//! /// The output of `greet`.
//! #[derive(Serialize, JsonSchema)]
//! struct Greeting {
//!     /// The greeting.
//!     text: String,
//! }
//!
//! fn connector() -> ConnectorDef<Echo> {
//!     ConnectorDef::new("echo", "Echo", "Greets people.", |_env: &Env| Ok(Echo)).action(
//!         ActionDef::new("greet", "Greet", "Greets a user by name.", |_echo: Echo, input: GreetInput| async move {
//!             Ok(Greeting { text: format!("hello, {}", input.user_name) })
//!         }),
//!     )
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<()> {
//! let session = connector().connect(&Env::from_pairs::<&str, &str>([]))?;
//! let output = session.run("greet", serde_json::json!({"userName": "Ada"})).await?;
//! assert_eq!(output["text"], "hello, Ada");
//! # Ok(())
//! # }
//! ```

mod connector;
mod definition;
mod docs;
mod env;
mod registry;

pub use connector::{ActionInfo, Connector, ConnectorDef, Session};
pub use definition::{Action, ActionDef, DynAction, HasConnection, parse_input, schema_of};
pub use docs::{ConnectorDocs, Setting};
pub use env::Env;
pub use registry::Registry;
