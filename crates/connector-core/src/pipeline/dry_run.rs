//! Dry runs: a transport that records every request instead of sending it, and answers
//! with a synthetic success so the action goes on to its next request.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};

use super::transport::{Outgoing, Transport, TransportFailure};
use crate::http::{HeaderMap, HeaderName, HeaderValue, Method, Response, headers_to_json};

/// The header a synthetic dry-run answer carries.
pub const DRY_RUN_HEADER: &str = "x-connector-dry-run";

/// The requests a dry run would have sent, with credentials masked (`Authorization` down to
/// its scheme, and every header marked sensitive or named as a secret). Clones share the log.
#[derive(Debug, Clone, Default)]
pub struct DryRunLog {
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

/// One request a dry run recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Every header that would be sent; credentials masked.
    pub headers: Map<String, Value>,
    /// The body: JSON when it parses (secret-named fields masked), else the text it would
    /// send.
    pub body: Option<Value>,
    /// True when this request is built from an earlier answer, which a dry run does not
    /// have: its ids or its presence are placeholders.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub depends_on_answer: bool,
    /// What else a person should know (`further pages would follow ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DryRunLog {
    /// An empty log.
    pub fn new() -> DryRunLog {
        DryRunLog::default()
    }

    /// The requests recorded so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// How many requests were recorded so far.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The requests recorded from the `start`-th on (what one card run added, given the
    /// length before it): only those are copied, so that a long dry run stays linear.
    pub fn requests_since(&self, start: usize) -> Vec<RecordedRequest> {
        let requests = self.lock();
        requests[start.min(requests.len())..].to_vec()
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.lock().push(request);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        // A push cannot panic half-way: a poisoned lock still holds a consistent list.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The transport of a dry run: records each request (credentials masked) in a
/// [`DryRunLog`] and answers `200 {}` (`204` to a `DELETE`) with the
/// [`DRY_RUN_HEADER`] set, so that nothing is sent and nothing fails.
#[derive(Debug, Clone)]
pub struct RecordingTransport {
    log: DryRunLog,
}

impl RecordingTransport {
    /// A transport recording into `log`.
    pub fn new(log: DryRunLog) -> RecordingTransport {
        RecordingTransport { log }
    }
}

#[async_trait]
impl Transport for RecordingTransport {
    async fn send(&self, request: Outgoing) -> std::result::Result<Response, TransportFailure> {
        let headers = &request.headers;
        let mut map = headers_to_json(headers);
        if headers.contains_key(reqwest::header::AUTHORIZATION) {
            let scheme = headers
                .get(reqwest::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' ').map(|(scheme, _)| scheme.to_owned()));
            let masked = match scheme {
                Some(scheme) => format!("{scheme} ****"),
                None => "****".to_owned(),
            };
            map.insert("authorization".into(), Value::String(masked));
        }
        // Other credentials: headers their adder marked sensitive (a connection's API-key
        // header) and headers named as secrets (`X-Api-Key`, `X-Auth-Token`).
        for (name, value) in headers {
            if name != reqwest::header::AUTHORIZATION
                && (value.is_sensitive() || is_secret_name(name.as_str()))
            {
                map.insert(name.as_str().to_owned(), Value::from("****"));
            }
        }
        self.log.record(RecordedRequest {
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
            depends_on_answer: request.depends_on_answer,
            note: request.followed_by.as_deref().map(str::to_owned),
        });
        let mut answer = HeaderMap::new();
        answer.insert(
            HeaderName::from_static(DRY_RUN_HEADER),
            HeaderValue::from_static("1"),
        );
        let (status, body): (u16, &'static [u8]) = if request.method == Method::DELETE {
            (204, b"")
        } else {
            answer.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (200, b"{}")
        };
        Ok(Response::from_parts(status, answer, body, request.url))
    }
}

/// Masks the values of JSON keys that hold secrets, at any depth: a dry run, Flow History
/// and logs show a request's shape, never a credential.
///
/// A key holds a secret by [`is_secret_name`] (`activationToken`, `access_token`,
/// `client_secret`, `apiKeys`, `pw`; not `passwordChanged`). Only strings are masked, as `"****"`, including every string inside a secret-named object
/// (`"password": {"value": "..."}`); `null`, numbers and booleans stay as they are.
///
/// ```
/// use serde_json::json;
/// let masked = connector_core::pipeline::mask_secrets(&json!({
///     "access_token": "abc", "passwordChanged": null, "credentials": {"password": {"value": "p"}},
///     "recoveryToken": null,
/// }));
/// assert_eq!(masked, json!({
///     "access_token": "****", "passwordChanged": null, "credentials": {"password": {"value": "****"}},
///     "recoveryToken": null,
/// }));
/// ```
pub fn mask_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    if is_secret_name(k) {
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

/// Whether a JSON key or header name names a secret: the one rule every view that may
/// show a secret (dry runs, Flow History, logs) masks by.
///
/// The name is lowercased, `_` and `-` are removed and one trailing `s` is dropped; it
/// names a secret when it then ends in `password`, `passwd`, `pwd`, `token`, `secret`,
/// `secretkey`, `authorization`, `apikey`, `privatekey`, `assertion` or `credential`, or
/// is `pw`.
///
/// ```
/// use connector_core::pipeline::is_secret_name;
/// assert!(is_secret_name("client_secret") && is_secret_name("apiKeys") && is_secret_name("pw"));
/// assert!(!is_secret_name("passwordChanged") && !is_secret_name("login"));
/// ```
pub fn is_secret_name(name: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "token",
        "secret",
        "secretkey",
        "authorization",
        "apikey",
        "privatekey",
        "assertion",
        "credential",
    ];
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    let folded = folded.strip_suffix('s').unwrap_or(&folded);
    folded == "pw" || ENDINGS.iter().any(|ending| folded.ends_with(ending))
}

/// Masks every string inside a secret-named value; other scalars stay.
fn mask_all(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), mask_all(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(mask_all).collect()),
        Value::String(_) => Value::from("****"),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_name_rule_by_table() {
        let table: &[(&str, bool)] = &[
            ("password", true),
            ("Password", true),
            ("passwords", true),
            ("newPassword", true),
            ("passwordChanged", false),
            ("passwd", true),
            ("pwd", true),
            ("user_pwd", true),
            ("pw", true),
            ("PW", true),
            ("pws", true),
            ("pwned", false),
            ("token", true),
            ("accessToken", true),
            ("access_token", true),
            ("activationToken", true),
            ("tokens", true),
            ("tokenType", false),
            ("secret", true),
            ("client_secret", true),
            ("secretKey", true),
            ("secret-keys", true),
            ("Authorization", true),
            ("apiKey", true),
            ("apiKeys", true),
            ("api-key", true),
            ("private_key", true),
            ("privateKey", true),
            ("assertion", true),
            ("client_assertion", true),
            ("credential", true),
            ("credentials", true),
            ("login", false),
            ("email", false),
            ("status", false),
            ("", false),
            ("s", false),
        ];
        for (name, secret) in table {
            assert_eq!(is_secret_name(name), *secret, "{name}");
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
}
