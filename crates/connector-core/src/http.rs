//! The request and response types of the pipeline.
//!
//! Long on purpose: two types and their builders, mostly documentation a connector author
//! reads.

use std::fmt;

use bytes::Bytes;
pub use reqwest::Method;
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, ErrorResponse, Result, quote_input};

/// One HTTP request, before credentials are added.
///
/// Made by [`Connection::request`](crate::Connection::request) (a path on the connection's
/// origin) or [`Connection::request_url`](crate::Connection::request_url) (an absolute URL
/// that must stay on that origin).
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) cost: u64,
    pub(crate) operation: Option<String>,
    pub(crate) repeatable: Option<bool>,
    pub(crate) changes_state: bool,
    /// Built from an earlier answer (a dry run lists it so).
    pub(crate) depends_on_answer: bool,
    /// What later requests this one's answer leads to (a dry run notes it).
    pub(crate) followed_by: Option<std::sync::Arc<str>>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers are listed by name only: callers may have put secrets in them.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field(
                "headers",
                &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            )
            .field("body_bytes", &self.body.as_ref().map_or(0, |b| b.len()))
            .finish()
    }
}

impl Request {
    pub(crate) fn new(method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            cost: 1,
            operation: None,
            repeatable: None,
            changes_state: false,
            depends_on_answer: false,
            followed_by: None,
        }
    }

    /// Appends query parameters.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Request {
        {
            let mut q = self.url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k.as_ref(), v.as_ref());
            }
        }
        if self.url.query() == Some("") {
            self.url.set_query(None);
        }
        self
    }

    /// Sets a header (replacing any previous value).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Request {
        self.headers.insert(name, value);
        self
    }

    /// Sets a header from strings; refuses names and values that are not valid HTTP.
    pub fn try_header(mut self, name: &str, value: &str) -> Result<Request> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::invalid_input(format!("{} is not a valid header name", quote_input(name)))
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_input(format!(
                "the value of header {} is not valid HTTP",
                quote_input(name.as_str())
            ))
        })?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Request> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid_input(format!("the body cannot be written as JSON: {e}"))
        })?;
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets a raw body (the caller sets `Content-Type`).
    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Sets the rate-limit cost of this request (default 1; weighted budgets use estimates).
    pub fn cost(mut self, cost: u64) -> Request {
        self.cost = cost;
        self
    }

    /// Names the operation (e.g. a GraphQL root field) for per-operation limits and logs.
    pub fn operation(mut self, operation: impl Into<String>) -> Request {
        self.operation = Some(operation.into());
        self
    }

    /// Says whether the request is safe to repeat, whatever its method: a GraphQL query
    /// sent as `POST` is; a `POST` carrying an idempotency key the service honours is.
    pub fn repeatable(mut self, repeatable: bool) -> Request {
        self.repeatable = Some(repeatable);
        self
    }

    /// Marks the request as one that changes something at the service although it is safe
    /// to repeat within this call (a mutation carrying an idempotency key). When the call
    /// ends without an answer after an attempt that may have reached the service, its error
    /// says the outcome is unknown, as for any write: a new call would not share the key.
    pub fn changes_state(mut self) -> Request {
        self.changes_state = true;
        self
    }

    /// Marks the request as built from an earlier answer (an id read from it): a dry run,
    /// which has no real answers, lists it with `"dependsOnAnswer": true`. Nothing of it
    /// goes on the wire.
    pub fn depends_on_answer(mut self) -> Request {
        self.depends_on_answer = true;
        self
    }

    /// Says what later requests this one's answer leads to (`a GET of each rel="next"
    /// link`): a dry run, which cannot follow them, lists the sentence as the request's
    /// note. Nothing of it goes on the wire.
    pub fn followed_by(mut self, later: impl Into<std::sync::Arc<str>>) -> Request {
        self.followed_by = Some(later.into());
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers set on this request (not the connection's defaults nor credentials).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Mutable access to the headers (for profiles that decorate retries).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body, if any.
    pub fn body_bytes(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The rate-limit cost.
    pub fn request_cost(&self) -> u64 {
        self.cost
    }

    /// The operation name, if set.
    pub fn operation_name(&self) -> Option<&str> {
        self.operation.as_deref()
    }

    /// True when a lost answer leaves the caller not knowing whether the request took
    /// effect: a request that is not safe to repeat, or one marked
    /// [`changes_state`](Request::changes_state).
    pub fn is_write(&self) -> bool {
        self.changes_state || !self.is_idempotent()
    }

    /// True for methods that are safe to repeat (GET, HEAD, PUT, DELETE, OPTIONS, TRACE).
    pub fn is_idempotent(&self) -> bool {
        if let Some(repeatable) = self.repeatable {
            return repeatable;
        }
        matches!(
            self.method,
            Method::GET
                | Method::HEAD
                | Method::PUT
                | Method::DELETE
                | Method::OPTIONS
                | Method::TRACE
        )
    }
}

/// A complete HTTP answer, its body read (up to the connection's cap).
#[derive(Clone)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) url: Url,
    pub(crate) attempts: u32,
    /// The body as JSON, when the pipeline's parts already parsed it.
    pub(crate) parsed: Option<Value>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.url.as_str())
            .field("body_bytes", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Response {
    /// A response built by hand (tests, profiles, emulated transports).
    pub fn from_parts(
        status: u16,
        headers: HeaderMap,
        body: impl Into<Bytes>,
        url: Url,
    ) -> Response {
        Response {
            status,
            headers,
            body: body.into(),
            url,
            attempts: 1,
            parsed: None,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, when it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header that is valid text (e.g. the several `Link` headers).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The URL that answered.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// True for the synthetic answer of a dry run, which no service sent.
    pub fn is_synthetic(&self) -> bool {
        self.headers.contains_key(crate::pipeline::DRY_RUN_HEADER)
    }

    /// The number of attempts the pipeline made for this answer.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Parses the body as JSON of type `T`; a body of another shape is `invalid_response`
    /// naming the path where it differs.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        // The plain parse is the fast path; only a failure pays for a second parse that
        // tracks the path to say where the answer differs.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        if self.is_synthetic() {
            return Err(Error::dry_run_stop());
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let what = if looks_like_html(&self.body) {
                "an HTML page, not JSON".to_owned()
            } else if path == "." || path.is_empty() {
                format!("{inner}")
            } else {
                format!("at `{path}`: {inner}")
            };
            Error::invalid_response(format!("the service's answer cannot be read: {what}"))
                .with_status(self.status)
                .with_attempts(self.attempts)
        })
    }

    /// The body as a JSON value, taking the parse the pipeline already made when there is
    /// one (so an answer's body is parsed once), else parsing it now; `None` when the body
    /// is not JSON.
    pub fn take_json(&mut self) -> Option<Value> {
        self.parsed
            .take()
            .or_else(|| crate::pipeline::parse_counted(&self.body))
    }

    /// The items of a list answer (a page). A dry run's synthetic answer is an empty list:
    /// the pager sees its last page, and the requests that would follow are described by
    /// [`Request::followed_by`].
    pub fn json_items<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        if self.is_synthetic() {
            return Ok(Vec::new());
        }
        self.json()
    }

    /// The body's JSON object, taking the pipeline's parse as [`take_json`](Response::take_json)
    /// does; `Ok(None)` when the body is not a JSON object. A dry run's synthetic answer
    /// has no content to read: it stops the action where it needs a real answer
    /// ([`Error::is_dry_run_stop`]).
    pub fn take_json_object(&mut self) -> Result<Option<serde_json::Map<String, Value>>> {
        if self.is_synthetic() {
            return Err(Error::dry_run_stop());
        }
        Ok(match self.take_json() {
            Some(Value::Object(map)) => Some(map),
            _ => None,
        })
    }

    /// The body as JSON when it parses, else as a string (lossy UTF-8).
    pub fn body_value(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&self.body).into_owned()))
    }

    /// The headers as a JSON object, with headers that may carry credentials left out.
    pub fn headers_json(&self) -> Map<String, Value> {
        headers_to_json(&self.headers)
    }

    /// The answer as kept on errors.
    pub fn to_error_response(&self) -> ErrorResponse {
        ErrorResponse {
            status_code: self.status,
            headers: self.headers_json(),
            body: self.body_value(),
        }
    }

    /// The answer as kept on errors, its body left `null` for the caller to fill.
    pub(crate) fn to_error_response_without_body(&self) -> ErrorResponse {
        ErrorResponse {
            status_code: self.status,
            headers: self.headers_json(),
            body: Value::Null,
        }
    }

    /// The body as text (lossy UTF-8), `null` when empty: for a body that is not JSON.
    pub(crate) fn body_text_value(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            Value::String(String::from_utf8_lossy(&self.body).into_owned())
        }
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = &body[start..body.len().min(start + 15)];
    head.first() == Some(&b'<')
}

/// Headers never copied into outputs or errors.
pub(crate) const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

pub(crate) fn headers_to_json(headers: &HeaderMap) -> Map<String, Value> {
    let mut map = Map::new();
    for name in headers.keys() {
        if SENSITIVE_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        map.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    map
}
