//! The client assertion of OAuth 2.0 `private_key_jwt` (RFC 7523), signed with RS256 or ES256.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use connector_core::auth::AssertionSigner;
use connector_core::clock::{Clock, TokioClock};
use connector_core::secrecy::SecretString;
use connector_core::{Error, Result};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// Okta refuses assertions that live longer than an hour.
const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// Signs a fresh client assertion for every token request, from a private key in PEM form.
///
/// RSA keys (`BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`) sign with RS256; P-256
/// EC keys in PKCS#8 form sign with ES256. Each assertion carries `iss = sub = client_id`,
/// `aud` = the token endpoint, `iat`, an `exp` five minutes ahead (never more than an hour)
/// and a random `jti`. The key never appears in `Debug` output or errors.
///
/// ```
/// # fn pem() -> String { String::new() }
/// use connector_okta::PrivateKeyJwt;
///
/// match PrivateKeyJwt::from_pem(&pem()) {
///     Ok(signer) => println!("signing with {}", signer.algorithm()),
///     Err(e) => eprintln!("{e}"), // configuration: names the problem, never the key
/// }
/// ```
#[derive(Clone)]
pub struct PrivateKeyJwt {
    algorithm: Algorithm,
    key: EncodingKey,
    key_id: Option<String>,
    lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for PrivateKeyJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyJwt")
            .field("algorithm", &self.algorithm)
            .field("key", &"****")
            .field("key_id", &self.key_id)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

impl PrivateKeyJwt {
    /// Reads a private key in PEM form and checks that it can sign.
    ///
    /// Fails with a `configuration` error that says what is wrong with the key (never what
    /// the key is): not PEM, a public key or certificate, an encrypted key, a SEC1 EC key
    /// (`BEGIN EC PRIVATE KEY`, to be converted to PKCS#8), or an EC key on a curve other
    /// than P-256.
    pub fn from_pem(pem: &str) -> Result<PrivateKeyJwt> {
        let pem = pem.trim();
        let label = pem
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.split_once("-----"))
            .map(|(label, _)| label);
        let refuse = |why: &str| Err(Error::configuration(format!("the private key {why}")));
        let (algorithm, key) = match label {
            None => return refuse("is not in PEM form (-----BEGIN PRIVATE KEY----- ...)"),
            Some("RSA PRIVATE KEY") => {
                (Algorithm::RS256, EncodingKey::from_rsa_pem(pem.as_bytes()))
            }
            Some("PRIVATE KEY") => match EncodingKey::from_rsa_pem(pem.as_bytes()) {
                Ok(key) => (Algorithm::RS256, Ok(key)),
                Err(_) => (Algorithm::ES256, EncodingKey::from_ec_pem(pem.as_bytes())),
            },
            Some("EC PRIVATE KEY") => {
                return refuse(
                    "is a SEC1 EC key (BEGIN EC PRIVATE KEY); convert it to PKCS#8 with \
                     `openssl pkcs8 -topk8 -nocrypt -in key.pem`",
                );
            }
            Some("ENCRYPTED PRIVATE KEY") => {
                return refuse("is encrypted; give the decrypted PKCS#8 key");
            }
            Some(other) if other.contains("PUBLIC KEY") || other.contains("CERTIFICATE") => {
                return refuse("is a public key or certificate; give the private key");
            }
            Some(_) => return refuse("is not an RSA or EC private key"),
        };
        let key = key.map_err(|e| {
            Error::configuration(
                "the private key cannot be read as an RSA or P-256 EC key in PEM form",
            )
            .with_source(e)
        })?;
        let signer = PrivateKeyJwt {
            algorithm,
            key,
            key_id: None,
            lifetime: Duration::from_secs(300),
            clock: Arc::new(TokioClock),
        };
        // Sign once now, so that a key that parses but cannot sign (an EC key on P-384, a
        // truncated RSA key) fails when the connection is built, not on the first call.
        signer
            .sign("check", "https://check.invalid/oauth2/v1/token")
            .map_err(|_| {
                Error::configuration(match algorithm {
                    Algorithm::ES256 => {
                        "the EC private key cannot sign ES256; Okta needs a P-256 key"
                    }
                    _ => "the RSA private key cannot sign RS256",
                })
            })?;
        Ok(signer)
    }

    /// Sets the `kid` header: the id of the public key registered with the Okta app (needed
    /// when the app has several keys).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> PrivateKeyJwt {
        self.key_id = Some(key_id.into());
        self
    }

    /// Sets how long each assertion is valid (default 5 minutes; at most one hour, which
    /// Okta enforces).
    pub fn with_lifetime(mut self, lifetime: Duration) -> PrivateKeyJwt {
        self.lifetime = lifetime.clamp(Duration::from_secs(1), MAX_LIFETIME);
        self
    }

    /// Uses another clock for `iat` and `exp` (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> PrivateKeyJwt {
        self.clock = clock;
        self
    }

    /// The signing algorithm: `RS256` or `ES256`.
    pub fn algorithm(&self) -> &'static str {
        match self.algorithm {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }
}

impl AssertionSigner for PrivateKeyJwt {
    fn sign(&self, client_id: &str, audience: &str) -> Result<SecretString> {
        let now = self
            .clock
            .system_time()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            iat: now,
            exp: now + self.lifetime.as_secs(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        let mut header = Header::new(self.algorithm);
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(SecretString::from)
            .map_err(|e| {
                Error::configuration("cannot sign the client assertion with the private key")
                    .with_source(e)
            })
    }
}
