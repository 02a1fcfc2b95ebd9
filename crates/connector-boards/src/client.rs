//! The boards client and its builder: a connection to the service and its limits.

use std::fmt;
use std::sync::Arc;

use connector_core::limiter::{Limit, LimiterSpec};
use connector_core::{
    Connection, ConnectionBuilder, Env, Error, HasConnection, HeaderName, HeaderValue, Method,
    Request, Result, StaticToken,
};

use crate::cost::CostBook;
use crate::idempotency;
use crate::profile::BoardsProfile;

/// The service's endpoint.
pub const DEFAULT_API_URL: &str = "https://api.monday.com/v2";
/// The API version the connector is written and tested against (current as of 2026-11).
pub const DEFAULT_API_VERSION: &str = "2026-10";
/// Complexity points per minute of a personal token on a paid account.
pub const DEFAULT_COMPLEXITY_BUDGET: u64 = 10_000_000;
/// Complexity points per minute on trial, free and NGO accounts.
pub const TRIAL_COMPLEXITY_BUDGET: u64 = 1_000_000;
/// Calls per minute on the basic plan.
pub const DEFAULT_REQUESTS_PER_MINUTE: u64 = 1_000;
/// Calls in flight at once on the basic plan.
pub const DEFAULT_MAX_CONCURRENCY: usize = 40;
/// `create_board` calls per minute.
pub const CREATE_BOARD_PER_MINUTE: u64 = 40;

/// The header that selects the API version.
pub(crate) fn api_version_header() -> HeaderName {
    HeaderName::from_static("api-version")
}

/// A client of the boards service (monday.com's GraphQL API).
///
/// Cheap to clone; clones share the connection, the limiter and what the client learned
/// about the cost of its calls.
///
/// ```no_run
/// use connector_boards::Boards;
///
/// # async fn example() -> connector_core::Result<()> {
/// let boards = Boards::builder("eyJhbGciOi...")
///     .complexity_budget(connector_boards::TRIAL_COMPLEXITY_BUDGET)
///     .build()?;
/// let board = boards.read_board("1234567890").await?;
/// println!("{} has {} owners", board.name, board.owners.unwrap_or_default().len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Boards {
    pub(crate) connection: Connection,
    /// The path (and query) of the GraphQL endpoint on the connection's origin.
    pub(crate) endpoint: Arc<str>,
    pub(crate) api_version: HeaderValue,
    pub(crate) costs: Arc<CostBook>,
}

impl fmt::Debug for Boards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Boards")
            .field("connection", &self.connection)
            .field("api_version", &self.api_version())
            .finish_non_exhaustive()
    }
}

impl HasConnection for Boards {
    fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The Custom API Action's request, as the typed calls send theirs: this client's
    /// `API-Version` unless the caller set one, and on a GraphQL mutation an
    /// `Idempotency-Key` unless the caller gave one (either makes it safe to retry).
    fn prepare_custom_request(&self, mut request: Request) -> Request {
        if !request.headers().contains_key(api_version_header()) {
            request
                .headers_mut()
                .insert(api_version_header(), self.api_version.clone());
        }
        if request.method() == Method::POST && idempotency::is_mutation_request(&request) {
            request = idempotency::keyed(request);
        }
        request
    }
}

/// Builds a [`Boards`] client.
///
/// Besides the service's own settings (API URL and version, its limits), the builder has
/// the connection's: [`retry_policy`](BoardsBuilder::retry_policy),
/// [`limiter`](BoardsBuilder::limiter), [`timeouts`](BoardsBuilder::timeouts),
/// [`clock`](BoardsBuilder::clock), [`rule`](BoardsBuilder::rule), ... and
/// [`connection`](BoardsBuilder::connection) for any other. A limiter given here replaces
/// the default in-memory one and its limits are its owner's to configure; the keys are
/// listed on [`BoardsProfile`] (prefixes such as `boards:complexity:*` match every token).
pub struct BoardsBuilder {
    connection: ConnectionBuilder,
    token: StaticToken,
    token_ok: std::result::Result<(), &'static str>,
    profile: BoardsProfile,
    api_url: String,
    api_version: String,
    complexity_budget: u64,
    requests_per_minute: u64,
    max_concurrency: usize,
}

connector_core::connection_settings!(BoardsBuilder, connection);

impl fmt::Debug for BoardsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoardsBuilder")
            .field("token", &self.token)
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("complexity_budget", &self.complexity_budget)
            .field("requests_per_minute", &self.requests_per_minute)
            .finish_non_exhaustive()
    }
}

impl BoardsBuilder {
    /// The API URL (default `https://api.monday.com/v2`); `https`, or `http` on loopback.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// The API version sent as `API-Version` on every call (default `2026-10`). The service
    /// serves a version that does not exist as the current one without saying so: pin the
    /// version the connector was tested against.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The complexity budget in points per minute (default 10,000,000;
    /// [`TRIAL_COMPLEXITY_BUDGET`] for trial, free and NGO accounts).
    pub fn complexity_budget(mut self, points_per_minute: u64) -> Self {
        self.complexity_budget = points_per_minute;
        self
    }

    /// Calls per minute (default 1,000; 2,500 on Pro, 5,000 on Enterprise).
    pub fn requests_per_minute(mut self, requests: u64) -> Self {
        self.requests_per_minute = requests;
        self
    }

    /// Calls in flight at once (default 40; 100 on Pro, 250 on Enterprise).
    pub fn max_concurrency(mut self, calls: usize) -> Self {
        self.max_concurrency = calls;
        self
    }

    /// The profile the connection will use (its limiter keys name this token's budget).
    pub fn profile(&self) -> &BoardsProfile {
        &self.profile
    }

    /// The limits the client asks of its limiter: the complexity budget, the calls per
    /// minute and `create_board`'s limit per minute, and the concurrency cap, in the
    /// namespace `boards:<token fingerprint>`.
    pub fn limiter_spec(&self) -> LimiterSpec {
        LimiterSpec::new(format!("boards:{}", self.profile.fingerprint()))
            .with_clock(self.connection.current_clock())
            .with_limit(
                self.profile.complexity_key(),
                Limit::per_minute(self.complexity_budget.max(1)),
            )
            .with_limit(
                self.profile.calls_key(),
                Limit::per_minute(self.requests_per_minute.max(1)),
            )
            .with_limit(
                self.profile.create_board_key(),
                Limit::per_minute(CREATE_BOARD_PER_MINUTE),
            )
            .with_limit(
                self.profile.concurrency_key(),
                Limit::Concurrency(self.max_concurrency.max(1)),
            )
    }

    /// Builds the client; fails with `configuration` on an empty token, a bad URL or a
    /// malformed version.
    pub fn build(self) -> Result<Boards> {
        self.token_ok.map_err(Error::configuration)?;
        let api_version = version_header(&self.api_version)?;
        let endpoint = match connector_core::connection::parse_base_url(&self.api_url) {
            Ok(url) => match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            },
            Err(e) => {
                let message = format!(
                    "the boards API URL is not usable: {}; set BOARDS_API_URL to an address such as {DEFAULT_API_URL}",
                    e.message()
                );
                return Err(e.with_message(message));
            }
        };
        let spec = self.limiter_spec();
        let limiter = self.connection.make_limiter(spec)?;
        let connection = self
            .connection
            .base_url(&self.api_url)
            .auth(self.token)
            .limiter(limiter)
            .default_header(api_version_header(), api_version.clone())
            .build()?;
        Ok(Boards {
            connection,
            endpoint: endpoint.into(),
            api_version,
            costs: Arc::new(CostBook::default()),
        })
    }
}

/// Checks a version (`YYYY-MM`) and makes it a header value.
fn version_header(version: &str) -> Result<HeaderValue> {
    let version = version.trim();
    let well_formed = version.len() == 7
        && version
            .char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
    if !well_formed {
        return Err(Error::configuration(format!(
            "the boards API version {version:?} is not of the form YYYY-MM; set BOARDS_API_VERSION to a version such as {DEFAULT_API_VERSION}"
        )));
    }
    HeaderValue::from_str(version)
        .map_err(|_| Error::configuration("the boards API version is not a valid header value"))
}

impl Boards {
    /// Starts building a client with an API token (personal or app token), sent as is in
    /// `Authorization`.
    ///
    /// ```no_run
    /// let boards = connector_boards::Boards::builder("eyJhbGciOi...")
    ///     .api_version("2026-10")
    ///     .requests_per_minute(2_500)
    ///     .build()?;
    /// # Ok::<(), connector_core::Error>(())
    /// ```
    pub fn builder(token: impl Into<String>) -> BoardsBuilder {
        let token = token.into();
        let token_ok = if token.trim().is_empty() {
            Err("the boards API token is empty; set BOARDS_API_TOKEN")
        } else if HeaderValue::from_str(&token).is_err() {
            Err(
                "the boards API token contains characters that cannot be sent in a header; check BOARDS_API_TOKEN",
            )
        } else {
            Ok(())
        };
        let profile = BoardsProfile::for_token(&token);
        BoardsBuilder {
            // The profile goes in first, so that rules added to the builder go ahead of it.
            connection: Connection::builder(DEFAULT_API_URL)
                .profile(profile.clone().into_profile())
                .user_agent_product(concat!("connector-boards/", env!("CARGO_PKG_VERSION"))),
            profile,
            token: StaticToken::raw(token),
            token_ok,
            api_url: DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            complexity_budget: DEFAULT_COMPLEXITY_BUDGET,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }

    /// A client from the environment: `BOARDS_API_TOKEN` (required), `BOARDS_API_URL`,
    /// `BOARDS_API_VERSION`, and the environment's dry-run log if any.
    ///
    /// ```no_run
    /// use connector_core::Env;
    ///
    /// let boards = connector_boards::Boards::from_env(&Env::from_process())?;
    /// # Ok::<(), connector_core::Error>(())
    /// ```
    pub fn from_env(env: &Env) -> Result<Boards> {
        let token = env.require(
            "BOARDS_API_TOKEN",
            "the boards API token, from the service's Developer center",
        )?;
        let mut builder = Boards::builder(token);
        if let Some(url) = env.get("BOARDS_API_URL") {
            builder = builder.api_url(url.trim());
        }
        if let Some(version) = env.get("BOARDS_API_VERSION") {
            builder = builder.api_version(version);
        }
        // The run options (a dry run, a shared limiter backend) are the core's to apply.
        builder.env(env).build()
    }

    /// The API version this client sends.
    pub fn api_version(&self) -> &str {
        // Built from a checked `YYYY-MM` string, so it is always visible ASCII.
        self.api_version.to_str().unwrap_or(DEFAULT_API_VERSION)
    }

    /// The same client (connection, limiter, learned costs) sending another API version:
    /// the per-call override.
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let board = boards.with_api_version("2026-07")?.read_board("1234567890").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_api_version(&self, version: &str) -> Result<Boards> {
        Ok(Boards {
            api_version: version_header(version)?,
            ..self.clone()
        })
    }
}
