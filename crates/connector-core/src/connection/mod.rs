//! A connection: base URL, credentials and policies, and the one pipeline every request
//! takes (see [`pipeline`](crate::pipeline)).

mod url;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ::url::Url;

use crate::auth::{Authenticator, NoAuth};
use crate::clock::{Clock, TokioClock};
use crate::error::{Error, Result};
use crate::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
use crate::limiter::{RateLimiter, Unlimited};
use crate::pipeline::{
    Classifier, DryRunLog, Profile, RecordingTransport, ReqwestTransport, Transport,
    TransportChoice,
};
use crate::retry::RetryPolicy;

pub use url::{is_loopback, parse_base_url, path_segment};

/// The time limits of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// One attempt, from sending to the last byte of the answer (default 30 s).
    pub attempt: Duration,
    /// The whole call, waits for the limiter and for credentials, retries and their waits
    /// included (default 120 s).
    pub total: Duration,
}

impl Timeouts {
    /// Time limits for one attempt and for the whole call.
    pub fn new(attempt: Duration, total: Duration) -> Timeouts {
        Timeouts { attempt, total }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            attempt: Duration::from_secs(30),
            total: Duration::from_secs(120),
        }
    }
}

/// The `User-Agent` product token of the toolkit: `connectors/<version>`.
pub const USER_AGENT: &str = concat!("connectors/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Connection`]. Connector builders hold one and hand it out for the settings
/// every connection has (retry policy, limiter, timeouts, transport, clock).
pub struct ConnectionBuilder {
    base_url: Result<Url>,
    auth: Arc<dyn Authenticator>,
    profile: Profile,
    limiter: Option<Arc<dyn RateLimiter>>,
    policy: RetryPolicy,
    timeouts: Timeouts,
    max_response_bytes: usize,
    clock: Arc<dyn Clock>,
    user_agent: String,
    default_headers: HeaderMap,
    transport: Option<Arc<dyn Transport>>,
    dry_run: Option<DryRunLog>,
}

impl fmt::Debug for ConnectionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionBuilder")
            .field("base_url", &self.base_url.as_ref().map(Url::as_str).ok())
            .field("auth", &self.auth.masked())
            .field("profile", &self.profile)
            .field("policy", &self.policy)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ConnectionBuilder {
    /// Sets the base URL (a connector's builder sets it when it builds, from its own
    /// settings such as an org URL).
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.base_url = parse_base_url(base_url);
        self
    }

    /// Sets the credentials.
    pub fn auth(mut self, auth: impl Authenticator + 'static) -> Self {
        self.auth = Arc::new(auth);
        self
    }

    /// Sets shared credentials (e.g. a token source several connections use).
    pub fn auth_arc(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the service profile (limiter keys, feedback, classification rules, errors).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Adds a classification rule ahead of the profile's own rules and the defaults.
    pub fn rule(mut self, rule: impl Classifier + 'static) -> Self {
        self.profile = self.profile.with_rule(rule);
        self
    }

    /// The profile so far.
    pub fn current_profile(&self) -> &Profile {
        &self.profile
    }

    /// Sets the rate limiter (default: none).
    pub fn limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The rate limiter set so far; `None` when none was (a connector's builder then puts
    /// in its default limiter; a connection built without one does not limit).
    pub fn current_limiter(&self) -> Option<Arc<dyn RateLimiter>> {
        self.limiter.clone()
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the time limits.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// Sets the whole-call deadline.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// Answers larger than this fail with `invalid_response` without being read whole
    /// (default 32 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Uses another clock for waits (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock so far (a connector shares it with its limiter and token source).
    pub fn current_clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Sends through another transport (default: [`ReqwestTransport`]).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Prepends a product token to the `User-Agent` (e.g. `connector-okta/0.1.0`).
    pub fn user_agent_product(mut self, product: &str) -> Self {
        self.user_agent = format!("{product} {}", self.user_agent);
        self
    }

    /// Adds a header sent on every request unless the request sets it.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// Records requests instead of sending them (`--dry-run`): the transport becomes a
    /// [`RecordingTransport`] writing into `log`.
    pub fn dry_run(mut self, log: Option<DryRunLog>) -> Self {
        self.dry_run = log;
        self
    }

    /// Builds the connection; fails on a bad base URL.
    pub fn build(self) -> Result<Connection> {
        let base_url = self.base_url?;
        let transport = match (self.dry_run.clone(), self.transport) {
            (Some(log), _) => TransportChoice::Other(Arc::new(RecordingTransport::new(log))),
            (None, Some(transport)) => TransportChoice::Other(transport),
            (None, None) => TransportChoice::Default(ReqwestTransport::new(
                self.timeouts.attempt.min(Duration::from_secs(10)),
            )?),
        };
        Ok(Connection {
            inner: Arc::new(Inner {
                base_url,
                auth: self.auth,
                profile: self.profile,
                limiter: self.limiter.unwrap_or_else(|| Arc::new(Unlimited)),
                policy: self.policy,
                timeouts: self.timeouts,
                max_response_bytes: self.max_response_bytes,
                clock: self.clock,
                user_agent: HeaderValue::from_str(&self.user_agent).ok(),
                default_headers: self.default_headers,
                transport,
                dry_run: self.dry_run,
            }),
        })
    }
}

/// A connection to one service: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Connection {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base_url: Url,
    pub(crate) auth: Arc<dyn Authenticator>,
    pub(crate) profile: Profile,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) policy: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_response_bytes: usize,
    pub(crate) clock: Arc<dyn Clock>,
    /// Made once at build: every attempt sets it.
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) default_headers: HeaderMap,
    pub(crate) transport: TransportChoice,
    pub(crate) dry_run: Option<DryRunLog>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.inner.base_url.as_str())
            .field("auth", &self.inner.auth.masked())
            .field("profile", &self.inner.profile)
            .field("policy", &self.inner.policy)
            .field("timeouts", &self.inner.timeouts)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.inner.base_url, self.inner.auth.masked())
    }
}

impl Connection {
    /// Starts building a connection to `base_url`.
    pub fn builder(base_url: &str) -> ConnectionBuilder {
        let mut default_headers = HeaderMap::new();
        default_headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        ConnectionBuilder {
            base_url: parse_base_url(base_url),
            auth: Arc::new(NoAuth),
            profile: Profile::plain(),
            limiter: None,
            policy: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            max_response_bytes: 32 * 1024 * 1024,
            clock: Arc::new(TokioClock),
            user_agent: USER_AGENT.to_owned(),
            default_headers,
            transport: None,
            dry_run: None,
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// The time limits.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// True when this connection records requests instead of sending them: answers are
    /// synthetic, and code that builds a request from an earlier answer marks it with
    /// [`Request::depends_on_answer`].
    pub fn is_dry_run(&self) -> bool {
        self.inner.transport.is_recording()
    }

    /// In a dry run, adds a note to the last request recorded (a pager saying that more
    /// pages would follow); otherwise does nothing.
    pub fn note_dry_run(&self, note: &str) {
        if let Some(log) = &self.inner.dry_run {
            log.note_last(note);
        }
    }

    /// A request to `path_and_query` on the connection's origin (`/api/v1/users?limit=2`).
    ///
    /// Connectors build the path from fixed templates with ids escaped by
    /// [`path_segment`]; untrusted paths go through the Custom API Action's guard instead.
    pub fn request(&self, method: Method, path_and_query: &str) -> Request {
        let mut url = self.inner.base_url.clone();
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        url.set_path(path);
        url.set_query(query);
        url.set_fragment(None);
        Request::new(method, url)
    }

    /// A request to an absolute URL the service gave (a pagination link); refused unless it
    /// is on the connection's origin.
    pub fn request_url(&self, method: Method, url: &str) -> Result<Request> {
        let url = Url::parse(url).map_err(|e| {
            Error::invalid_response(format!("the service gave a link that is not a URL: {e}"))
        })?;
        if url.origin() != self.inner.base_url.origin() {
            return Err(Error::invalid_response(format!(
                "the service gave a link to another origin ({}); refusing to send credentials there",
                url.origin().ascii_serialization()
            )));
        }
        Ok(Request::new(method, url))
    }

    /// Sends a request through the pipeline and parses a JSON answer.
    pub async fn send_json<T: serde::de::DeserializeOwned>(&self, request: Request) -> Result<T> {
        self.send(request).await?.json()
    }

    /// Sends a request through the pipeline: auth, limiter, attempt with timeout and body
    /// cap, classification, retry or return. A non-2xx answer after retries is an error that
    /// keeps the status, headers and body.
    pub async fn send(&self, request: Request) -> Result<Response> {
        crate::pipeline::send(&self.inner, request).await
    }
}
