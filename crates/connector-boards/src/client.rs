//! The boards client: a connection to the service, its limits, and a small GraphQL client on
//! core's pipeline.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use connector_core::{
    Clock, Connection, DryRunLog, Env, Error, ErrorKind, HasConnection, HeaderName, HeaderValue,
    Limit, MemoryLimiter, Method, RateLimiter, Response, Result, RetryPolicy, StaticToken,
    Timeouts, TokioClock,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::envelope::Envelope;
use crate::graphql::Document;
use crate::profile::{BoardsProfile, UNKNOWN_CALL_ESTIMATE};

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
fn api_version_header() -> HeaderName {
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
    connection: Connection,
    endpoint: Arc<str>,
    api_version: HeaderValue,
    costs: Arc<CostBook>,
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
}

/// Builds a [`Boards`] client.
pub struct BoardsBuilder {
    token: StaticToken,
    token_ok: std::result::Result<(), &'static str>,
    profile: BoardsProfile,
    api_url: String,
    api_version: String,
    complexity_budget: u64,
    requests_per_minute: u64,
    max_concurrency: usize,
    retry_policy: RetryPolicy,
    timeouts: Timeouts,
    limiter: Option<Arc<dyn RateLimiter>>,
    clock: Arc<dyn Clock>,
    dry_run: Option<DryRunLog>,
}

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

    /// The retry policy (default: 3 retries within a minute on 429, 503 and 504).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The time limits of each attempt and of each call.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Replaces the default in-memory limiter, for example with one shared by several
    /// workers. Its limits are the caller's to configure; the keys are listed on
    /// [`BoardsProfile`] (prefixes such as `boards:complexity:*` match every token).
    pub fn limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The clock of retries and of the default limiter (tests use a manual clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Records the requests in `log` instead of sending them.
    pub fn dry_run(mut self, log: DryRunLog) -> Self {
        self.dry_run = Some(log);
        self
    }

    /// The profile the connection will use (its limiter keys name this token's budget).
    pub fn profile(&self) -> &BoardsProfile {
        &self.profile
    }

    /// Builds the client; fails with `configuration` on an empty token, a bad URL or a
    /// malformed version.
    pub fn build(self) -> Result<Boards> {
        self.token_ok.map_err(Error::configuration)?;
        let api_version = version_header(&self.api_version)?;
        let connection_builder = Connection::builder(&self.api_url);
        let endpoint = match connector_core::parse_base_url(&self.api_url) {
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
        let limiter = match self.limiter {
            Some(limiter) => limiter,
            None => Arc::new(
                MemoryLimiter::new()
                    .with_clock(self.clock.clone())
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
                    ),
            ),
        };
        let mut builder = connection_builder
            .auth(self.token)
            .profile(self.profile.clone().into_profile())
            .limiter(limiter)
            .retry_policy(self.retry_policy)
            .timeouts(self.timeouts)
            .clock(self.clock)
            .user_agent_product(concat!("connector-boards/", env!("CARGO_PKG_VERSION")))
            .default_header(api_version_header(), api_version.clone());
        if let Some(log) = self.dry_run {
            builder = builder.dry_run(Some(log));
        }
        Ok(Boards {
            connection: builder.build()?,
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
        BoardsBuilder {
            profile: BoardsProfile::for_token(&token),
            token: StaticToken::raw(token),
            token_ok,
            api_url: DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            complexity_budget: DEFAULT_COMPLEXITY_BUDGET,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            retry_policy: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            limiter: None,
            clock: Arc::new(TokioClock),
            dry_run: None,
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
        if let Some(log) = env.dry_run() {
            builder = builder.dry_run(log);
        }
        builder.build()
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

    /// Sends any GraphQL document with its variables through the same pipeline (auth,
    /// limiter, retries, error mapping) and returns its `data`. Until the answer reports
    /// its cost (select `complexity { query after reset_in_x_seconds }`), the call is
    /// charged [`UNKNOWN_CALL_ESTIMATE`] points.
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let data = boards
    ///     .graphql("query { version { kind value } }", serde_json::json!({}))
    ///     .await?;
    /// println!("served by {}", data["version"]["value"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value> {
        let body = json!({ "query": query, "variables": variables });
        let request = self
            .connection
            .request(Method::POST, &self.endpoint)
            .json(&body)?
            .header(api_version_header(), self.api_version.clone())
            .cost(UNKNOWN_CALL_ESTIMATE);
        let mut response = self.connection.send(request).await?;
        let mut root = body_object(&mut response)?;
        Ok(root.remove("data").unwrap_or(Value::Null))
    }

    /// Runs one of the connector's documents and reads its root field as `T`.
    ///
    /// `items` is the number of items asked for (page size, user ids), which the estimate
    /// of the call's complexity grows with.
    pub(crate) async fn run<T: DeserializeOwned>(
        &self,
        document: &Document,
        variables: Map<String, Value>,
        items: u64,
    ) -> Result<Answer<T>> {
        // The first call of a shape goes alone: until one answer has told what such a call
        // costs, others of the same shape wait for it rather than queue for the budget with
        // a guess (a guess above the cost holds back budget, one below it overspends).
        let _probe = self.costs.probe(document, items).await;
        let estimate = self.costs.estimate(document, items);
        let body = json!({ "query": document.text, "variables": variables });
        let request = self
            .connection
            .request(Method::POST, &self.endpoint)
            .json(&body)?
            .header(api_version_header(), self.api_version.clone())
            .cost(estimate)
            .operation(document.root_field);
        let mut response = match self.connection.send(request).await {
            Ok(response) => response,
            Err(error) => {
                // An answer, even a refusal, ends the probe: learn from its report if it has
                // one, else keep the first estimate, so that later calls stop queueing.
                if let Some(answer) = error.response() {
                    let charged = match &answer.body {
                        Value::Object(root) => {
                            Envelope::from_object(root).complexity.and_then(|c| c.query)
                        }
                        _ => None,
                    };
                    self.costs
                        .learn(document, items, charged.unwrap_or(estimate));
                }
                return Err(error);
            }
        };
        let mut root = body_object(&mut response)?;
        let envelope = Envelope::from_object(&root);
        let charged = envelope.complexity.and_then(|c| c.query);
        self.costs
            .learn(document, items, charged.unwrap_or(estimate));
        let facts = |error: Error| {
            let error = error
                .with_status(response.status())
                .with_attempts(response.attempts());
            match &envelope.request_id {
                Some(id) => error.with_request_id(id.clone()),
                None => error,
            }
        };
        let field = match root.remove("data") {
            Some(Value::Object(mut data)) => {
                data.remove(document.root_field).unwrap_or(Value::Null)
            }
            _ => {
                return Err(facts(Error::invalid_response(format!(
                    "the boards service's answer to {} has no data",
                    document.root_field
                ))));
            }
        };
        let value: T = serde_path_to_error::deserialize(field).map_err(|why| {
            facts(Error::invalid_response(format!(
                "the boards service's answer to {} cannot be read: {why}",
                document.root_field
            )))
        })?;
        Ok(Answer {
            value,
            request_id: envelope.request_id,
            attempts: response.attempts(),
        })
    }
}

/// The answer's root object, from the parse the pipeline already made.
fn body_object(response: &mut Response) -> Result<Map<String, Value>> {
    match response.take_json() {
        Some(Value::Object(root)) if !response.is_synthetic() => Ok(root),
        _ if response.is_synthetic() => Err(Error::dry_run_stop()),
        Some(_) | None => Err(Error::invalid_response(
            "the boards service's answer is not a JSON object",
        )
        .with_status(response.status())
        .with_attempts(response.attempts())),
    }
}

/// A decoded answer with the facts an error built from it needs.
pub(crate) struct Answer<T> {
    pub(crate) value: T,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl<T> Answer<T> {
    /// The error for a read by id that found nothing.
    pub(crate) fn not_found(&self, message: String) -> Error {
        let error = Error::new(ErrorKind::NotFound, message).with_attempts(self.attempts);
        match &self.request_id {
            Some(id) => error.with_request_id(id.clone()),
            None => error,
        }
    }
}

/// What calls of each shape really cost, as the service reported: the estimate of the next
/// call of the same shape. The service computes complexity from the document and its
/// arguments before running it, so the same shape costs the same.
#[derive(Debug, Default)]
struct CostBook {
    shapes: Mutex<HashMap<Shape, ShapeCost>>,
}

/// A document and the number of items a call of it asks for.
type Shape = (&'static str, u64);

#[derive(Debug, Default)]
struct ShapeCost {
    /// What the last call of this shape cost.
    seen: Option<u64>,
    /// Held by the call that is learning the cost.
    probe: Arc<tokio::sync::Mutex<()>>,
}

/// Shapes remembered at most; past it the book starts over (a page size per call shape is
/// the usual variety, so this is only a guard).
const COST_BOOK_CAPACITY: usize = 512;

impl CostBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Shape, ShapeCost>> {
        // Nothing under this lock can panic half-way through an update.
        self.shapes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the cost of this shape is known, or until this call is the one to learn
    /// it: then the guard returned must be held until the answer is read.
    async fn probe(
        &self,
        document: &Document,
        items: u64,
    ) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let probe = {
            let mut shapes = self.lock();
            if shapes.len() >= COST_BOOK_CAPACITY && !shapes.contains_key(&(document.file, items)) {
                shapes.clear();
            }
            let shape = shapes.entry((document.file, items)).or_default();
            if shape.seen.is_some() {
                return None;
            }
            shape.probe.clone()
        };
        let guard = probe.lock_owned().await;
        // Another call may have learned the cost while this one waited.
        let known = self
            .lock()
            .get(&(document.file, items))
            .is_some_and(|s| s.seen.is_some());
        (!known).then_some(guard)
    }

    fn estimate(&self, document: &Document, items: u64) -> u64 {
        match self
            .lock()
            .get(&(document.file, items))
            .and_then(|s| s.seen)
        {
            Some(cost) => cost.max(1),
            None => document.estimate(items),
        }
    }

    fn learn(&self, document: &Document, items: u64, charged: u64) {
        self.lock().entry((document.file, items)).or_default().seen = Some(charged);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::graphql;

    // Paused time: the short sleep below only lets the other task run; nothing waits for real.
    #[tokio::test(start_paused = true)]
    async fn the_first_call_of_a_shape_probes_alone_and_later_ones_use_what_it_learned() {
        let book = Arc::new(CostBook::default());
        let doc = &graphql::READ_BOARD;
        let first = book.probe(doc, 1).await;
        assert!(first.is_some(), "the first call learns the cost");
        assert_eq!(book.estimate(doc, 1), doc.estimate(1));
        // A second call of the same shape waits for the first...
        let waiting = {
            let book = book.clone();
            tokio::spawn(async move { book.probe(&graphql::READ_BOARD, 1).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        // ...and once the first has learned the cost, goes without probing.
        book.learn(doc, 1, 321);
        drop(first);
        assert!(!waiting.await.unwrap());
        assert_eq!(book.estimate(doc, 1), 321);
        // Another shape probes on its own.
        assert!(book.probe(doc, 2).await.is_some());
    }

    #[tokio::test]
    async fn a_probe_that_ends_without_learning_hands_over_to_the_next_call() {
        let book = CostBook::default();
        let doc = &graphql::LIST_BOARDS;
        drop(book.probe(doc, 25).await);
        assert!(book.probe(doc, 25).await.is_some());
    }
}
