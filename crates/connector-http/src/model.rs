//! The card's input and output: the Custom API Action's shapes, with an absolute or
//! base-relative `url` in place of `relativeUrl`, and a body read as JSON only when the
//! answer says it is JSON.

use std::collections::BTreeMap;
use std::fmt;

use connector_core::Response;
use connector_core::custom::CustomApiOutput;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The input of `http.request`.
#[derive(Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(example = serde_json::json!({
    "method": "GET",
    "url": "https://api.example.com/v1/items",
    "query": {"limit": 10}
}))]
pub struct HttpRequestInput {
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS (default GET).
    #[serde(default)]
    pub method: Option<String>,
    /// An absolute URL (`https://api.example.com/v1/items`; `http` only for loopback hosts),
    /// or, with a connection that gives `base_url`, a path under it (`/items?limit=10`).
    /// With a connection, an absolute URL must be on the base URL's origin.
    pub url: String,
    /// Query parameters added to the URL (values: strings, numbers, booleans or lists of them).
    #[serde(default)]
    pub query: Option<Map<String, Value>>,
    /// Extra request headers. `Authorization`, `Host`, `Cookie` and the connection's own
    /// credential header cannot be set: credentials come from the connection.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The body: JSON (sent as `application/json`) or a string (sent as is, as
    /// `text/plain` unless `headers` give a `Content-Type`).
    #[serde(default)]
    pub body: Option<Value>,
}

impl fmt::Debug for HttpRequestInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the body are left out: a caller may have put a key in them.
        f.debug_struct("HttpRequestInput")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("query", &self.query.as_ref().map(Map::len))
            .field(
                "headers",
                &self.headers.as_ref().map(|h| h.keys().collect::<Vec<_>>()),
            )
            .field("body", &self.body.is_some())
            .finish()
    }
}

impl HttpRequestInput {
    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> HttpRequestInput {
        HttpRequestInput {
            url: url.into(),
            ..HttpRequestInput::default()
        }
    }

    /// A `method` request of `url` with a JSON or text body.
    pub fn with_body(method: &str, url: impl Into<String>, body: Value) -> HttpRequestInput {
        HttpRequestInput {
            method: Some(method.to_owned()),
            url: url.into(),
            body: Some(body),
            ..HttpRequestInput::default()
        }
    }
}

/// The output of `http.request`: the Custom API Action's `{statusCode, headers, body}`.
pub type HttpResponse = CustomApiOutput;

/// The output for an answer: its status, its headers (those that may carry credentials
/// left out), and its body: parsed when the answer's `Content-Type` says JSON and it parses,
/// else the text (lossy UTF-8); `null` when empty.
pub(crate) fn output(mut response: Response) -> HttpResponse {
    let body = if response.body().is_empty() {
        Value::Null
    } else if says_json(response.header("content-type")) {
        response.take_json().unwrap_or_else(|| text(&response))
    } else {
        text(&response)
    };
    CustomApiOutput {
        status_code: response.status(),
        headers: response.headers_json(),
        body,
    }
}

fn text(response: &Response) -> Value {
    Value::String(String::from_utf8_lossy(response.body()).into_owned())
}

/// True for `application/json` and the `+json` types (`application/problem+json`).
fn says_json(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let media = value.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
        || media
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_what_the_content_type_says() {
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/problem+json",
            "application/vnd.api+json",
        ] {
            assert!(says_json(Some(yes)), "{yes}");
        }
        for no in ["text/plain", "text/html", "application/jsonx", ""] {
            assert!(!says_json(Some(no)), "{no}");
        }
        assert!(!says_json(None));
    }

    #[test]
    fn debug_leaves_header_values_and_the_body_out() {
        let mut input = HttpRequestInput::with_body("POST", "/x", serde_json::json!({"a": "b0dy"}));
        input.headers = Some([("X-Api-Key".to_owned(), "k3y-value".to_owned())].into());
        let shown = format!("{input:?}");
        assert!(shown.contains("X-Api-Key"), "{shown}");
        assert!(
            !shown.contains("k3y-value") && !shown.contains("b0dy"),
            "{shown}"
        );
    }
}
