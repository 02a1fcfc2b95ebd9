//! Settings of the boards emulator, fixed when a [`BoardsState`](super::BoardsState) is
//! created and partly adjustable afterwards through its knobs.

use std::time::Duration;

/// Settings of the boards emulator.
///
/// The defaults follow the service's published limits for a personal token on a paid
/// account. The struct is `#[non_exhaustive]`: start from [`BoardsConfig::default`] and
/// assign the fields you need.
///
/// ```
/// use std::time::Duration;
/// use connector_sandbox::boards::BoardsConfig;
///
/// let mut config = BoardsConfig::default();
/// config.complexity_budget = 100_000;
/// config.complexity_window = Duration::from_secs(1);
/// config.generated_users = 50;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BoardsConfig {
    /// The API token clients must send, raw, as `Authorization: <token>`.
    pub token: String,
    /// The account id reported as `account_id` in every authenticated response body.
    pub account_id: u64,
    /// Complexity points a token may spend per window (default 10,000,000).
    pub complexity_budget: u64,
    /// Length of a complexity window; a window starts at the first call after the
    /// previous one ended (default 60 s).
    pub complexity_window: Duration,
    /// Most points a single query may cost before it is refused with
    /// `maxComplexityExceeded` (default 5,000,000). Not applied while `fixed_cost` is set.
    pub max_query_complexity: u64,
    /// Charge every query this many points instead of the estimate (for tests).
    pub fixed_cost: Option<u64>,
    /// Requests a token may send per request window; `None` means unlimited (default).
    pub request_limit: Option<u64>,
    /// Length of the request-limit window (default 60 s).
    pub request_window: Duration,
    /// `create_board` calls a token may make per window (default 40).
    pub create_board_limit: Option<u64>,
    /// Length of the `create_board` window (default 60 s).
    pub create_board_window: Duration,
    /// Seed the default users (default `true`): an admin who owns the token, two members,
    /// a guest and a pending user. The token's owner is seeded even when this is `false`.
    pub default_users: bool,
    /// Generated users to seed in addition to the default ones (default 0).
    pub generated_users: usize,
    /// Generated public boards to seed in the main workspace (default 0).
    pub generated_boards: usize,
    /// Largest request body accepted, in bytes (default 1 MiB); larger ones get 413.
    pub max_body_bytes: usize,
    /// Origin used to build the `url` of boards and users (default
    /// `https://sandbox.example.com`).
    pub account_url: String,
}

impl Default for BoardsConfig {
    fn default() -> Self {
        Self {
            token: "boards-sandbox-token".to_owned(),
            account_id: 1,
            complexity_budget: 10_000_000,
            complexity_window: Duration::from_secs(60),
            max_query_complexity: 5_000_000,
            fixed_cost: None,
            request_limit: None,
            request_window: Duration::from_secs(60),
            create_board_limit: Some(40),
            create_board_window: Duration::from_secs(60),
            default_users: true,
            generated_users: 0,
            generated_boards: 0,
            max_body_bytes: 1024 * 1024,
            account_url: "https://sandbox.example.com".to_owned(),
        }
    }
}
