//! The OAuth 2.0 client-credentials token source: a cached access token, refreshed ahead
//! of its expiry and once after a 401, fetched through the connection's own pipeline.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use super::Authenticator;
use crate::clock::{Clock, TokioClock};
use crate::connection::{Connection, Timeouts};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HeaderValue, Method, Response};
use crate::pipeline::{AttemptContext, Profile, Transport};
use crate::retry::RetryPolicy;

/// How an OAuth client proves who it is at the token endpoint.
#[derive(Clone)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_post`: the secret travels in the form.
    Secret(SecretString),
    /// `private_key_jwt`: a signed assertion travels in the form (RFC 7523).
    Assertion(Arc<dyn AssertionSigner>),
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("ClientAuth::Secret(****)"),
            ClientAuth::Assertion(signer) => write!(f, "ClientAuth::Assertion({signer:?})"),
        }
    }
}

/// Signs the client assertion of `private_key_jwt` (a fresh one per token request).
pub trait AssertionSigner: Send + Sync + fmt::Debug {
    /// A signed JWT with `iss = sub = client_id`, `aud = audience`, a short `exp`, a unique `jti`.
    fn sign(&self, client_id: &str, audience: &str) -> Result<SecretString>;
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorAnswer {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

struct CachedToken {
    header: SecretString,
    expires_at: Instant,
}

/// An OAuth 2.0 client-credentials token source.
///
/// Caches the access token, refreshes it `refresh_before` (default 60 s) ahead of its expiry,
/// lets concurrent callers share one refresh (they wait on the same lock and find the new
/// token), and fetches a new one once after a 401. The token request goes through the same
/// pipeline as every other request: its timeouts, body cap, classification and retries
/// (429, 503 and 504 per the retry policy, on the injected clock).
pub struct ClientCredentials {
    token_url: Url,
    client_id: String,
    scopes: Vec<String>,
    client_auth: ClientAuth,
    refresh_before: Duration,
    timeouts: Timeouts,
    policy: RetryPolicy,
    transport: Option<Arc<dyn Transport>>,
    clock: Arc<dyn Clock>,
    connection: std::sync::OnceLock<Connection>,
    cache: Mutex<Option<CachedToken>>,
    fetches: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// A token source for `client_id` at `token_url`, asking for `scopes`.
    ///
    /// The token URL must be https unless its host is loopback.
    pub fn new(
        token_url: &str,
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        client_auth: ClientAuth,
    ) -> Result<ClientCredentials> {
        let token_url = crate::connection::parse_base_url(token_url)?;
        Ok(ClientCredentials {
            token_url,
            client_id: client_id.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            client_auth,
            refresh_before: Duration::from_secs(60),
            timeouts: Timeouts::new(Duration::from_secs(30), Duration::from_secs(60)),
            policy: RetryPolicy::default(),
            transport: None,
            clock: Arc::new(TokioClock),
            connection: std::sync::OnceLock::new(),
            cache: Mutex::new(None),
            fetches: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Refresh this long before the token expires (default 60 s).
    pub fn with_refresh_before(mut self, refresh_before: Duration) -> Self {
        self.refresh_before = refresh_before;
        self
    }

    /// Uses another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the token request's time limits (default 30 s per attempt, 60 s in all).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the token request's retry policy (default: the connection default, 429, 503
    /// and 504 within a minute).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sends the token request through another transport.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// How many token requests this source has made.
    pub fn token_requests(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn connection(&self) -> Result<&Connection> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection);
        }
        let client_id = self.client_id.clone();
        let mut builder = Connection::builder(self.token_url.as_str())
            .profile(Profile::plain().named("oauth").with_errors(
                move |ctx: &AttemptContext<'_>, response: &Response| {
                    token_error(&client_id, ctx, response)
                },
            ))
            .retry_policy(self.policy.clone())
            .timeouts(self.timeouts)
            .clock(self.clock.clone());
        if let Some(transport) = &self.transport {
            builder = builder.transport(transport.clone());
        }
        let connection = builder.build()?;
        // Two callers may build at once (the cache lock is held by one at a time, so not in
        // practice); the first one kept wins and the other is dropped.
        Ok(self.connection.get_or_init(|| connection))
    }

    /// The token request's form body. Built apart from `fetch` because the form serializer is
    /// not `Send` and must not live across an await.
    fn token_form(&self) -> Result<String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if !self.scopes.is_empty() {
            form.append_pair("scope", &self.scopes.join(" "));
        }
        match &self.client_auth {
            ClientAuth::Secret(secret) => {
                form.append_pair("client_id", &self.client_id);
                form.append_pair("client_secret", secret.expose_secret());
            }
            ClientAuth::Assertion(signer) => {
                let assertion = signer.sign(&self.client_id, self.token_url.as_str())?;
                form.append_pair(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                );
                form.append_pair("client_assertion", assertion.expose_secret());
            }
        }
        Ok(form.finish())
    }

    async fn fetch(&self) -> Result<CachedToken> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let connection = self.connection()?;
        tracing::debug!(token_url = %self.token_url, client_id = %self.client_id, "requesting an access token");
        // A fresh assertion per attempt is not needed: the pipeline resends the same body,
        // and an assertion lives for minutes.
        let request = connection
            .request_url(Method::POST, self.token_url.as_str())?
            .header(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(self.token_form()?);
        let response = connection.send(request).await.map_err(|e| {
            if e.status().is_none() && e.kind() != ErrorKind::RateLimited {
                let message = format!(
                    "cannot get a token from the token endpoint: {}",
                    e.message()
                );
                e.with_message(message)
            } else {
                e
            }
        })?;
        let answer: TokenAnswer = serde_json::from_slice(response.body()).map_err(|e| {
            Error::invalid_response(format!("the token answer is not a token: {e}"))
                .with_status(response.status())
        })?;
        let scheme = match answer.token_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("dpop") => "DPoP",
            _ => "Bearer",
        };
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        Ok(CachedToken {
            header: SecretString::from(format!("{scheme} {}", answer.access_token)),
            expires_at: self.clock.now() + lifetime,
        })
    }
}

/// The token endpoint's refusal: `error` and `error_description` (RFC 6749 §5.2).
fn token_error(client_id: &str, context: &AttemptContext<'_>, response: &Response) -> Error {
    let status = response.status();
    let answer: Option<OAuthErrorAnswer> = context
        .json()
        .and_then(|json| serde_json::from_value(json.clone()).ok());
    let kind = match status {
        400 | 401 | 403 => ErrorKind::Authentication,
        429 => ErrorKind::RateLimited,
        _ => ErrorKind::from_status(status),
    };
    let mut message = format!("the token endpoint refused client {client_id}");
    if let Some(description) = answer.as_ref().and_then(|a| a.error_description.as_deref()) {
        let description: String = description.chars().take(300).collect();
        message.push_str(&format!(": {description}"));
    }
    let mut error = Error::new(kind, message).with_status(status);
    if let Some(code) = answer.and_then(|a| a.error) {
        error = error.with_code(code);
    }
    error
}

#[async_trait]
impl Authenticator for ClientCredentials {
    async fn authorization(&self) -> Result<Option<SecretString>> {
        // Holding the lock across the fetch is what makes concurrent callers share one
        // refresh: they queue here and find the fresh token when they get the lock.
        let mut cache = self.cache.lock().await;
        let now = self.clock.now();
        if let Some(token) = cache.as_ref()
            && now + self.refresh_before < token.expires_at
        {
            return Ok(Some(token.header.clone()));
        }
        let fresh = self.fetch().await?;
        let header = fresh.header.clone();
        *cache = Some(fresh);
        Ok(Some(header))
    }

    fn masked(&self) -> String {
        "Bearer ****".to_owned()
    }

    async fn invalidate(&self, refused: &SecretString) -> bool {
        let mut cache = self.cache.lock().await;
        if cache
            .as_ref()
            .is_some_and(|t| t.header.expose_secret() == refused.expose_secret())
        {
            *cache = None;
        }
        true
    }
}
