//! The `Mutation` root.

use async_graphql::{Context, ID, Object, Result};

use super::super::context::RequestCtx;
use super::super::store::NewBoard;
use super::query::int;
use super::types::{Board, BoardKind, BoardSubscriberKind, Complexity, User};
use super::{id_strings, null_on_error};

/// Root of the mutations.
pub(crate) struct Mutation;

fn users(users: Vec<super::super::store::UserRecord>) -> Option<Vec<Option<User>>> {
    Some(users.into_iter().map(|user| Some(User(user))).collect())
}

#[Object(
    name = "Mutation",
    rename_fields = "snake_case",
    rename_args = "snake_case"
)]
impl Mutation {
    /// The complexity budget as this mutation left it.
    async fn complexity(&self, ctx: &Context<'_>) -> Result<Option<Complexity>> {
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq.slot().charged.map(|charged| Complexity {
            after: int(charged.after),
            before: int(charged.before),
            query: int(charged.cost),
            reset_in_x_seconds: int(charged.reset_in),
        }))
    }

    /// Creates a board owned by the token's owner, with a "Group Title" group unless
    /// `empty` is true. Limited per token per window (40 a minute by default).
    #[allow(clippy::too_many_arguments)] // The service's own argument list.
    async fn create_board(
        &self,
        ctx: &Context<'_>,
        board_name: String,
        board_kind: BoardKind,
        workspace_id: Option<ID>,
        folder_id: Option<ID>,
        template_id: Option<ID>,
        description: Option<String>,
        board_owner_ids: Option<Vec<ID>>,
        board_subscriber_ids: Option<Vec<ID>>,
        #[graphql(default_with = "Some(false)")] empty: Option<bool>,
    ) -> Result<Option<Board>> {
        let rq = ctx.data::<RequestCtx>()?;
        rq.charge_create_board()?;
        let new = NewBoard {
            name: board_name,
            kind: Some(board_kind),
            workspace_id: workspace_id.map(|id| id.0),
            folder_id: folder_id.map(|id| id.0),
            template_id: template_id.map(|id| id.0),
            description,
            owner_ids: board_owner_ids.map(id_strings).unwrap_or_default(),
            subscriber_ids: board_subscriber_ids.map(id_strings).unwrap_or_default(),
            empty: empty.unwrap_or(false),
        };
        let board = rq.state.write_store(|store| store.create_board(new));
        Ok(null_on_error(ctx, board).map(Board))
    }

    /// Archives a board.
    async fn archive_board(&self, ctx: &Context<'_>, board_id: ID) -> Result<Option<Board>> {
        let rq = ctx.data::<RequestCtx>()?;
        let board = rq.state.write_store(|store| store.archive_board(&board_id));
        Ok(null_on_error(ctx, board).map(Board))
    }

    /// Deletes a board (its state becomes `deleted`).
    async fn delete_board(&self, ctx: &Context<'_>, board_id: ID) -> Result<Option<Board>> {
        let rq = ctx.data::<RequestCtx>()?;
        let board = rq.state.write_store(|store| store.delete_board(&board_id));
        Ok(null_on_error(ctx, board).map(Board))
    }

    /// Adds users to a board as subscribers (the default) or owners; answers the users.
    async fn add_users_to_board(
        &self,
        ctx: &Context<'_>,
        board_id: ID,
        user_ids: Vec<ID>,
        #[graphql(default_with = "Some(BoardSubscriberKind::Subscriber)")] kind: Option<
            BoardSubscriberKind,
        >,
    ) -> Result<Option<Vec<Option<User>>>> {
        let rq = ctx.data::<RequestCtx>()?;
        let owner = kind == Some(BoardSubscriberKind::Owner);
        let user_ids = id_strings(user_ids);
        let added = rq
            .state
            .write_store(|store| store.add_users_to_board(&board_id, &user_ids, owner));
        Ok(null_on_error(ctx, added).and_then(users))
    }

    /// Removes users (subscribers or owners) from a board; answers the users.
    async fn delete_subscribers_from_board(
        &self,
        ctx: &Context<'_>,
        board_id: ID,
        user_ids: Vec<ID>,
    ) -> Result<Option<Vec<Option<User>>>> {
        let rq = ctx.data::<RequestCtx>()?;
        let user_ids = id_strings(user_ids);
        let removed = rq
            .state
            .write_store(|store| store.delete_subscribers_from_board(&board_id, &user_ids));
        Ok(null_on_error(ctx, removed).and_then(users))
    }
}
