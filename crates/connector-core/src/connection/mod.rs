//! A connection: base URL, credentials and policies, and the one pipeline every request
//! takes (see [`pipeline`](crate::pipeline)).

mod builder;
pub(crate) mod parts;
mod url;

use std::fmt;
use std::sync::Arc;

use ::url::Url;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::http::{Method, Request, Response};
use crate::retry::RetryPolicy;

pub use builder::ConnectionBuilder;
use parts::Inner;
pub use parts::Timeouts;
pub use url::{is_loopback, parse_base_url, path_segment};

/// The `User-Agent` product token of the toolkit: `connectors/<version>`.
pub const USER_AGENT: &str = concat!("connectors/", env!("CARGO_PKG_VERSION"));

/// A connection to one service: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Connection {
    pub(crate) inner: Arc<Inner>,
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
        ConnectionBuilder::new(base_url)
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The same connection (policy, limiter, timeouts, clock, transport, interceptors, dry
    /// run) on another base URL, sending no credentials: for a caller that chooses the
    /// origin of each call, as the generic HTTP card does when no named connection gives
    /// one. The base URL is checked as [`parse_base_url`] checks it (`configuration` when
    /// refused). Interceptors go along: one that adds a credential of its own would add it
    /// there too, so use this only on a connection without such interceptors.
    pub fn without_credentials_at(&self, base_url: &str) -> Result<Connection> {
        let inner = &self.inner;
        Ok(Connection {
            inner: Arc::new(Inner {
                base_url: parse_base_url(base_url)?,
                auth: Arc::new(crate::auth::NoAuth),
                profile: inner.profile.clone(),
                limiter: inner.limiter.clone(),
                policy: inner.policy.clone(),
                timeouts: inner.timeouts,
                max_response_bytes: inner.max_response_bytes,
                clock: inner.clock.clone(),
                transport: inner.transport.clone(),
                interceptors: inner.interceptors.clone(),
                dry_run: inner.dry_run.clone(),
            }),
        })
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

    /// True when this connection records requests instead of sending them (set up once,
    /// when it was built, from [`ConnectionBuilder::dry_run`]). A connector never needs to
    /// ask: requests built from an earlier answer say so with
    /// [`Request::depends_on_answer`], and a lookup they are built from goes through
    /// [`Connection::lookup`].
    pub fn is_dry_run(&self) -> bool {
        self.inner.dry_run.is_some()
    }

    /// The answer of a lookup that later requests are built from (the assignments a
    /// removal by role type deletes, say). A dry run has no real answer: its lookup was
    /// recorded, and `placeholder` stands in for what it would have found, so that the
    /// action goes on to list the requests it leads to (mark them with
    /// [`Request::depends_on_answer`]). Otherwise the answer is returned as it is.
    ///
    /// ```
    /// # use connector_core::{Connection, Result};
    /// # fn example(connection: &Connection, found: Result<Vec<String>>) -> Result<()> {
    /// let ids = connection.lookup(found, || vec![":assignmentId".to_owned()])?;
    /// # let _ = ids;
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup<T>(&self, answer: Result<T>, placeholder: impl FnOnce() -> T) -> Result<T> {
        match answer {
            Err(error) if !error.is_dry_run_stop() => Err(error),
            _ if self.is_dry_run() => Ok(placeholder()),
            answer => answer,
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
