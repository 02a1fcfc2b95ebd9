//! The client and its builder: a connection (base URL and credential, or neither) and the
//! one call the card makes.

use std::fmt;

use connector_core::custom::{CustomApiInput, build_custom_request};
use connector_core::error::quote_input;
use connector_core::{Connection, ConnectionBuilder, Env, Error, HeaderName, Result};
use url::Url;

use crate::credential::{BASE_URL_VAR, Credential};
use crate::errors;
use crate::model::{HttpRequestInput, HttpResponse, output};
use crate::target::{Target, resolve};

/// The largest answer body the card reads: 10 MiB. A larger one fails as
/// `invalid_response` without being read whole.
pub const MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// The base URL of a connection whose calls each name their origin (no named connection
/// gave one). Nothing is ever sent to it: a call without a base URL goes to the origin of
/// its own absolute `url`, on a copy of the connection that carries no credential.
const NO_BASE_URL: &str = "http://127.0.0.1";

/// A client of any HTTP API: the generic HTTP card.
///
/// Cheap to clone. Without a base URL it sends no credential and each call names its own
/// origin; with one (from a named connection), calls stay on that origin and carry the
/// connection's [`Credential`].
///
/// ```no_run
/// use connector_http::{Http, HttpRequestInput};
///
/// # async fn example() -> connector_core::Result<()> {
/// let http = Http::builder().build()?;
/// let answer = http
///     .request(HttpRequestInput::get("https://api.example.com/status"))
///     .await?;
/// assert_eq!(answer.status_code, 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Http {
    connection: Connection,
    base: Option<Url>,
    /// The header the connection's credential travels in, which callers cannot set.
    credential_header: Option<HeaderName>,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("base_url", &self.base.as_ref().map(Url::as_str))
            .field("connection", &self.connection)
            .field(
                "credential_header",
                &self.credential_header.as_ref().map(HeaderName::as_str),
            )
            .finish()
    }
}

/// Builds an [`Http`] client.
///
/// Besides the card's own settings (a base URL, a credential), the builder has the
/// connection's: [`retry_policy`](HttpBuilder::retry_policy),
/// [`timeouts`](HttpBuilder::timeouts), [`clock`](HttpBuilder::clock),
/// [`transport`](HttpBuilder::transport), [`dry_run`](HttpBuilder::dry_run), ... and
/// [`connection`](HttpBuilder::connection) for any other.
pub struct HttpBuilder {
    connection: ConnectionBuilder,
    base_url: Option<String>,
    credential: Credential,
}

connector_core::connection_settings!(HttpBuilder, connection);

impl fmt::Debug for HttpBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBuilder")
            .field("base_url", &self.base_url)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl HttpBuilder {
    /// The base URL: `https`, or `http` on loopback. Calls may then give a path under it
    /// (`/items` under `https://api.example.com/v1` is `https://api.example.com/v1/items`),
    /// and stay on its origin.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The credential sent on every call (default none). It needs a base URL: a credential
    /// goes to one origin only.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = credential;
        self
    }

    /// Builds the client; fails with `configuration` on a base URL that is not https (or
    /// http on loopback), a credential without a base URL, or a credential that cannot be
    /// sent (see [`Credential`]).
    pub fn build(self) -> Result<Http> {
        let base = match &self.base_url {
            Some(raw) => Some(
                connector_core::connection::parse_base_url(raw).map_err(|e| {
                    let message = format!(
                        "the http connection's base_url is not usable: {}",
                        e.message()
                    );
                    e.with_message(message)
                })?,
            ),
            None => None,
        };
        if base.is_none() && !self.credential.is_none() {
            return Err(Error::configuration(
                "an http connection with a credential needs a base_url: the credential is \
                 sent to that origin only",
            ));
        }
        let connection = self
            .connection
            .base_url(base.as_ref().map_or(NO_BASE_URL, Url::as_str));
        let (connection, credential_header) = self.credential.apply(connection)?;
        Ok(Http {
            connection: connection.build()?,
            base,
            credential_header,
        })
    }
}

impl Http {
    /// Starts building a client: no base URL, no credential, answers capped at
    /// [`MAX_RESPONSE_BYTES`].
    pub fn builder() -> HttpBuilder {
        HttpBuilder {
            connection: Connection::builder(NO_BASE_URL)
                .profile(errors::profile())
                .user_agent_product(concat!("connector-http/", env!("CARGO_PKG_VERSION")))
                .max_response_bytes(MAX_RESPONSE_BYTES),
            base_url: None,
            credential: Credential::None,
        }
    }

    /// A client from the environment. Its settings come from a named connection only
    /// ([`Env::connection_name`]): `base_url` (`HTTP_BASE_URL`) and one credential
    /// (`bearer`, `basic.user` + `basic.password`, or `header.name` + `header.value`).
    /// Without one, no variable is read and no credential is sent, whatever the process
    /// environment holds. The environment's run options (a dry run) apply either way.
    pub fn from_env(env: &Env) -> Result<Http> {
        let mut builder = Http::builder();
        if let Some(name) = env.connection_name() {
            if let Some(url) = env.get(BASE_URL_VAR) {
                builder = builder.base_url(url.trim());
            }
            builder = builder.credential(Credential::from_env(env, name)?);
        }
        builder.env(env).build()
    }

    /// The base URL, when the client has one.
    pub fn base_url(&self) -> Option<&Url> {
        self.base.as_ref()
    }

    /// Sends one request: checks the whole input first (the `url` and its origin, the
    /// method, query, headers and sizes, as the Custom API Action does), then sends it
    /// through the pipeline. A non-2xx answer after retries is an error that keeps its
    /// status, headers and body.
    pub async fn request(&self, input: HttpRequestInput) -> Result<HttpResponse> {
        let HttpRequestInput {
            method,
            url,
            query,
            headers,
            body,
        } = input;
        let elsewhere;
        let (connection, path_and_query) = match resolve(&url, self.base.as_ref())? {
            Target::OnBase(path_and_query) => (&self.connection, path_and_query),
            Target::Elsewhere {
                origin,
                path_and_query,
            } => {
                elsewhere = self.connection.without_credentials_at(&origin)?;
                (&elsewhere, path_and_query)
            }
        };
        if let Some(own) = &self.credential_header
            && let Some(name) = headers
                .iter()
                .flatten()
                .map(|(name, _)| name)
                .find(|name| name.eq_ignore_ascii_case(own.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "header {} cannot be set by the caller: the connection's credential travels in it",
                quote_input(name)
            )));
        }
        let custom = CustomApiInput {
            method,
            relative_url: Some(path_and_query),
            query,
            headers,
            body,
        };
        let request = build_custom_request(connection, &custom, None)?;
        let response = connection.send(request).await?;
        Ok(output(response))
    }
}
