//! The credential a named `http` connection gives, read from its settings and put on the
//! connection: `bearer` and `basic` as `Authorization`, `header` as a header of its own
//! added to each attempt by an interceptor. Secrets are [`SecretString`]s until the header
//! is made, and that header is marked sensitive and shares the secret's memory.

use std::fmt;

use connector_core::interceptor::{AttemptRequest, Interceptor};
use connector_core::{ConnectionBuilder, Env, Error, HeaderName, HeaderValue, Result, StaticToken};
use secrecy::{ExposeSecret, SecretString};

/// `base_url` of a named `http` connection.
pub const BASE_URL_VAR: &str = "HTTP_BASE_URL";
/// `bearer` of a named `http` connection (a secret).
pub const BEARER_VAR: &str = "HTTP_BEARER";
/// `basic.user` of a named `http` connection.
pub const BASIC_USER_VAR: &str = "HTTP_BASIC_USER";
/// `basic.password` of a named `http` connection (a secret).
pub const BASIC_PASSWORD_VAR: &str = "HTTP_BASIC_PASSWORD";
/// `header.name` of a named `http` connection.
pub const HEADER_NAME_VAR: &str = "HTTP_HEADER_NAME";
/// `header.value` of a named `http` connection (a secret).
pub const HEADER_VALUE_VAR: &str = "HTTP_HEADER_VALUE";

/// Headers a credential cannot be: they frame the message or name the host.
const FRAMING_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
];

/// What a connection authenticates with. Its `Debug` never shows a secret.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Credential {
    /// No credential: nothing is added to the requests.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user name (no `:`).
        user: String,
        /// The password.
        password: SecretString,
    },
    /// `<name>: <value>` (an API key header such as `X-Api-Key`); the name `Authorization`
    /// sends the value as is in `Authorization`.
    Header {
        /// The header's name.
        name: String,
        /// The header's value.
        value: SecretString,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::None => f.write_str("None"),
            Credential::Bearer(_) => f.write_str("Bearer(****)"),
            Credential::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"****")
                .finish(),
            Credential::Header { name, .. } => f
                .debug_struct("Header")
                .field("name", name)
                .field("value", &"****")
                .finish(),
        }
    }
}

impl Credential {
    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Credential {
        Credential::Bearer(SecretString::from(token.into()))
    }

    /// A user and password for basic auth.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Credential {
        Credential::Basic {
            user: user.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// A header of the credential's own (`X-Api-Key`).
    pub fn header(name: impl Into<String>, value: impl Into<String>) -> Credential {
        Credential::Header {
            name: name.into(),
            value: SecretString::from(value.into()),
        }
    }

    /// True for [`Credential::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Credential::None)
    }

    /// The credential of a named connection's settings: at most one of `bearer`, `basic`
    /// (`user` and `password`) and `header` (`name` and `value`). `connection` names the
    /// connection in messages, which never quote a secret.
    pub(crate) fn from_env(env: &Env, connection: &str) -> Result<Credential> {
        let problem = |what: String| {
            Error::configuration(format!("the http connection {connection:?} {what}"))
        };
        let bearer = env.get(BEARER_VAR);
        let basic = (env.get(BASIC_USER_VAR), env.get(BASIC_PASSWORD_VAR));
        let header = (env.get(HEADER_NAME_VAR), env.get(HEADER_VALUE_VAR));
        let given: Vec<&str> = [
            ("bearer", bearer.is_some()),
            ("basic", basic.0.is_some() || basic.1.is_some()),
            ("header", header.0.is_some() || header.1.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        if given.len() > 1 {
            return Err(problem(format!(
                "gives {}; give one of bearer, basic or header",
                given.join(" and ")
            )));
        }
        let needs = |key: &str| problem(format!("needs {key} as well"));
        Ok(match (bearer, basic, header) {
            (Some(token), _, _) => Credential::bearer(token),
            (_, (Some(user), Some(password)), _) => Credential::basic(user, password),
            (_, (Some(_), None), _) => return Err(needs("basic.password")),
            (_, (None, Some(_)), _) => return Err(needs("basic.user")),
            (_, _, (Some(name), Some(value))) => Credential::header(name.trim(), value),
            (_, _, (Some(_), None)) => return Err(needs("header.value")),
            (_, _, (None, Some(_))) => return Err(needs("header.name")),
            _ => Credential::None,
        })
    }

    /// Puts the credential on `builder`, and returns the name of the header it sends, which
    /// a caller may not set. Refused (`configuration`, naming the setting, never its value):
    /// a value that cannot be a header value, a `:` in a basic user name, a header name that
    /// is not one or that frames the message.
    pub(crate) fn apply(
        self,
        builder: ConnectionBuilder,
    ) -> Result<(ConnectionBuilder, Option<HeaderName>)> {
        let unsendable = |what: &str| {
            Error::configuration(format!(
                "the http connection's {what} cannot be sent in a header (it holds a line break \
                 or another control character)"
            ))
        };
        let authorization = Some(authorization_header());
        match self {
            Credential::None => Ok((builder, None)),
            Credential::Bearer(token) => {
                let token = token.expose_secret();
                if HeaderValue::from_str(token).is_err() {
                    return Err(unsendable("bearer token"));
                }
                Ok((builder.auth(StaticToken::bearer(token)), authorization))
            }
            Credential::Basic { user, password } => {
                if user.contains(':') {
                    return Err(Error::configuration(
                        "the http connection's basic.user contains ':', which basic auth cannot carry",
                    ));
                }
                if HeaderValue::from_str(password.expose_secret()).is_err() {
                    return Err(unsendable("basic.password"));
                }
                let token = StaticToken::basic(&user, password.expose_secret());
                Ok((builder.auth(token), authorization))
            }
            Credential::Header { name, value } => {
                let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    Error::configuration(format!(
                        "the http connection's header.name {} is not a header name",
                        connector_core::error::quote_input(&name)
                    ))
                })?;
                if FRAMING_HEADERS.contains(&header.as_str()) {
                    return Err(Error::configuration(format!(
                        "the http connection's header.name {} cannot carry a credential: it \
                         frames the message; use bearer, basic or a header such as X-Api-Key",
                        header.as_str()
                    )));
                }
                let Some(sensitive) = sensitive_header(&value) else {
                    return Err(unsendable("header.value"));
                };
                if header == authorization_header() {
                    let token = StaticToken::raw(value.expose_secret());
                    return Ok((builder.auth(token), authorization));
                }
                let interceptor = HeaderCredential {
                    name: header.clone(),
                    value: sensitive,
                };
                Ok((builder.interceptor(interceptor), Some(header)))
            }
        }
    }
}

fn authorization_header() -> HeaderName {
    HeaderName::from_static("authorization")
}

/// `secret` as a header value marked sensitive that shares the secret's memory (zeroized
/// when the last copy is dropped); `None` when it is not a valid header value.
fn sensitive_header(secret: &SecretString) -> Option<HeaderValue> {
    /// The secret as the owner of a `Bytes`.
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

/// Adds the connection's credential header to each attempt; a dry run's recording masks
/// it, as it does every header marked sensitive.
struct HeaderCredential {
    name: HeaderName,
    value: HeaderValue,
}

impl fmt::Debug for HeaderCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderCredential")
            .field("name", &self.name.as_str())
            .field("value", &"****")
            .finish()
    }
}

impl Interceptor for HeaderCredential {
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<()> {
        request
            .headers_mut()
            .insert(self.name.clone(), self.value.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, &str)]) -> Result<Credential> {
        Credential::from_env(&Env::from_pairs(pairs.iter().copied()), "ci")
    }

    #[test]
    fn each_form_is_read_from_its_settings() {
        assert!(named(&[]).unwrap().is_none());
        assert!(matches!(
            named(&[(BEARER_VAR, "t")]).unwrap(),
            Credential::Bearer(_)
        ));
        assert!(matches!(
            named(&[(BASIC_USER_VAR, "u"), (BASIC_PASSWORD_VAR, "p")]).unwrap(),
            Credential::Basic { .. }
        ));
        assert!(matches!(
            named(&[(HEADER_NAME_VAR, "X-Api-Key"), (HEADER_VALUE_VAR, "v")]).unwrap(),
            Credential::Header { .. }
        ));
    }

    #[test]
    fn two_forms_or_half_a_form_are_refused_without_the_secret() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[(BEARER_VAR, "s3cr3t"), (BASIC_USER_VAR, "u")],
                "gives bearer and basic",
            ),
            (&[(BASIC_USER_VAR, "u")], "needs basic.password"),
            (&[(BASIC_PASSWORD_VAR, "s3cr3t")], "needs basic.user"),
            (&[(HEADER_NAME_VAR, "X-Key")], "needs header.value"),
            (&[(HEADER_VALUE_VAR, "s3cr3t")], "needs header.name"),
        ];
        for (pairs, why) in cases {
            let e = named(pairs).unwrap_err();
            assert_eq!(e.kind(), connector_core::ErrorKind::Configuration);
            assert!(e.message().contains(why), "{e}");
            assert!(e.message().contains("\"ci\""), "{e}");
            assert!(!e.to_string().contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn debug_never_shows_a_secret() {
        for credential in [
            Credential::bearer("s3cr3t-1"),
            Credential::basic("ada", "s3cr3t-1"),
            Credential::header("X-Api-Key", "s3cr3t-1"),
        ] {
            let shown = format!("{credential:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        let interceptor = HeaderCredential {
            name: HeaderName::from_static("x-api-key"),
            value: sensitive_header(&SecretString::from("s3cr3t-2")).unwrap(),
        };
        assert!(!format!("{interceptor:?}").contains("s3cr3t"));
    }

    #[test]
    fn unusable_credentials_are_refused_naming_the_setting() {
        let builder = || connector_core::Connection::builder("https://api.example.com");
        let cases = [
            (Credential::bearer("a\nb"), "bearer token"),
            (Credential::basic("a:b", "p"), "basic.user"),
            (Credential::header("bad name", "v"), "header.name"),
            (Credential::header("Host", "v"), "frames the message"),
            (Credential::header("X-Key", "a\rb"), "header.value"),
        ];
        for (credential, why) in cases {
            let e = credential.apply(builder()).expect_err("refused");
            assert!(e.message().contains(why), "{why}: {e}");
        }
    }
}
