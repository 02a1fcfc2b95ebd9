//! OAuth 2.0 client credentials with `private_key_jwt`, as Okta's org authorization
//! server does it for service apps, and the access tokens it issues.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::util::random_url_safe;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead a client assertion may expire.
const MAX_ASSERTION_LIFETIME_SECS: u64 = 3600;
/// Clock skew tolerated on `exp` and `iat`.
const SKEW_SECS: u64 = 5;

/// An OAuth error answer: `{"error": .., "error_description": ..}` with its status.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    fn client(description: impl Into<String>) -> Self {
        OAuthError::new(401, "invalid_client", description)
    }
}

struct Client {
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
    scopes: Vec<String>,
}

/// An issued access token.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: Instant,
}

/// What a successful token request returns.
#[derive(Debug)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    pub(crate) scope: String,
}

#[derive(Default)]
pub(crate) struct OAuthServer {
    clients: HashMap<String, Client>,
    /// `jti` values seen, with the epoch second their assertion expires (then forgotten).
    used_jti: HashMap<String, u64>,
    tokens: HashMap<String, AccessToken>,
    /// The last client assertions received, so that tests can look for them in logs.
    assertions: VecDeque<String>,
}

/// How many received client assertions are kept.
const KEPT_ASSERTIONS: usize = 100;

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    exp: Option<u64>,
    jti: Option<String>,
}

impl OAuthServer {
    /// Registers (or replaces) a service app with its public key in PEM.
    pub(crate) fn register(
        &mut self,
        client_id: &str,
        public_key_pem: &str,
        scopes: Vec<String>,
    ) -> Result<(), String> {
        let pem = public_key_pem.as_bytes();
        let (key, algorithms) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            (
                key,
                vec![Algorithm::RS256, Algorithm::RS384, Algorithm::RS512],
            )
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            (key, vec![Algorithm::ES256, Algorithm::ES384])
        } else {
            return Err("the public key is neither an RSA nor an EC public key in PEM".to_owned());
        };
        self.clients.insert(
            client_id.to_owned(),
            Client {
                key,
                algorithms,
                scopes,
            },
        );
        Ok(())
    }

    /// Handles a form-encoded token request; `audience` is the token endpoint's own URL.
    pub(crate) fn token(
        &mut self,
        form: &HashMap<String, String>,
        audience: &str,
        lifetime: Duration,
        now_epoch: u64,
        now: Instant,
    ) -> Result<Issued, OAuthError> {
        if let Some(assertion) = form.get("client_assertion") {
            if self.assertions.len() == KEPT_ASSERTIONS {
                self.assertions.pop_front();
            }
            self.assertions.push_back(assertion.clone());
        }
        match form.get("grant_type").map(String::as_str) {
            Some("client_credentials") => {}
            Some(_) => {
                return Err(OAuthError::new(
                    400,
                    "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
                ));
            }
            None => {
                return Err(OAuthError::new(
                    400,
                    "invalid_request",
                    "The token request must specify a 'grant_type'. Valid values: [client_credentials]",
                ));
            }
        }
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(OAuthError::client(format!(
                "Client authentication failed: client_assertion_type must be '{ASSERTION_TYPE}'."
            )));
        }
        let assertion = form.get("client_assertion").ok_or_else(|| {
            OAuthError::client("Client authentication failed: missing client_assertion.")
        })?;
        let client_id =
            self.verify_assertion(assertion, form.get("client_id"), audience, now_epoch)?;
        let requested: Vec<String> = form
            .get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if requested.is_empty() {
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
            ));
        }
        // Exists: `verify_assertion` found this client.
        let allowed = self
            .clients
            .get(&client_id)
            .map(|c| c.scopes.clone())
            .unwrap_or_default();
        let refused: Vec<&str> = requested
            .iter()
            .filter(|s| !allowed.contains(s))
            .map(String::as_str)
            .collect();
        if !refused.is_empty() {
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                format!(
                    "The following scopes are not allowed: {}",
                    refused.join(", ")
                ),
            ));
        }
        self.tokens.retain(|_, t| t.expires_at > now);
        let access_token = random_url_safe(64);
        self.tokens.insert(
            access_token.clone(),
            AccessToken {
                scopes: requested.clone(),
                // A lifetime too long for the clock is as good as forever.
                expires_at: now
                    .checked_add(lifetime)
                    .unwrap_or_else(|| now + Duration::from_secs(365 * 86_400)),
            },
        );
        Ok(Issued {
            access_token,
            expires_in: lifetime.as_secs(),
            scope: requested.join(" "),
        })
    }

    fn verify_assertion(
        &mut self,
        assertion: &str,
        form_client_id: Option<&String>,
        audience: &str,
        now_epoch: u64,
    ) -> Result<String, OAuthError> {
        // The issuer names the client; it is only trusted once the signature checks out.
        let unverified = jsonwebtoken::dangerous::insecure_decode::<Claims>(assertion)
            .map_err(|_| OAuthError::client("The client_assertion token is malformed."))?;
        let client_id = unverified
            .claims
            .iss
            .ok_or_else(|| OAuthError::client("The client_assertion token has no 'iss' claim."))?;
        if form_client_id.is_some_and(|id| *id != client_id) {
            return Err(OAuthError::client(
                "The client_id does not match the issuer of the client_assertion.",
            ));
        }
        let client = self.clients.get(&client_id).ok_or_else(|| {
            OAuthError::client(format!("The client_id '{client_id}' is not registered."))
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = client.algorithms.clone();
        validation.set_audience(&[audience]);
        validation.set_issuer(&[client_id.as_str()]);
        validation.sub = Some(client_id.clone());
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = SKEW_SECS;
        let verified = jsonwebtoken::decode::<Claims>(assertion, &client.key, &validation)
            .map_err(|e| {
                OAuthError::client(match e.kind() {
                    ErrorKind::InvalidSignature => "The client_assertion signature is invalid.",
                    ErrorKind::InvalidAlgorithm => {
                        "The client_assertion algorithm does not match the client's key."
                    }
                    ErrorKind::ExpiredSignature => "The client_assertion token is expired.",
                    ErrorKind::InvalidAudience => {
                        "The audience claim for client_assertion must be the endpoint invoked for the request."
                    }
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidSubject => {
                        "The issuer and subject claims of the client_assertion must be the client_id."
                    }
                    ErrorKind::MissingRequiredClaim(_) => {
                        "The client_assertion token must have 'iss', 'sub', 'aud' and 'exp' claims."
                    }
                    _ => "The client_assertion token is invalid.",
                })
            })?;
        let claims = verified.claims;
        if claims.sub.as_deref() != Some(client_id.as_str()) {
            return Err(OAuthError::client(
                "The issuer and subject claims of the client_assertion must be the client_id.",
            ));
        }
        let exp = claims.exp.unwrap_or(0);
        if exp > now_epoch.saturating_add(MAX_ASSERTION_LIFETIME_SECS + SKEW_SECS) {
            return Err(OAuthError::client(
                "The client_assertion token has an expiration too far in the future.",
            ));
        }
        let jti = claims.jti.ok_or_else(|| {
            OAuthError::client("The client_assertion token must have a 'jti' claim.")
        })?;
        self.used_jti
            .retain(|_, until| *until + SKEW_SECS >= now_epoch);
        if self.used_jti.contains_key(&jti) {
            return Err(OAuthError::client(
                "The client_assertion token has already been used: 'jti' must be unique.",
            ));
        }
        self.used_jti.insert(jti, exp);
        Ok(client_id)
    }

    /// The live token with this value, if any.
    pub(crate) fn access_token(&self, token: &str, now: Instant) -> Option<&AccessToken> {
        self.tokens.get(token).filter(|t| t.expires_at > now)
    }

    /// The live access tokens.
    pub(crate) fn live_tokens(&self, now: Instant) -> Vec<String> {
        let mut live: Vec<String> = self
            .tokens
            .iter()
            .filter(|(_, t)| t.expires_at > now)
            .map(|(token, _)| token.clone())
            .collect();
        live.sort();
        live
    }

    /// The client assertions received, oldest first.
    pub(crate) fn assertions(&self) -> Vec<String> {
        self.assertions.iter().cloned().collect()
    }

    /// Forgets issued tokens, used `jti`s and received assertions; registered clients stay.
    pub(crate) fn reset(&mut self) {
        self.tokens.clear();
        self.used_jti.clear();
        self.assertions.clear();
    }
}
