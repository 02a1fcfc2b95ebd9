//! Okta's error body: `{"errorCode","errorSummary","errorLink","errorId","errorCauses"}`.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::util::random_alnum;

/// An Okta API error, ready to become a response.
#[derive(Debug)]
pub(crate) struct OktaError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) summary: String,
    pub(crate) causes: Vec<String>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl OktaError {
    pub(crate) fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        OktaError {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub(crate) fn cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// E0000001: a validation failure on `field`, with one cause.
    pub(crate) fn validation(field: &str, cause: impl Into<String>) -> Self {
        OktaError::new(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {field}"),
        )
        .cause(cause)
    }

    /// E0000003: the body is not JSON or not the expected shape.
    pub(crate) fn malformed_body() -> Self {
        OktaError::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        )
    }

    /// E0000007 for a missing resource, as Okta words it.
    pub(crate) fn not_found(id: &str, kind: &str) -> Self {
        OktaError::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// E0000011: missing, unknown or expired token.
    pub(crate) fn invalid_token() -> Self {
        OktaError::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// E0000006: the token lacks a scope the operation needs.
    pub(crate) fn forbidden() -> Self {
        OktaError::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    /// E0000047: over a rate limit.
    pub(crate) fn rate_limited() -> Self {
        OktaError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// E0000031: a `search` or `filter` expression that does not parse.
    pub(crate) fn invalid_search(cause: impl Into<String>) -> Self {
        OktaError::new(
            StatusCode::BAD_REQUEST,
            "E0000031",
            "Invalid search criteria.",
        )
        .cause(cause)
    }

    /// The error Okta gives for a status with no more specific meaning here.
    pub(crate) fn for_status(status: StatusCode) -> Self {
        let (code, summary) = match status.as_u16() {
            400 => ("E0000003", "The request body was not well-formed."),
            401 => ("E0000011", "Invalid token provided"),
            403 => (
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            404 => ("E0000008", "The requested path was not found"),
            405 => (
                "E0000022",
                "The endpoint does not support the provided HTTP method",
            ),
            413 => ("E0000003", "The request body was not well-formed."),
            429 => (
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
            ),
            503 => ("E0000010", "Service is in read only mode"),
            _ => ("E0000009", "Internal Server Error"),
        };
        let mut error = OktaError::new(status, code, summary);
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            error = error.cause("The request body is larger than 1 MiB.");
        }
        error
    }
}

/// Okta's error ids look like `oaeXXXXXXXXXXXXXXXXXXXXXX`.
pub(crate) fn error_id() -> String {
    format!("oae{}", random_alnum(22))
}

impl IntoResponse for OktaError {
    fn into_response(self) -> Response {
        let causes: Vec<_> = self
            .causes
            .iter()
            .map(|c| json!({ "errorSummary": c }))
            .collect();
        let body = json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id(),
            "errorCauses": causes,
        });
        let mut response = (self.status, Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
