//! The GraphQL schema: a subset of the service's SDL with the same type, field and
//! argument names and types (snake_case, as the service spells them).

mod mutation;
mod query;
mod types;

use async_graphql::{Context, EmptySubscription, ErrorExtensions, ID, Schema};

pub(crate) use types::{
    BoardKind, BoardsOrderBy, State, UserKind, UserStatus, VersionKind, WorkspaceKind,
};

use super::context::BudgetExtension;
use super::store::AppError;

/// The emulator's schema type.
pub(crate) type BoardsSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema; requests carry their own context data.
pub(crate) fn build() -> BoardsSchema {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .extension(BudgetExtension)
        .finish()
}

/// The SDL of the schema the emulator serves.
pub fn sdl() -> String {
    build().sdl()
}

/// An application error as the service reports it: `extensions.code`, `error_data`
/// and `status_code` 200.
pub(crate) fn app_error(error: AppError) -> async_graphql::Error {
    let data = async_graphql::Value::from_json(error.data).unwrap_or(async_graphql::Value::Null);
    async_graphql::Error::new(error.message).extend_with(|_, extensions| {
        extensions.set("code", error.code);
        extensions.set("error_data", data.clone());
        extensions.set("status_code", 200);
    })
}

/// The service answers an application error on a nullable field with `null` in `data`
/// and the error in `errors[]`; the engine would drop the field instead, so resolvers
/// report the error themselves and answer `None`.
pub(crate) fn null_on_error<T>(ctx: &Context<'_>, result: Result<T, AppError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            let error = app_error(error).into_server_error(ctx.item.pos);
            ctx.add_error(ctx.set_error_path(error));
            None
        }
    }
}

/// GraphQL IDs as strings.
pub(crate) fn id_strings(ids: Vec<ID>) -> Vec<String> {
    ids.into_iter().map(|id| id.0).collect()
}
