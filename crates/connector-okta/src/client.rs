//! The Okta client: a connection to one org, built from code or from the environment.

use std::fmt;
use std::sync::Arc;

use connector_core::auth::ClientAuth;
use connector_core::limiter::{Limit, LimiterSpec};
use connector_core::secrecy::{ExposeSecret, SecretString};
use connector_core::{
    ClientCredentials, Connection, ConnectionBuilder, Env, Error, HasConnection, Result,
    StaticToken,
};

use crate::jwt::PrivateKeyJwt;
use crate::limiter::LearningGate;
use crate::profile::{CONCURRENCY_KEY_PREFIX, OktaProfile};

/// The scopes asked for when none are given: what the connector's actions and the
/// help-desk template need.
pub const DEFAULT_SCOPES: &[&str] = &[
    "okta.users.manage",
    "okta.users.read",
    "okta.roles.manage",
    "okta.roles.read",
    "okta.groups.manage",
    "okta.groups.read",
];

/// Okta's default cap on requests in flight per org.
pub const DEFAULT_CONCURRENCY: usize = 75;

/// The `User-Agent` product token of this crate, sent before the toolkit's own.
const PRODUCT: &str = concat!("connector-okta/", env!("CARGO_PKG_VERSION"));

/// A client of one Okta org: cheap to clone, safe to share between tasks.
///
/// Every call (the typed methods, the actions, [`custom_api_call`](Okta::custom_api_call))
/// takes the same pipeline: credentials, the org's rate-limit buckets and concurrency cap,
/// retries on 429/503/504 as the service asks, and Okta's errors mapped to kinds.
///
/// ```no_run
/// use connector_okta::Okta;
///
/// # async fn example() -> connector_core::Result<()> {
/// let okta = Okta::builder("https://acme.okta.com").api_token("00abc...").build()?;
/// let user = okta.read_user("jane@acme.com").await?;
/// println!("{} is {}", user.profile.login, user.status.as_deref().unwrap_or("?"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Okta {
    connection: Connection,
}

impl fmt::Debug for Okta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Okta")
            .field("connection", &self.connection)
            .finish()
    }
}

impl fmt::Display for Okta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "okta {}", self.connection)
    }
}

impl HasConnection for Okta {
    fn connection(&self) -> &Connection {
        &self.connection
    }
}

enum Credentials {
    ApiToken(SecretString),
    PrivateKeyJwt {
        client_id: String,
        private_key: SecretString,
        scopes: Vec<String>,
    },
}

/// Builds an [`Okta`] client. Start with [`Okta::builder`].
///
/// Besides Okta's own settings (credentials, key id, concurrency), the builder has the
/// connection's: [`retry_policy`](OktaBuilder::retry_policy),
/// [`limiter`](OktaBuilder::limiter), [`timeouts`](OktaBuilder::timeouts),
/// [`clock`](OktaBuilder::clock), ... and [`connection`](OktaBuilder::connection) for any
/// other. A limiter given here sees the keys described in [`OktaProfile`]: configure a
/// `Limit::Concurrency` for `okta-concurrency:*` on it if it should cap requests in flight.
/// As with the default limiter, a bucket not yet heard from admits one request at a time
/// until its first answer.
pub struct OktaBuilder {
    connection: ConnectionBuilder,
    org_url: String,
    credentials: Option<Credentials>,
    key_id: Option<String>,
    concurrency: usize,
}

connector_core::connection_settings!(OktaBuilder, connection);

impl fmt::Debug for OktaBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            None => "none".to_owned(),
            Some(Credentials::ApiToken(_)) => "SSWS ****".to_owned(),
            Some(Credentials::PrivateKeyJwt { client_id, .. }) => {
                format!("private_key_jwt {client_id} ****")
            }
        };
        f.debug_struct("OktaBuilder")
            .field("org_url", &self.org_url)
            .field("credentials", &credentials)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Okta {
    /// Starts building a client of the org at `org_url` (`https://acme.okta.com`; `http` only
    /// for loopback hosts such as a local emulator).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use connector_core::RetryPolicy;
    /// use connector_okta::Okta;
    ///
    /// # fn example(pem: &str) -> connector_core::Result<()> {
    /// // An API token...
    /// let okta = Okta::builder("https://acme.okta.com").api_token("00abc...").build()?;
    /// // ...or an OAuth 2.0 service app with a private key (RS256 or ES256).
    /// let okta = Okta::builder("https://acme.okta.com")
    ///     .private_key_jwt("0oa1client", pem, ["okta.users.read", "okta.roles.manage"])
    ///     .concurrency(35)
    ///     .retry_policy(RetryPolicy::default().with_max_retries(2))
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(org_url: impl Into<String>) -> OktaBuilder {
        let org_url = org_url.into();
        // The profile goes in first, so that rules added to the builder go ahead of it. A
        // URL that does not parse is reported by `build`.
        let origin = match connector_core::connection::parse_base_url(&org_url) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => org_url.clone(),
        };
        OktaBuilder {
            connection: Connection::builder(&origin)
                .profile(OktaProfile::for_org(&origin).into_profile())
                .user_agent_product(PRODUCT),
            org_url,
            credentials: None,
            key_id: None,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// A client from environment variables:
    ///
    /// - `OKTA_ORG_URL` (or `OKTA_CLIENT_ORGURL`): the org's URL;
    /// - `OKTA_API_TOKEN` (or `OKTA_CLIENT_TOKEN`): an API token, sent as `SSWS`; or
    /// - `OKTA_CLIENT_ID` + `OKTA_PRIVATE_KEY` (PEM text, or `@path` to a PEM file) and
    ///   optionally `OKTA_SCOPES` (space- or comma-separated; default [`DEFAULT_SCOPES`])
    ///   and `OKTA_KEY_ID` (the `kid` of the key): OAuth 2.0 with `private_key_jwt`.
    ///
    /// An API token wins when both kinds are set. The environment's dry-run log, when it
    /// has one, makes the client record requests instead of sending them. A missing or
    /// unusable setting is a `configuration` error naming the variable to set.
    ///
    /// ```no_run
    /// use connector_core::Env;
    /// use connector_okta::Okta;
    ///
    /// # fn example() -> connector_core::Result<()> {
    /// let okta = Okta::from_env(&Env::from_process())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env(env: &Env) -> Result<Okta> {
        Okta::builder_from_env(env)?.build()
    }

    /// Like [`from_env`](Okta::from_env), but returns the builder so that code can adjust
    /// it (a clock, a limiter shared by several clients) before building.
    pub fn builder_from_env(env: &Env) -> Result<OktaBuilder> {
        let org_url = env.get_any(&["OKTA_ORG_URL", "OKTA_CLIENT_ORGURL"]).ok_or_else(|| {
            Error::configuration("set OKTA_ORG_URL (or OKTA_CLIENT_ORGURL) to the org's URL, such as https://acme.okta.com")
        })?;
        let mut builder = Okta::builder(org_url);
        if let Some(token) = env.get_any(&["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"]) {
            builder = builder.api_token(token.trim());
        } else {
            let client_id = env.get("OKTA_CLIENT_ID");
            let private_key = env.get("OKTA_PRIVATE_KEY");
            let (client_id, private_key) = match (client_id, private_key) {
                (Some(id), Some(key)) => (id.trim(), key),
                (Some(_), None) => {
                    return Err(Error::configuration(
                        "set OKTA_PRIVATE_KEY to the OAuth app's private key (PEM text, or @path to a PEM file)",
                    ));
                }
                (None, Some(_)) => {
                    return Err(Error::configuration(
                        "set OKTA_CLIENT_ID to the OAuth app's client id",
                    ));
                }
                (None, None) => {
                    return Err(Error::configuration(
                        "set OKTA_API_TOKEN (or OKTA_CLIENT_TOKEN) to an API token, \
                         or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY for an OAuth service app",
                    ));
                }
            };
            let pem = read_private_key(private_key)?;
            let scopes: Vec<String> = match env.get("OKTA_SCOPES") {
                Some(scopes) => scopes
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            };
            builder = builder.private_key_jwt(client_id, pem.expose_secret(), scopes);
            if let Some(key_id) = env.get("OKTA_KEY_ID") {
                builder = builder.key_id(key_id.trim());
            }
        }
        // The run options (a dry run, a shared limiter backend) are the core's to apply.
        Ok(builder.env(env))
    }

    /// The connection: the origin, the pipeline, and raw requests through them.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// Reads `OKTA_PRIVATE_KEY`: PEM text (with real or `\n`-escaped line breaks) or `@path`.
fn read_private_key(value: &str) -> Result<SecretString> {
    let value = value.trim();
    if let Some(path) = value.strip_prefix('@') {
        return std::fs::read_to_string(path.trim())
            .map(SecretString::from)
            .map_err(|e| {
                Error::configuration(format!(
                    "cannot read the OKTA_PRIVATE_KEY file {} ({e}); check the path after @",
                    path.trim()
                ))
            });
    }
    if !value.starts_with("-----BEGIN ") {
        return Err(Error::configuration(
            "OKTA_PRIVATE_KEY must hold a PEM private key (-----BEGIN PRIVATE KEY----- ...) or @path to a PEM file",
        ));
    }
    // Environments often carry multi-line values with escaped line breaks.
    if !value.contains('\n') && value.contains("\\n") {
        return Ok(SecretString::from(value.replace("\\n", "\n")));
    }
    Ok(SecretString::from(value.to_owned()))
}

impl OktaBuilder {
    /// Authenticates with an API token: `Authorization: SSWS <token>`.
    pub fn api_token(mut self, token: impl Into<String>) -> OktaBuilder {
        self.credentials = Some(Credentials::ApiToken(SecretString::from(token.into())));
        self
    }

    /// Authenticates as an OAuth 2.0 service app with `private_key_jwt`: access tokens for
    /// `scopes` come from the org's `/oauth2/v1/token` endpoint, asked for with a client
    /// assertion freshly signed with `private_key_pem` (RSA: RS256; P-256 EC in PKCS#8:
    /// ES256). Tokens are cached, shared by concurrent calls, refreshed a minute before
    /// they expire and once after a 401.
    pub fn private_key_jwt(
        mut self,
        client_id: impl Into<String>,
        private_key_pem: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> OktaBuilder {
        self.credentials = Some(Credentials::PrivateKeyJwt {
            client_id: client_id.into(),
            private_key: SecretString::from(private_key_pem.into()),
            scopes: scopes.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Sets the `kid` of the client assertions (the id of the key registered with the app).
    pub fn key_id(mut self, key_id: impl Into<String>) -> OktaBuilder {
        self.key_id = Some(key_id.into());
        self
    }

    /// Caps the requests in flight to the org (default 75, Okta's limit; 35 suits free
    /// orgs). Applies to the default limiter.
    pub fn concurrency(mut self, concurrency: usize) -> OktaBuilder {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Builds the client. Fails with `configuration` on a bad org URL (`https` is required
    /// except for loopback hosts), missing credentials or an unusable private key.
    pub fn build(self) -> Result<Okta> {
        let base = connector_core::connection::parse_base_url(&self.org_url)?;
        let origin = base.origin().ascii_serialization();
        let clock = self.connection.current_clock();
        let spec = LimiterSpec::new(format!("okta:{origin}"))
            .with_clock(clock.clone())
            .with_limit(
                format!("{CONCURRENCY_KEY_PREFIX}*"),
                Limit::Concurrency(self.concurrency),
            );
        let limiter = self.connection.make_limiter(spec)?;
        let connection = self
            .connection
            .limiter(Arc::new(LearningGate::new(limiter)));
        let connection = match self.credentials {
            None => {
                return Err(Error::configuration(
                    "no credentials: give an API token (OKTA_API_TOKEN) or an OAuth client id and private key \
                     (OKTA_CLIENT_ID and OKTA_PRIVATE_KEY)",
                ));
            }
            Some(Credentials::ApiToken(token)) => {
                if token.expose_secret().trim().is_empty() {
                    return Err(Error::configuration(
                        "the API token is empty; set OKTA_API_TOKEN",
                    ));
                }
                connection.auth(StaticToken::ssws(token.expose_secret().trim()))
            }
            Some(Credentials::PrivateKeyJwt {
                client_id,
                private_key,
                scopes,
            }) => {
                if client_id.trim().is_empty() {
                    return Err(Error::configuration(
                        "the OAuth client id is empty; set OKTA_CLIENT_ID",
                    ));
                }
                let mut signer =
                    PrivateKeyJwt::from_pem(private_key.expose_secret())?.with_clock(clock.clone());
                if let Some(key_id) = self.key_id {
                    signer = signer.with_key_id(key_id);
                }
                let token_url = format!("{origin}/oauth2/v1/token");
                let source = ClientCredentials::new(
                    &token_url,
                    client_id,
                    scopes,
                    ClientAuth::Assertion(Arc::new(signer)),
                )?
                .with_clock(clock);
                connection.auth(source)
            }
        };
        Ok(Okta {
            connection: connection.build()?,
        })
    }
}
