//! The boards service emulator: a stateful GraphQL endpoint at `POST /v2` that behaves
//! like the service (monday.com's API) as far as the boards connector uses it.
//!
//! - **Schema**: a subset of the service's SDL (2026-07 and 2026-10) with the same
//!   names and types: `boards`, `users`, `me`, `complexity`, `version`, `versions`;
//!   `create_board`, `archive_board`, `delete_board`, `add_users_to_board`,
//!   `delete_subscribers_from_board`. [`sdl`] prints it.
//! - **Token**: `Authorization: <token>` (raw, no `Bearer`); otherwise 401
//!   `{"errors":[{"message":"Not Authenticated","extensions":{"code":"UNAUTHENTICATED",...}}]}`.
//! - **`API-Version`**: absent → current ([`CURRENT_VERSION`]); the maintenance version
//!   ([`MAINTENANCE_VERSION`]) answers as itself, older quarterly versions are served by
//!   it, any other well-formed `YYYY-MM` is served as current, anything else gets 200
//!   with `InvalidVersionException`. `version { kind value }` tells which one answered.
//! - **Errors**: application errors are 200 with `errors[]` whose `extensions` carry
//!   `code` (`InvalidBoardIdException`, `InvalidUserIdException`,
//!   `InvalidArgumentException`, ...), `error_data` and `status_code`; `data` is present
//!   once execution started. Every answer has `extensions.request_id`, and every
//!   authenticated one `account_id`.
//! - **Limits**: a complexity budget per token per window, an optional request limit and
//!   a `create_board` limit, all answered with 429, `Retry-After` and
//!   `extensions.retry_in_seconds`. A window opens at the first call after the previous
//!   one ended; time comes from `tokio::time`, so paused-clock tests can skip ahead.
//! - **`Idempotency-Key`** on mutations: the first request with a key runs and its answer
//!   is kept for 30 minutes per token and key; a repeat gets it again with
//!   `Idempotency-Replayed: true` and no second side effect; a repeat while the first is
//!   still running gets 409 `IDEMPOTENCY_CONFLICT` with `Retry-After: 1`.
//!
//! # What a query costs
//!
//! The estimate is computed before the query runs, over the operation that runs
//! (fragments counted where spread, variables substituted), and charged once the
//! document passes validation ([`BoardsState::set_fixed_cost`] replaces it):
//!
//! | field | cost |
//! |---|---|
//! | a leaf (`id`, `__typename`, ...) | 1 |
//! | a field with a selection | 1 + Σ children |
//! | `owners`, `subscribers`, `groups`, `tags`, `teams`, root `versions` | 1 + 6 × Σ children |
//! | root `boards` / `users` | 10 + n × Σ children, n = `limit` (default 25 / 200), capped by the number of `ids` (and `emails`) |
//! | `create_board`, `archive_board`, `delete_board` | 100 + Σ children |
//! | `add_users_to_board`, `delete_subscribers_from_board` | 100 + \|user_ids\| × Σ children |
//!
//! So `boards(limit: 25) { id name owners { id name email } subscribers { id name email } }`
//! costs 10 + 25 × 40 = 1,010. A query estimated above
//! [`BoardsConfig::max_query_complexity`] gets 200 `maxComplexityExceeded`; fragment
//! cycles (`infiniteLoop`), nesting deeper than 32 levels (`maxDepthExceeded`) and more
//! than 100,000 fields once fragments are expanded are refused before validation.
//!
//! ```
//! use connector_sandbox::boards::{BoardsConfig, BoardsState, router};
//!
//! let state = BoardsState::new(BoardsConfig::default());
//! let app: axum::Router = router(state.clone());
//! assert_eq!(state.api_token(), "boards-sandbox-token");
//! # drop(app);
//! ```

mod config;
mod context;
mod cost;
mod http;
mod idempotency;
mod limits;
mod replay;
mod routes;
mod schema;
mod state;
mod store;
mod throttle;
mod version;

pub use config::BoardsConfig;
pub use routes::router;
pub use schema::sdl;
pub use state::{BoardsState, BoardsStats};
pub use version::{CURRENT_VERSION, MAINTENANCE_VERSION};
