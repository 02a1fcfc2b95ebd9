//! What an action is: the [`Action`] trait, its declarative form [`ActionDef`], and the
//! type-erased [`DynAction`] (JSON in, JSON out) every action also is.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::http::Request;

/// A client that owns a [`Connection`] (what the Custom API Action needs).
pub trait HasConnection {
    /// The connection.
    fn connection(&self) -> &Connection;

    /// Adjusts a Custom API request once the guard rails have passed it, before it is sent:
    /// a connector adds here what its own calls carry (an API version, an idempotency key
    /// on writes). The default sends the request as built.
    fn prepare_custom_request(&self, request: Request) -> Request {
        request
    }
}

impl HasConnection for Connection {
    fn connection(&self) -> &Connection {
        self
    }
}

/// A typed action over a client `C` (the connector's client type).
///
/// Most actions are declared with [`ActionDef::new`], which implements this trait from one
/// async function. Implement it by hand when an action needs state or more than one
/// function, as the [Custom API Action](crate::CustomApiAction) does.
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

/// An action declared by its id, name, description and one async function from the
/// client and the input to the output: the whole of an action that calls a typed method.
///
/// The client is passed by value (clients are cheap to clone: an `Arc` inside), so the
/// function's future owns what it uses and can be written as `async move`.
///
/// ```
/// use connector_core::schemars::JsonSchema;
/// use connector_core::{Action, ActionDef, Result};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone)]
/// struct Service;
///
/// impl Service {
///     async fn read_user(&self, id: &str) -> Result<User> {
///         Ok(User { id: id.to_owned() })
///     }
/// }
///
/// /// The input of `read-user`.
/// #[derive(Deserialize, JsonSchema)]
/// struct ReadUserInput {
///     /// The user's id.
///     id: String,
/// }
///
/// /// A user.
/// #[derive(Serialize, JsonSchema)]
/// struct User {
///     /// The user's id.
///     id: String,
/// }
///
/// let read_user = ActionDef::new(
///     "read-user",
///     "Read User",
///     "Reads a user by id.",
///     |service: Service, input: ReadUserInput| async move { service.read_user(&input.id).await },
/// );
/// assert_eq!(read_user.id(), "read-user");
/// ```
pub struct ActionDef<C, I, O, F> {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    run: F,
    // `fn(C, I) -> O`: the action neither owns a client nor values, so it is Send and Sync
    // whatever they are.
    types: PhantomData<fn(C, I) -> O>,
}

impl<C, I, O, F, Fut> ActionDef<C, I, O, F>
where
    C: Clone + Send + Sync + 'static,
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(C, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O>> + Send + 'static,
{
    /// An action with a kebab-case `id` (unique within the connector), a display `name`, a
    /// `description` for docs and UIs, and the function that runs it.
    pub fn new(id: &'static str, name: &'static str, description: &'static str, run: F) -> Self {
        ActionDef {
            id,
            name,
            description,
            run,
            types: PhantomData,
        }
    }
}

impl<C, I, O, F: Clone> Clone for ActionDef<C, I, O, F> {
    fn clone(&self) -> Self {
        ActionDef {
            id: self.id,
            name: self.name,
            description: self.description,
            run: self.run.clone(),
            types: PhantomData,
        }
    }
}

impl<C, I, O, F> fmt::Debug for ActionDef<C, I, O, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionDef")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<C, I, O, F, Fut> Action<C> for ActionDef<C, I, O, F>
where
    C: Clone + Send + Sync + 'static,
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(C, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O>> + Send + 'static,
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
