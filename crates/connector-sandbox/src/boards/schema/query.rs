//! The `Query` root.

use async_graphql::{Context, ID, Object, Result};

use super::super::context::RequestCtx;
use super::super::store::{BoardsFilter, UsersFilter, paginate};
use super::super::version::ServedVersion;
use super::types::{
    Board, BoardKind, BoardsOrderBy, Complexity, State, User, UserKind, Version, VersionKind,
};
use super::{id_strings, null_on_error};

/// Root of the queries.
pub(crate) struct Query;

/// `u64` as a GraphQL `Int`, saturating.
pub(super) fn int(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn version(served: ServedVersion) -> Version {
    let label = match served.kind {
        VersionKind::Current => "Current",
        VersionKind::Maintenance => "Maintenance",
        _ => served.value,
    };
    Version {
        display_name: format!("{} ({label})", served.value),
        kind: served.kind,
        value: served.value.to_owned(),
    }
}

#[Object(
    name = "Query",
    rename_fields = "snake_case",
    rename_args = "snake_case"
)]
impl Query {
    /// Boards, filtered and paginated (pages start at 1; page until a short page).
    #[allow(clippy::too_many_arguments)] // The service's own argument list.
    async fn boards(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        workspace_ids: Option<Vec<Option<ID>>>,
        board_kind: Option<BoardKind>,
        #[graphql(default_with = "Some(State::Active)")] state: Option<State>,
        order_by: Option<BoardsOrderBy>,
        #[graphql(default = 25)] limit: Option<i32>,
        #[graphql(default = 1)] page: Option<i32>,
    ) -> Result<Option<Vec<Option<Board>>>> {
        let rq = ctx.data::<RequestCtx>()?;
        let filter = BoardsFilter {
            ids: ids.map(id_strings),
            workspace_ids: workspace_ids
                .map(|list| list.into_iter().map(|id| id.map(|id| id.0)).collect()),
            kind: board_kind,
            state,
            order_by,
        };
        let boards = rq.state.read_store(|store| store.find_boards(&filter));
        let page = paginate(boards, limit.unwrap_or(25), page.unwrap_or(1));
        Ok(null_on_error(ctx, page)
            .map(|boards| boards.into_iter().map(|b| Some(Board(b))).collect()))
    }

    /// Users, filtered and paginated. `name` is a case-insensitive substring match, or an
    /// exact (case-insensitive) one when combined with `kind` or `emails`.
    #[allow(clippy::too_many_arguments)] // The service's own argument list.
    async fn users(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        name: Option<String>,
        emails: Option<Vec<String>>,
        kind: Option<UserKind>,
        newest_first: Option<bool>,
        non_active: Option<bool>,
        #[graphql(default = 200)] limit: Option<i32>,
        #[graphql(default = 1)] page: Option<i32>,
    ) -> Result<Option<Vec<User>>> {
        let rq = ctx.data::<RequestCtx>()?;
        let filter = UsersFilter {
            ids: ids.map(id_strings),
            emails,
            name,
            kind,
            newest_first: newest_first.unwrap_or(false),
            non_active: non_active.unwrap_or(false),
        };
        let users = rq.state.read_store(|store| store.find_users(&filter));
        let page = paginate(users, limit.unwrap_or(200), page.unwrap_or(1));
        Ok(null_on_error(ctx, page).map(|users| users.into_iter().map(User).collect()))
    }

    /// The user who owns the API token.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq
            .state
            .read_store(|store| store.token_owner().cloned())
            .map(User))
    }

    /// The complexity budget as this query left it.
    async fn complexity(&self, ctx: &Context<'_>) -> Result<Option<Complexity>> {
        let rq = ctx.data::<RequestCtx>()?;
        Ok(rq.slot().charged.map(|charged| Complexity {
            after: int(charged.after),
            before: int(charged.before),
            query: int(charged.cost),
            reset_in_x_seconds: int(charged.reset_in),
        }))
    }

    /// The API version that answered this request.
    async fn version(&self, ctx: &Context<'_>) -> Result<Version> {
        Ok(version(ctx.data::<RequestCtx>()?.version))
    }

    /// The API versions the emulator serves.
    async fn versions(&self) -> Option<Vec<Version>> {
        Some(vec![
            version(ServedVersion::MAINTENANCE),
            version(ServedVersion::CURRENT),
        ])
    }
}
