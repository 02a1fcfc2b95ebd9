//! The one error type of the toolkit, with a machine-readable kind.
//!
//! Long on purpose: the toolkit's one error type (kinds, constructors, accessors, its JSON
//! form) in one place, with its tests.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

/// The most bytes of a caller's input an error message quotes (see [`quote_input`]).
pub const QUOTE_LIMIT: usize = 200;

/// Quotes a caller's input for an error message, as Rust's `{:?}` would, cut after about
/// [`QUOTE_LIMIT`] bytes with an ellipsis and the input's whole length, so that a refused
/// 100 KB value does not come back whole on stderr or in a log.
///
/// ```
/// use connector_core::error::quote_input;
///
/// assert_eq!(quote_input("/api/v1/users"), r#""/api/v1/users""#);
/// let long = "a".repeat(100_000);
/// let quoted = quote_input(&long);
/// assert!(quoted.len() < 240);
/// assert!(quoted.ends_with("\"… (100000 bytes)"));
/// ```
pub fn quote_input(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        let start = quoted.len();
        quoted.extend(c.escape_debug());
        if quoted.len() > QUOTE_LIMIT {
            quoted.truncate(start);
            return format!("{quoted}\"… ({} bytes)", text.len());
        }
    }
    quoted.push('"');
    quoted
}

/// Cuts text that may echo a caller's input (a service's error summary often quotes the id
/// it could not find) to at most [`QUOTE_LIMIT`] bytes on a character boundary, marking the
/// cut with `…`.
///
/// ```
/// use connector_core::error::{QUOTE_LIMIT, clip_echo};
///
/// assert_eq!(clip_echo("Not found: Resource not found: 42 (User)"), "Not found: Resource not found: 42 (User)");
/// let long = format!("Not found: {} (User)", "é".repeat(50_000));
/// let clipped = clip_echo(&long);
/// assert!(clipped.len() <= QUOTE_LIMIT + '…'.len_utf8());
/// assert!(clipped.ends_with('…'));
/// ```
pub fn clip_echo(text: &str) -> String {
    if text.len() <= QUOTE_LIMIT {
        return text.to_owned();
    }
    let mut end = QUOTE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// What went wrong, as a stable machine-readable kind.
///
/// The string form ([`ErrorKind::as_str`]) is part of the outside contract: the CLI prints it
/// and chooses its exit code from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was refused before sending, or the service answered 400/422.
    InvalidInput,
    /// The connection or the program is set up wrongly (missing variable, bad URL).
    Configuration,
    /// The credentials were refused (401).
    Authentication,
    /// The credentials are valid but lack a permission or scope (403).
    PermissionDenied,
    /// The resource does not exist (404, or an empty answer to a read by id).
    NotFound,
    /// The request conflicts with the resource's state (409).
    Conflict,
    /// The service's rate limit or budget was hit and retrying within the window would not help.
    RateLimited,
    /// The service said it is unavailable (502, 503, 504) and retries did not help.
    Unavailable,
    /// Any other answer from the service that is not a success (500 and the like).
    Upstream,
    /// No answer came in time.
    Timeout,
    /// The request did not reach the service or its answer was lost on the way.
    Transport,
    /// The service answered with something that cannot be read (wrong shape, too large).
    InvalidResponse,
    /// A flow ended itself as failed (a `fail` step): permanent, never retried.
    Failed,
}

impl ErrorKind {
    /// The stable snake_case name of this kind, such as `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Configuration => "configuration",
            ErrorKind::Authentication => "authentication",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Upstream => "upstream",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Failed => "failed",
        }
    }

    /// The kind a plain HTTP error status maps to when the service says nothing more precise.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::InvalidInput,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 | 410 => ErrorKind::NotFound,
            409 | 412 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            502..=504 => ErrorKind::Unavailable,
            408 => ErrorKind::Timeout,
            _ => ErrorKind::Upstream,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An HTTP answer kept on an error so that callers (and the Custom API Action) can see it.
///
/// Header values that may carry credentials (`Authorization`, `Set-Cookie`, ...) are never
/// stored here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// The HTTP status code.
    pub status_code: u16,
    /// The response headers, lowercase names, values joined with `, ` when repeated.
    pub headers: Map<String, Value>,
    /// The body, as JSON when it parses, else as text.
    pub body: Value,
}

/// The toolkit's error: a [kind](ErrorKind) plus the facts a person needs to act on it.
///
/// Its `Display` and `Debug` never contain a credential: the pipeline builds errors from
/// responses and from its own checks, never from the request's headers.
#[derive(Debug, thiserror::Error)]
#[error("{}", .inner)]
pub struct Error {
    // Boxed so that `Result<T, Error>` stays small on the happy path.
    inner: Box<Inner>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    attempts: u32,
    retry_after: Option<Duration>,
    response: Option<Box<ErrorResponse>>,
    dry_run: bool,
    outcome_unknown: bool,
}

/// The result type of the toolkit.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message (lowercase, no trailing period).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                request_id: None,
                attempts: 0,
                retry_after: None,
                response: None,
                dry_run: false,
                outcome_unknown: false,
            }),
            source: None,
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for an [`ErrorKind::Configuration`] error.
    pub fn configuration(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Configuration, message)
    }

    /// Shorthand for an [`ErrorKind::InvalidResponse`] error.
    pub fn invalid_response(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidResponse, message)
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Error {
        self.inner.status = Some(status);
        self
    }

    /// Sets the service's own error code (`E0000007`, `InvalidBoardIdException`).
    pub fn with_code(mut self, code: impl Into<String>) -> Error {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the service's request id (`X-Okta-Request-Id`, `extensions.request_id`).
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Error {
        self.inner.request_id = Some(request_id.into());
        self
    }

    /// Sets the number of attempts made.
    pub fn with_attempts(mut self, attempts: u32) -> Error {
        self.inner.attempts = attempts;
        self
    }

    /// Sets how long the service asked to wait before trying again.
    pub fn with_retry_after(mut self, retry_after: Duration) -> Error {
        self.inner.retry_after = Some(retry_after);
        self
    }

    /// Keeps the service's answer on the error.
    pub fn with_response(mut self, response: ErrorResponse) -> Error {
        self.inner.response = Some(Box::new(response));
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// Replaces the kind, keeping every fact.
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.inner.kind = kind;
        self
    }

    /// Replaces the message, keeping every fact.
    pub fn with_message(mut self, message: impl Into<String>) -> Error {
        self.inner.message = message.into();
        self
    }

    /// The error of an action that needs a real answer to go on during a dry run (it reads an
    /// id from it): the requests so far are recorded; see [`Error::is_dry_run_stop`].
    pub fn dry_run_stop() -> Error {
        let mut error = Error::configuration(
            "dry run: the requests were recorded and not sent; later requests would depend on a real answer",
        );
        error.inner.dry_run = true;
        error
    }

    /// Marks the error as one whose request may have taken effect: it was not safe to
    /// repeat and failed in transport or timed out after it may have reached the service.
    pub fn with_outcome_unknown(mut self) -> Error {
        self.inner.outcome_unknown = true;
        self
    }

    /// True when the request may have taken effect although the call failed: check the
    /// service before repeating it.
    pub fn outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// True when this error only says that a dry run stopped: the action needed a real
    /// answer (to read an id from it) to go on, and a dry run has none.
    pub fn is_dry_run_stop(&self) -> bool {
        self.inner.dry_run
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without the facts that have their own accessors.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status of the last answer, if any.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The service's own error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The service's request id of the last answer, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many attempts were made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// How long the service asked to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The service's last answer (status, headers, body), if there was one.
    pub fn response(&self) -> Option<&ErrorResponse> {
        self.inner.response.as_deref()
    }

    /// The error as the JSON object the CLI prints: `{"kind","message","status","code","requestId","attempts","retryAfterSeconds"}`.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("kind".into(), Value::from(self.inner.kind.as_str()));
        map.insert("message".into(), Value::from(self.inner.message.clone()));
        if let Some(status) = self.inner.status {
            map.insert("status".into(), Value::from(status));
        }
        if let Some(code) = &self.inner.code {
            map.insert("code".into(), Value::from(code.clone()));
        }
        if let Some(id) = &self.inner.request_id {
            map.insert("requestId".into(), Value::from(id.clone()));
        }
        map.insert("attempts".into(), Value::from(self.inner.attempts));
        if self.inner.outcome_unknown {
            map.insert("outcomeUnknown".into(), Value::Bool(true));
        }
        if let Some(after) = self.inner.retry_after {
            map.insert(
                "retryAfterSeconds".into(),
                serde_json::Number::from_f64(after.as_secs_f64())
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
            );
        }
        if let Some(response) = &self.inner.response {
            // `ErrorResponse` is plain data; serialising it cannot fail. A service's answer
            // often quotes the input it refused: every text in it is cut to QUOTE_LIMIT bytes
            // (the whole answer stays on `response()`).
            let mut response = serde_json::to_value(response).unwrap_or(Value::Null);
            clip_texts(&mut response);
            map.insert("response".into(), response);
        }
        Value::Object(map)
    }
}

/// Cuts every text inside `value` with [`clip_echo`].
fn clip_texts(value: &mut Value) {
    match value {
        Value::String(text) if text.len() > QUOTE_LIMIT => *text = clip_echo(text),
        Value::Array(items) => items.iter_mut().for_each(clip_texts),
        Value::Object(map) => map.values_mut().for_each(clip_texts),
        _ => {}
    }
}

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        let mut facts = Vec::new();
        if let Some(status) = self.status {
            facts.push(format!("status {status}"));
        }
        if let Some(code) = &self.code {
            facts.push(format!("code {code}"));
        }
        if let Some(id) = &self.request_id {
            facts.push(format!("request id {id}"));
        }
        if self.attempts > 0 {
            facts.push(format!(
                "{} attempt{}",
                self.attempts,
                if self.attempts == 1 { "" } else { "s" }
            ));
        }
        if let Some(after) = self.retry_after {
            facts.push(format!("retry after {:.1}s", after.as_secs_f64()));
        }
        if !facts.is_empty() {
            write!(f, " ({})", facts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_the_facts_a_person_needs() {
        let e = Error::new(ErrorKind::NotFound, "not found: user 00u1")
            .with_status(404)
            .with_code("E0000007")
            .with_request_id("req-1")
            .with_attempts(1);
        assert_eq!(
            e.to_string(),
            "not_found: not found: user 00u1 (status 404, code E0000007, request id req-1, 1 attempt)"
        );
        let json = e.to_json();
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["requestId"], "req-1");
        assert_eq!(json["attempts"], 1);
    }

    #[test]
    fn quoted_inputs_are_cut_after_the_limit_on_a_character_boundary() {
        assert_eq!(quote_input("a\"b\n"), r#""a\"b\n""#);
        let short = "é".repeat(QUOTE_LIMIT / 2 - 1);
        assert_eq!(quote_input(&short), format!("\"{short}\""));
        let long = "é".repeat(QUOTE_LIMIT);
        let quoted = quote_input(&long);
        assert!(quoted.len() <= QUOTE_LIMIT + 30, "{quoted}");
        assert!(quoted.ends_with(&format!("\"… ({} bytes)", long.len())));
        // Escapes count at their printed length: control characters cannot blow it up.
        let controls = "\u{1}".repeat(10_000);
        assert!(quote_input(&controls).len() <= QUOTE_LIMIT + 30);
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(ErrorKind::from_status(400), ErrorKind::InvalidInput);
        assert_eq!(ErrorKind::from_status(401), ErrorKind::Authentication);
        assert_eq!(ErrorKind::from_status(403), ErrorKind::PermissionDenied);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(409), ErrorKind::Conflict);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::RateLimited);
        assert_eq!(ErrorKind::from_status(500), ErrorKind::Upstream);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Unavailable);
    }
}
