//! Credentials: static header schemes ([`StaticToken`]) and an OAuth 2.0
//! client-credentials token source ([`ClientCredentials`], in `oauth.rs`).
//!
//! Every secret is a [`SecretString`]; no type here shows one in `Debug` or `Display`.

mod oauth;

pub use oauth::{AssertionSigner, ClientAuth, ClientCredentials};

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Result;
use crate::http::HeaderValue;

/// Supplies the `Authorization` header of each attempt.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// The header value for the next attempt, or `None` to send no `Authorization`.
    async fn authorization(&self) -> Result<Option<SecretString>>;

    /// The header value as shown in dry runs (`SSWS ****`): never the secret.
    fn masked(&self) -> String;

    /// Called when the service refused `refused` with a 401. Returns true when a different
    /// credential can be fetched, in which case the pipeline retries once.
    async fn invalidate(&self, refused: &SecretString) -> bool {
        let _ = refused;
        false
    }

    /// The `Authorization` value for the next attempt when it is at hand without waiting
    /// and never changes (a static token): the pipeline's fast path, with no future and no
    /// copy of the secret per attempt. A credential given here is never invalidated. The
    /// default, `None`, asks [`authorization`](Self::authorization).
    fn header_now(&self) -> Option<HeaderValue> {
        None
    }
}

/// `secret` as a sensitive header value that shares the secret's memory: the bytes are
/// zeroized when the last copy of the value is dropped. `None` when it is not a valid
/// header value.
fn secret_header(secret: &SecretString) -> Option<HeaderValue> {
    /// The secret as the owner of a `Bytes`, zeroized on drop.
    struct Owner(SecretString);
    impl AsRef<[u8]> for Owner {
        fn as_ref(&self) -> &[u8] {
            self.0.expose_secret().as_bytes()
        }
    }
    let bytes = bytes::Bytes::from_owner(Owner(secret.clone()));
    let mut value = HeaderValue::from_maybe_shared(bytes).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// No credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Authenticator for NoAuth {
    async fn authorization(&self) -> Result<Option<SecretString>> {
        Ok(None)
    }

    fn masked(&self) -> String {
        String::new()
    }
}

/// A token sent the same way on every request: `SSWS <token>`, `Bearer <token>` or raw.
#[derive(Clone)]
pub struct StaticToken {
    scheme: Option<&'static str>,
    value: SecretString,
    /// The value as a header, made once; `None` when the token cannot be a header value
    /// (the first attempt then fails with a configuration error).
    header: Option<HeaderValue>,
}

impl StaticToken {
    /// `Authorization: SSWS <token>` (Okta API tokens).
    pub fn ssws(token: impl Into<String>) -> StaticToken {
        StaticToken::with_scheme("SSWS", token)
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<String>) -> StaticToken {
        StaticToken::with_scheme("Bearer", token)
    }

    /// `Authorization: <token>` (the boards service).
    pub fn raw(token: impl Into<String>) -> StaticToken {
        StaticToken::new(None, SecretString::from(token.into()))
    }

    /// `Authorization: <scheme> <token>`.
    pub fn with_scheme(scheme: &'static str, token: impl Into<String>) -> StaticToken {
        StaticToken::new(
            Some(scheme),
            SecretString::from(format!("{scheme} {}", token.into())),
        )
    }

    /// `Authorization: Basic base64(user:password)`.
    pub fn basic(user: &str, password: impl Into<String>) -> StaticToken {
        let raw = format!("{user}:{}", password.into());
        StaticToken::new(
            Some("Basic"),
            SecretString::from(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
            )),
        )
    }

    fn new(scheme: Option<&'static str>, value: SecretString) -> StaticToken {
        StaticToken {
            scheme,
            header: secret_header(&value),
            value,
        }
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("scheme", &self.scheme.unwrap_or("raw"))
            .field("value", &"****")
            .finish()
    }
}

impl fmt::Display for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[async_trait]
impl Authenticator for StaticToken {
    async fn authorization(&self) -> Result<Option<SecretString>> {
        Ok(Some(self.value.clone()))
    }

    fn header_now(&self) -> Option<HeaderValue> {
        self.header.clone()
    }

    fn masked(&self) -> String {
        match self.scheme {
            Some(scheme) => format!("{scheme} ****"),
            None => "****".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_base64() {
        let t = StaticToken::basic("Aladdin", "open sesame");
        assert_eq!(
            t.value.expose_secret(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn static_tokens_never_show_the_secret() {
        for t in [
            StaticToken::ssws("s3cr3t-token"),
            StaticToken::bearer("s3cr3t-token"),
            StaticToken::raw("s3cr3t-token"),
        ] {
            assert!(!format!("{t:?}").contains("s3cr3t"));
            assert!(!format!("{t}").contains("s3cr3t"));
            assert!(!t.masked().contains("s3cr3t"));
        }
    }

    #[test]
    fn a_static_token_is_one_sensitive_header_value() {
        let t = StaticToken::ssws("s3cr3t-token");
        let header = t.header_now().unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header.as_bytes(), b"SSWS s3cr3t-token");
        assert!(!format!("{header:?}").contains("s3cr3t"));
        // Each attempt shares the one value rather than copying the secret.
        let again = t.header_now().unwrap();
        assert_eq!(header.as_bytes().as_ptr(), again.as_bytes().as_ptr());
        // A token that cannot be a header value has none (the first attempt refuses it).
        assert!(StaticToken::raw("bad\ntoken").header_now().is_none());
    }
}
