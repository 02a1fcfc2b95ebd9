//! A connection: base URL, credentials and policies, and the one pipeline every request
//! takes.
//!
//! ```text
//!  request ──► auth ──► limiter.acquire(keys) ──► send (per-attempt timeout, body cap)
//!                ▲                                          │
//!                │                  limiter.observe(feedback)◄┤
//!                │                                          ▼
//!                └──── sleep(delay) ◄── policy.decide ◄── profile.classify ──► answer / error
//! ```

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};
use url::{Host, Url};

use crate::auth::{Authenticator, NoAuth};
use crate::clock::{Clock, TokioClock};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, headers_to_json};
use crate::limiter::{RateLimiter, Unlimited};
use crate::profile::{PlainHttp, ServiceProfile, TransportFailure};
use crate::retry::{GiveUpReason, RetryDecision, RetryPolicy, Verdict};

/// Parses a base URL: `https`, or `http` for loopback hosts only; no credentials in it.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::configuration(format!(
            "{:?} is not a valid URL ({e}); give one such as https://example.okta.com",
            redact_userinfo(raw)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::configuration(
            "the URL must not carry credentials (user:password@); pass them as a token",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::configuration(format!(
                "{url} uses http; https is required except for loopback hosts (127.0.0.1, ::1, localhost)"
            )));
        }
        other => {
            return Err(Error::configuration(format!(
                "{url} uses the {other} scheme; use https"
            )));
        }
    }
    if url.host().is_none() {
        return Err(Error::configuration(format!("{url} has no host")));
    }
    Ok(url)
}

fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://****@{}", &raw[..scheme_end], &raw[at + 1..])
        }
        _ => raw.to_owned(),
    }
}

/// True when the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The time limits of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// One attempt, from sending to the last byte of the answer (default 30 s).
    pub attempt: Duration,
    /// The whole call, retries and waits included (default 120 s).
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

/// The requests a dry run would have sent, with credentials masked.
#[derive(Debug, Clone, Default)]
pub struct DryRunLog {
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

/// One request a dry run recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Every header that would be sent; credentials masked.
    pub headers: Map<String, Value>,
    /// The body, as JSON when it parses.
    pub body: Option<Value>,
}

impl DryRunLog {
    /// An empty log.
    pub fn new() -> DryRunLog {
        DryRunLog::default()
    }

    /// The requests recorded so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn record(&self, request: RecordedRequest) {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
    }
}

/// The `User-Agent` product token of the toolkit: `connectors/<version>`.
pub const USER_AGENT: &str = concat!("connectors/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Connection`].
pub struct ConnectionBuilder {
    base_url: Result<Url>,
    auth: Arc<dyn Authenticator>,
    profile: Arc<dyn ServiceProfile>,
    limiter: Arc<dyn RateLimiter>,
    policy: RetryPolicy,
    timeouts: Timeouts,
    max_response_bytes: usize,
    clock: Arc<dyn Clock>,
    user_agent: String,
    default_headers: HeaderMap,
    dry_run: Option<DryRunLog>,
}

impl ConnectionBuilder {
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

    /// Sets the service profile (limiter keys, feedback, classification, errors).
    pub fn profile(mut self, profile: impl ServiceProfile + 'static) -> Self {
        self.profile = Arc::new(profile);
        self
    }

    /// Sets the rate limiter (default: none).
    pub fn limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = limiter;
        self
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

    /// Records requests instead of sending them (`--dry-run`).
    pub fn dry_run(mut self, log: Option<DryRunLog>) -> Self {
        self.dry_run = log;
        self
    }

    /// Builds the connection; fails on a bad base URL.
    pub fn build(self) -> Result<Connection> {
        let base_url = self.base_url?;
        let origin = base_url.origin();
        // Credentials must never follow a redirect to another origin: follow same-origin
        // redirects only (a few hops), and hand anything else back as the answer.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || attempt.url().origin() != origin {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(policy)
            .connect_timeout(self.timeouts.attempt.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::configuration("cannot build the HTTP client").with_source(e))?;
        Ok(Connection {
            inner: Arc::new(Inner {
                base_url,
                auth: self.auth,
                profile: self.profile,
                limiter: self.limiter,
                policy: self.policy,
                timeouts: self.timeouts,
                max_response_bytes: self.max_response_bytes,
                clock: self.clock,
                user_agent: self.user_agent,
                default_headers: self.default_headers,
                dry_run: self.dry_run,
                client,
            }),
        })
    }
}

/// A connection to one service: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: Url,
    auth: Arc<dyn Authenticator>,
    profile: Arc<dyn ServiceProfile>,
    limiter: Arc<dyn RateLimiter>,
    policy: RetryPolicy,
    timeouts: Timeouts,
    max_response_bytes: usize,
    clock: Arc<dyn Clock>,
    user_agent: String,
    default_headers: HeaderMap,
    dry_run: Option<DryRunLog>,
    client: reqwest::Client,
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

enum Attempt {
    Answer(Response),
    Failed(TransportFailure),
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
            profile: Arc::new(PlainHttp),
            limiter: Arc::new(Unlimited),
            policy: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            max_response_bytes: 32 * 1024 * 1024,
            clock: Arc::new(TokioClock),
            user_agent: USER_AGENT.to_owned(),
            default_headers,
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

    /// True when this connection records requests instead of sending them.
    pub fn is_dry_run(&self) -> bool {
        self.inner.dry_run.is_some()
    }

    /// A request to `path_and_query` on the connection's origin (`/api/v1/users?limit=2`).
    ///
    /// Connectors build the path from fixed templates with ids escaped by
    /// [`path_segment`]; untrusted paths go through the Custom API
    /// Action's guard instead.
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
    pub async fn send(&self, mut request: Request) -> Result<Response> {
        let inner = &*self.inner;
        if let Some(log) = &inner.dry_run {
            log.record(self.record(&request));
            return Err(Error::dry_run_stop());
        }
        let keys = inner.profile.limit_keys(&request);
        let deadline = inner.clock.now() + inner.timeouts.total;
        // The retry window runs from the first attempt's sending, not from the call's start:
        // time spent waiting for the limiter's admission is not time spent retrying.
        let mut first_sent: Option<Instant> = None;
        let mut attempts: u32 = 0;
        let mut retries: u32 = 0;
        let mut refreshed = false;
        let mut first_request_id: Option<String> = None;
        loop {
            attempts += 1;
            let authorization = inner
                .auth
                .authorization()
                .await
                .map_err(|e| e.with_attempts(attempts - 1))?;
            let mut permits = Vec::with_capacity(keys.len());
            for (key, cost) in &keys {
                permits.push(inner.limiter.acquire(key, *cost).await?);
            }
            let started = *first_sent.get_or_insert_with(|| inner.clock.now());
            let attempt = self
                .attempt(&request, authorization.as_ref(), deadline)
                .await;
            let admitted: Vec<_> = permits.iter().map(|p| p.admitted_at()).collect();
            drop(permits);
            let now = inner.clock.system_time();
            if let Attempt::Answer(response) = &attempt {
                for (key, mut feedback) in inner.profile.feedback(&request, response, now) {
                    let index = keys.iter().position(|(k, _)| *k == key);
                    feedback.estimated = index.map_or(request.cost, |i| keys[i].1);
                    feedback.admitted_at = index.and_then(|i| admitted[i]);
                    inner.limiter.observe(&key, &feedback);
                }
                if first_request_id.is_none() {
                    first_request_id = inner.profile.request_id(response);
                }
            }
            let outcome = match &attempt {
                Attempt::Answer(r) => Ok(r),
                Attempt::Failed(f) => Err(f),
            };
            let verdict = inner
                .profile
                .classify(&request, outcome, &inner.policy, now);
            tracing::debug!(
                method = %request.method,
                url = %request.url,
                attempt = attempts,
                status = match &attempt { Attempt::Answer(r) => r.status, Attempt::Failed(_) => 0 },
                verdict = ?verdict,
                "attempt finished"
            );
            match verdict {
                Verdict::Success => {
                    let Attempt::Answer(mut response) = attempt else {
                        return Err(Error::invalid_response(
                            "a classifier called a failed attempt a success",
                        )
                        .with_attempts(attempts));
                    };
                    response.attempts = attempts;
                    return Ok(response);
                }
                Verdict::Unauthorized if !refreshed => {
                    if let Some(refused) = &authorization
                        && inner.auth.invalidate(refused).await
                    {
                        refreshed = true;
                        tracing::info!(
                            attempt = attempts,
                            reason = "401",
                            "refreshing credentials and retrying once"
                        );
                        continue;
                    }
                    return Err(self.final_error(&request, attempt, attempts));
                }
                Verdict::Retryable { reason, after } => {
                    let elapsed = inner.clock.now().saturating_duration_since(started);
                    let jitter = rand::rng().random::<f64>();
                    match inner.policy.decide(retries, elapsed, after, jitter) {
                        RetryDecision::RetryAfter(delay)
                            if inner.clock.now() + delay < deadline =>
                        {
                            retries += 1;
                            tracing::info!(
                                method = %request.method,
                                url = %request.url,
                                attempt = attempts,
                                retry = retries,
                                %reason,
                                delay_ms = delay.as_millis() as u64,
                                asked_by_service = after.is_some(),
                                "retrying"
                            );
                            inner.clock.sleep(delay).await;
                            inner.profile.prepare_retry(
                                &mut request,
                                retries,
                                first_request_id.as_deref(),
                            );
                            continue;
                        }
                        RetryDecision::RetryAfter(delay) => {
                            tracing::info!(attempt = attempts, %reason, "giving up: the wait would pass the call's deadline");
                            return Err(self
                                .final_error(&request, attempt, attempts)
                                .with_retry_after(delay));
                        }
                        RetryDecision::GiveUp(why) => {
                            tracing::info!(attempt = attempts, %reason, why = ?why, "giving up");
                            let error = self.final_error(&request, attempt, attempts);
                            return Err(match why {
                                GiveUpReason::WaitPastWindow(wait) => error
                                    .with_kind(ErrorKind::RateLimited)
                                    .with_retry_after(wait),
                                _ => match after {
                                    Some(wait) => error.with_retry_after(wait),
                                    None => error,
                                },
                            });
                        }
                    }
                }
                Verdict::Unauthorized | Verdict::Fail => {
                    return Err(self.final_error(&request, attempt, attempts));
                }
            }
        }
    }

    fn final_error(&self, request: &Request, attempt: Attempt, attempts: u32) -> Error {
        match attempt {
            Attempt::Answer(mut response) => {
                response.attempts = attempts;
                let mut error = self.inner.profile.error(request, &response);
                if error.status().is_none() {
                    error = error.with_status(response.status);
                }
                if error.request_id().is_none()
                    && let Some(id) = self.inner.profile.request_id(&response)
                {
                    error = error.with_request_id(id);
                }
                error
                    .with_attempts(attempts)
                    .with_response(response.to_error_response())
            }
            Attempt::Failed(failure) => failure.to_error().with_attempts(attempts),
        }
    }

    fn record(&self, request: &Request) -> RecordedRequest {
        let mut headers = self.headers_for(request);
        let mut map = headers_to_json(&headers);
        let masked = self.inner.auth.masked();
        if !masked.is_empty() {
            map.insert("authorization".into(), Value::String(masked));
        }
        headers.clear();
        RecordedRequest {
            method: request.method.to_string(),
            url: request.url.to_string(),
            headers: map,
            body: request
                .body
                .as_ref()
                .map(|b| match serde_json::from_slice::<Value>(b) {
                    Ok(json) => mask_secrets(&json),
                    Err(_) => Value::String(String::from_utf8_lossy(b).into_owned()),
                }),
        }
    }

    fn headers_for(&self, request: &Request) -> HeaderMap {
        let mut headers = self.inner.default_headers.clone();
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Ok(ua) = HeaderValue::from_str(&self.inner.user_agent) {
            headers.insert(reqwest::header::USER_AGENT, ua);
        }
        headers
    }

    async fn attempt(
        &self,
        request: &Request,
        authorization: Option<&SecretString>,
        deadline: Instant,
    ) -> Attempt {
        let inner = &*self.inner;
        let mut headers = self.headers_for(request);
        if let Some(secret) = authorization {
            match HeaderValue::from_str(secret.expose_secret()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    headers.insert(reqwest::header::AUTHORIZATION, value);
                }
                Err(_) => {
                    return Attempt::Failed(TransportFailure::Connect(
                        "the credential is not a valid header value".into(),
                    ));
                }
            }
        }
        let mut builder = inner
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let budget = inner.timeouts.attempt.min(
            deadline
                .saturating_duration_since(inner.clock.now())
                .max(Duration::from_millis(1)),
        );
        match tokio::time::timeout(budget, self.exchange(builder)).await {
            Ok(attempt) => attempt,
            Err(_) => Attempt::Failed(TransportFailure::Timeout),
        }
    }

    async fn exchange(&self, builder: reqwest::RequestBuilder) -> Attempt {
        let cap = self.inner.max_response_bytes;
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(transport_failure(&e)),
        };
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Attempt::Failed(TransportFailure::TooLarge { limit: cap });
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let url = response.url().clone();
        let mut body = BytesMut::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Attempt::Failed(TransportFailure::TooLarge { limit: cap });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Attempt::Failed(transport_failure(&e)),
            }
        }
        Attempt::Answer(Response {
            status,
            headers,
            body: Bytes::from(body),
            url,
            attempts: 1,
        })
    }
}

/// Masks the values of JSON keys that hold secrets (`password`, `secret`, `token`,
/// `assertion`, ...), at any depth: a dry run shows the request's shape, never a credential.
pub fn mask_secrets(value: &Value) -> Value {
    const SECRET_KEYS: &[&str] = &[
        "password",
        "secret",
        "token",
        "assertion",
        "authorization",
        "apikey",
        "api_key",
    ];
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    if SECRET_KEYS.iter().any(|s| lower.contains(s)) && !v.is_object() {
                        (k.clone(), Value::from("****"))
                    } else if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                        (k.clone(), mask_all(v))
                    } else {
                        (k.clone(), mask_secrets(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_secrets).collect()),
        other => other.clone(),
    }
}

/// Masks every scalar inside a secret-named object (`"password": {"value": "..."}`).
fn mask_all(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), mask_all(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(mask_all).collect()),
        Value::Null => Value::Null,
        _ => Value::from("****"),
    }
}

fn transport_failure(error: &reqwest::Error) -> TransportFailure {
    // `without_url` is not needed for the message: we only keep the error's chain text,
    // and our URLs carry no credentials (parse_base_url refuses userinfo).
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    if error.is_connect() {
        TransportFailure::Connect(message)
    } else if error.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Broken(message)
    }
}

/// Escapes one path segment (an id or a login) so it cannot change the path's shape.
///
/// Everything but unreserved characters is percent-encoded, `@` and `+` included: logins
/// travel as `ada%40example.com`, as Okta documents, and a `+` can never be read as a space.
pub fn path_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string();
    // "." and ".." are dot-segments even when unescaped characters only: escape them.
    match encoded.as_str() {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => encoded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_need_https_except_on_loopback() {
        assert!(parse_base_url("https://acme.okta.com").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://[::1]:8080").is_ok());
        assert!(parse_base_url("http://localhost:1").is_ok());
        for bad in [
            "http://acme.okta.com",
            "ftp://x",
            "not a url",
            "https://user:pw@acme.okta.com",
        ] {
            let e = parse_base_url(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Configuration, "{bad}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }

    #[test]
    fn dry_run_bodies_mask_secrets_at_any_depth() {
        let body = serde_json::json!({
            "profile": {"login": "ada@example.com"},
            "credentials": {"password": {"value": "hunter22"}},
            "items": [{"client_secret": "x", "name": "n"}],
            "accessToken": "t"
        });
        let masked = mask_secrets(&body);
        assert_eq!(masked["credentials"]["password"]["value"], "****");
        assert_eq!(masked["items"][0]["client_secret"], "****");
        assert_eq!(masked["items"][0]["name"], "n");
        assert_eq!(masked["accessToken"], "****");
        assert_eq!(masked["profile"]["login"], "ada@example.com");
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(path_segment("00u1"), "00u1");
        assert_eq!(path_segment("a.b@example.com"), "a.b%40example.com");
        assert_eq!(path_segment("a+b@example.com"), "a%2Bb%40example.com");
        assert_eq!(path_segment("../x"), "..%2Fx");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("a b?c#d"), "a%20b%3Fc%23d");
    }
}
