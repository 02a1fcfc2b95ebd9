//! [`ConnectionBuilder`]: every setting of a connection, and the one place where the
//! environment's run options (a dry run, a shared limiter backend) are applied, for every
//! connector alike.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ::url::Url;
use async_trait::async_trait;
use secrecy::SecretString;

use super::parts::{Inner, Timeouts};
use super::{Connection, USER_AGENT, parse_base_url};
use crate::action::Env;
use crate::auth::{Authenticator, NoAuth};
use crate::clock::{Clock, TokioClock};
use crate::error::Result;
use crate::http::{HeaderMap, HeaderName, HeaderValue};
use crate::limiter::{LimiterBackend, LimiterSpec, MemoryLimiter, RateLimiter, Unlimited};
use crate::pipeline::interceptor::Interceptor;
use crate::pipeline::{
    Classifier, DefaultHeaders, DryRunLog, Profile, RecordingTransport, ReqwestTransport,
    Transport, TransportChoice,
};
use crate::retry::RetryPolicy;

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
    interceptors: Vec<Arc<dyn Interceptor>>,
    limiter_backend: Option<Arc<dyn LimiterBackend>>,
    limiter_spec: Option<LimiterSpec>,
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
    pub(super) fn new(base_url: &str) -> ConnectionBuilder {
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
            interceptors: Vec::new(),
            limiter_backend: None,
            limiter_spec: None,
        }
    }

    /// Applies the environment's run options, the same for every connector: its dry-run
    /// log ([`Env::with_dry_run`]) and its limiter backend ([`Env::with_limiter_backend`],
    /// which `CONNECTOR_RATE_LIMIT_URL` sets in the command line). A connector's
    /// `from_env` calls this once; its own settings (URLs, credentials) are its own.
    pub fn env(mut self, env: &Env) -> Self {
        if let Some(log) = env.dry_run() {
            self.dry_run = Some(log);
        }
        if let Some(backend) = env.limiter_backend() {
            self.limiter_backend = Some(backend);
        }
        self
    }

    /// Adds an interceptor: code that runs before each attempt, on the request as sent
    /// and after each answer (see [`Interceptor`]). Interceptors run in the order added,
    /// after the connection's own (default headers, user agent).
    pub fn interceptor(self, interceptor: impl Interceptor + 'static) -> Self {
        self.interceptor_arc(Arc::new(interceptor))
    }

    /// Adds an interceptor the caller keeps a handle on (to read what it counted, say).
    pub fn interceptor_arc(mut self, interceptor: Arc<dyn Interceptor>) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// Makes the connection's limiters with `backend` (one on Redis, shared by every
    /// process, say) from the connector's [`LimiterSpec`]. An explicit
    /// [`limiter`](ConnectionBuilder::limiter) wins.
    pub fn limiter_backend(mut self, backend: Arc<dyn LimiterBackend>) -> Self {
        self.limiter_backend = Some(backend);
        self
    }

    /// The connector's limits: the connection's limiter is made from them when it is
    /// built (with the limiter backend if one was given, else in memory), unless a limiter
    /// was set explicitly.
    pub fn limiter_spec(mut self, spec: LimiterSpec) -> Self {
        self.limiter_spec = Some(spec);
        self
    }

    /// The limiter for `spec`: the explicit one if set, else one from the limiter backend,
    /// else an in-memory one. For a connector that wraps its limiter (Okta learns its
    /// buckets' limits first) before setting it with [`limiter`](ConnectionBuilder::limiter).
    pub fn make_limiter(&self, spec: LimiterSpec) -> Result<Arc<dyn RateLimiter>> {
        match (&self.limiter, &self.limiter_backend) {
            (Some(limiter), _) => Ok(limiter.clone()),
            (None, Some(backend)) => backend.limiter(spec),
            (None, None) => Ok(Arc::new(MemoryLimiter::from_spec(spec))),
        }
    }

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

    /// Records requests instead of sending them (`--dry-run`). Set up once, at build: the
    /// transport becomes a [`RecordingTransport`] writing into `log`, the limiter admits
    /// everything at once, and the credentials are their masked form (no token is
    /// fetched). Nothing in the pipeline or in a connector asks again.
    pub fn dry_run(mut self, log: Option<DryRunLog>) -> Self {
        self.dry_run = log;
        self
    }

    /// Builds the connection; fails on a bad base URL, or when the limiter backend cannot
    /// make the connector's limiter.
    pub fn build(self) -> Result<Connection> {
        let base_url = self.base_url?;
        let own = DefaultHeaders {
            headers: self.default_headers,
            user_agent: HeaderValue::from_str(&self.user_agent).ok(),
        };
        let interceptors: Box<[Arc<dyn Interceptor>]> = std::iter::once(Arc::new(own) as _)
            .chain(self.interceptors)
            .collect();
        // A dry run is decided here, once: what it records, that it waits for nothing, and
        // that it shows credentials masked without fetching any.
        let (transport, limiter, auth): (_, Arc<dyn RateLimiter>, Arc<dyn Authenticator>) =
            match self.dry_run.clone() {
                Some(log) => (
                    TransportChoice::Other(Arc::new(RecordingTransport::new(log))),
                    Arc::new(Unlimited),
                    Arc::new(Masked(self.auth.masked())),
                ),
                None => {
                    let transport = match self.transport {
                        Some(transport) => TransportChoice::Other(transport),
                        None => TransportChoice::Default(ReqwestTransport::new(
                            self.timeouts.attempt.min(Duration::from_secs(10)),
                        )?),
                    };
                    let limiter = match (self.limiter, self.limiter_spec, self.limiter_backend) {
                        (Some(limiter), _, _) => limiter,
                        (None, Some(spec), Some(backend)) => backend.limiter(spec)?,
                        (None, Some(spec), None) => Arc::new(MemoryLimiter::from_spec(spec)),
                        (None, None, _) => Arc::new(Unlimited),
                    };
                    (transport, limiter, self.auth)
                }
            };
        Ok(Connection {
            inner: Arc::new(Inner {
                base_url,
                auth,
                profile: self.profile,
                limiter,
                policy: self.policy,
                timeouts: self.timeouts,
                max_response_bytes: self.max_response_bytes,
                clock: self.clock,
                transport,
                interceptors,
                dry_run: self.dry_run,
            }),
        })
    }
}

/// The credentials of a dry run: their masked form (`SSWS ****`), never fetched.
#[derive(Debug)]
struct Masked(String);

#[async_trait]
impl Authenticator for Masked {
    async fn authorization(&self) -> Result<Option<SecretString>> {
        Ok((!self.0.is_empty()).then(|| SecretString::from(self.0.clone())))
    }

    fn masked(&self) -> String {
        self.0.clone()
    }
}
