//! The Custom API Action: an authenticated raw HTTP call through the same pipeline.
//!
//! The caller chooses method, path, query, headers and body; the connection supplies the
//! origin and the credentials. The whole request is checked before anything is sent: a
//! `relativeUrl` that could leave the origin, an unknown method, a query value that is not
//! a scalar, a header the connection owns or that is not valid HTTP, a URL longer than
//! [`MAX_URL_BYTES`] or caller headers larger than [`MAX_HEADER_BYTES`] are refused as
//! `invalid_input` with no attempt made. Refusals quote at most about
//! [`QUOTE_LIMIT`](crate::error::QUOTE_LIMIT) bytes of what the caller gave.

mod relative_url;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use relative_url::{EXAMPLE_PATH, check_relative_url_like};
pub use relative_url::{check_relative_url, check_url_path};

use crate::action::{Action, HasConnection};
use crate::connection::Connection;
use crate::error::{Error, Result, quote_input};
use crate::http::{HeaderValue, Method, Request, Response};

/// The input of the Custom API Action.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(example = serde_json::json!({"method": "GET", "relativeUrl": "/"}))]
pub struct CustomApiInput {
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS (default GET, or POST
    /// where the connector has a default path such as the boards service's `/v2`).
    #[serde(default)]
    pub method: Option<String>,
    /// A path from the root of the connection's origin, such as `/api/v1/users`; it may carry
    /// a query string. It must start with a single `/` and cannot leave the origin.
    #[serde(default)]
    pub relative_url: Option<String>,
    /// Query parameters added to the URL (values: strings, numbers or booleans).
    #[serde(default)]
    pub query: Option<Map<String, Value>>,
    /// Extra request headers. `Authorization` and `Host` cannot be set: the connection
    /// supplies them.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The body: JSON (sent as `application/json`) or a string (sent as is).
    #[serde(default)]
    pub body: Option<Value>,
}

/// The output of the Custom API Action.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomApiOutput {
    /// The HTTP status code.
    pub status_code: u16,
    /// The response headers (lowercase names; headers that may carry credentials left out).
    pub headers: Map<String, Value>,
    /// The body: JSON when it parses, else the text (null when empty).
    pub body: Value,
}

/// The longest full URL (origin, path and query) the Custom API Action sends: 8 KiB, the
/// request-line limit of common servers and proxies. Longer ones are refused before
/// sending; large values belong in the body.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// The most bytes of caller headers (names and values) the Custom API Action sends.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

/// Headers a caller may not set: the connection owns them, or they frame the message.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "cookie",
];

fn parse_method(method: Option<&str>, default: &Method) -> Result<Method> {
    let Some(raw) = method else {
        return Ok(default.clone());
    };
    match raw.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        "HEAD" => Ok(Method::HEAD),
        "OPTIONS" => Ok(Method::OPTIONS),
        _ => Err(Error::invalid_input(format!(
            "method {} is not supported; use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS",
            quote_input(raw)
        ))),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The values of one query parameter: a scalar, or a list of scalars (one pair each).
fn query_value(name: &str, value: &Value) -> Result<Vec<String>> {
    let values = match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|v| vec![v]),
    };
    values.ok_or_else(|| {
        Error::invalid_input(format!(
            "query parameter {} must be a string, number, boolean or a list of them",
            quote_input(name)
        ))
    })
}

/// Builds the request of a Custom API call without sending it: everything the guard rails
/// refuse is refused here, before anything leaves the process.
pub fn build_custom_request(
    connection: &Connection,
    input: &CustomApiInput,
    default_path: Option<&str>,
) -> Result<Request> {
    let default_method = if default_path.is_some() {
        Method::POST
    } else {
        Method::GET
    };
    let method = parse_method(input.method.as_deref(), &default_method)?;
    let relative_url = match (&input.relative_url, default_path) {
        (Some(url), _) => url.as_str(),
        (None, Some(path)) => path,
        (None, None) => {
            return Err(Error::invalid_input(
                "relativeUrl is required, e.g. /api/v1/users",
            ));
        }
    };
    let example = default_path.unwrap_or(EXAMPLE_PATH);
    let (path, query) = check_relative_url_like(relative_url, example)?;
    let target = match &query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut request = connection.request(method, &target);
    if request.url().origin() != connection.base_url().origin() {
        return Err(Error::invalid_input(format!(
            "relativeUrl {} leaves the connection's origin",
            quote_input(relative_url)
        )));
    }
    if let Some(params) = &input.query {
        let mut pairs = Vec::new();
        for (name, value) in params {
            if name.is_empty() {
                return Err(Error::invalid_input("a query parameter has an empty name"));
            }
            for v in query_value(name, value)? {
                pairs.push((name.clone(), v));
            }
        }
        request = request.query(pairs);
    }
    let url_length = request.url().as_str().len();
    if url_length > MAX_URL_BYTES {
        return Err(Error::invalid_input(format!(
            "the request URL would be {url_length} bytes, over the {MAX_URL_BYTES}-byte limit; \
             send large values in the body"
        )));
    }
    if let Some(body) = &input.body {
        request = match body {
            Value::String(text) => request.body(text.clone().into_bytes()).header(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            Value::Null => request,
            json => request.json(json)?,
        };
    }
    let header_bytes: usize = input
        .headers
        .iter()
        .flatten()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(Error::invalid_input(format!(
            "the headers add up to {header_bytes} bytes, over the {MAX_HEADER_BYTES}-byte limit"
        )));
    }
    for (name, value) in input.headers.iter().flatten() {
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Error::invalid_input(format!(
                "header {} cannot be set by the caller: the connection supplies it",
                quote_input(name)
            )));
        }
        request = request.try_header(name, value)?;
    }
    Ok(request)
}

/// Runs a Custom API call on a client (or a bare [`Connection`]): builds the request on its
/// connection (guard rails first), passes it through the client's
/// [`HasConnection::prepare_custom_request`] (an API version, an idempotency key), sends
/// it through the pipeline and returns status, headers and body. A non-2xx answer after
/// retries is an error that keeps them. This is the one way a custom call is made.
pub async fn custom_api_call<C: HasConnection + ?Sized>(
    client: &C,
    input: &CustomApiInput,
    default_path: Option<&str>,
) -> Result<CustomApiOutput> {
    let connection = client.connection();
    let request = build_custom_request(connection, input, default_path)?;
    let response = connection
        .send(client.prepare_custom_request(request))
        .await?;
    Ok(CustomApiOutput::from_response(&response))
}

impl CustomApiOutput {
    /// The output for an answer: its status, its headers (those that may carry credentials
    /// left out) and its body.
    pub fn from_response(response: &Response) -> CustomApiOutput {
        CustomApiOutput {
            status_code: response.status(),
            headers: response.headers_json(),
            body: response.body_value(),
        }
    }
}

/// The Custom API Action as a typed action, for any client that has a [`Connection`].
#[derive(Debug, Clone)]
pub struct CustomApiAction {
    description: &'static str,
    default_path: Option<&'static str>,
}

impl CustomApiAction {
    /// The action with a connector-specific description and optional default path
    /// (`/v2` for the boards service).
    pub const fn new(
        description: &'static str,
        default_path: Option<&'static str>,
    ) -> CustomApiAction {
        CustomApiAction {
            description,
            default_path,
        }
    }
}

#[async_trait]
impl<C: HasConnection + Send + Sync + 'static> Action<C> for CustomApiAction {
    type Input = CustomApiInput;
    type Output = CustomApiOutput;

    fn id(&self) -> &'static str {
        "custom-api-action"
    }

    fn name(&self) -> &'static str {
        "Custom API Action"
    }

    fn description(&self) -> &'static str {
        self.description
    }

    async fn run(&self, client: &C, input: CustomApiInput) -> Result<CustomApiOutput> {
        custom_api_call(client, &input, self.default_path).await
    }
}
