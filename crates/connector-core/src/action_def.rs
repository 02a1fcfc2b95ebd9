//! Declarative actions: an id, a name, a description and one async function.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::action::Action;
use crate::error::Result;

/// An action defined by a function of the client and the input, instead of a type with a
/// trait impl: register it with [`ConnectorDef::action`](crate::ConnectorDef::action).
///
/// ```
/// use connector_core::{ActionDef, Connection, ConnectorDef, Connector, Env};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Hello { name: String }
///
/// let def = ConnectorDef::new("demo", "Demo", "A demo.", |_: &Env| Connection::builder("https://example.com").build())
///     .action(ActionDef::new("hello", "Hello", "Greets.", |_client: Connection, input: Hello| async move {
///         Ok(format!("hello {}", input.name))
///     }));
/// assert_eq!(def.actions()[0].id, "hello");
/// ```
pub struct ActionDef<C, I, O, F> {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    run: F,
    _types: PhantomData<fn(C, I) -> O>,
}

impl<C, I, O, F> ActionDef<C, I, O, F> {
    /// An action with this id (kebab-case), display name, description and function.
    pub fn new(id: &'static str, name: &'static str, description: &'static str, run: F) -> Self {
        ActionDef {
            id,
            name,
            description,
            run,
            _types: PhantomData,
        }
    }
}

#[async_trait]
impl<C, I, O, F, Fut> Action<C> for ActionDef<C, I, O, F>
where
    C: Clone + Send + Sync + 'static,
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(C, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O>> + Send,
{
    type Input = I;
    type Output = O;

    fn id(&self) -> &'static str {
        self.id
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    async fn run(&self, client: &C, input: I) -> Result<O> {
        (self.run)(client.clone(), input).await
    }
}
