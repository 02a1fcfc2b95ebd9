//! What every Okta route reads and writes: query parameters (decoded, in order) and JSON
//! answers.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::error::OktaError;

/// Everything but RFC 3986's unreserved characters is percent-encoded in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Query parameters in their order, decoded; the first of a repeated name wins on lookup.
pub(super) struct QueryParams(pub(super) Vec<(String, String)>);

impl QueryParams {
    pub(super) fn parse(raw: Option<&str>) -> Self {
        QueryParams(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn bool(&self, name: &str, default: bool) -> Result<bool, OktaError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(OktaError::validation(
                name,
                format!("{name}: '{v}' is not a boolean"),
            )),
        }
    }

    /// `?a=1&b=2` with values percent-encoded, or "" without parameters.
    pub(super) fn encode(pairs: &[(&str, &str)]) -> String {
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY_VALUE),
                    utf8_percent_encode(v, QUERY_VALUE)
                )
            })
            .collect();
        format!("?{}", joined.join("&"))
    }
}

pub(super) fn require_json(headers: &HeaderMap) -> Result<(), OktaError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/json" || mime.ends_with("+json") {
        Ok(())
    } else {
        Err(OktaError::new(
            StatusCode::BAD_REQUEST,
            "E0000021",
            "Bad request.  Accept and/or Content-Type headers likely do not match supported values.",
        )
        .cause(format!("Content-Type '{content_type}' is not application/json")))
    }
}

pub(super) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}
