//! Reading what the service says around the data: errors in any of the three shapes it has
//! used, the request id, the complexity report and the wait it asks for.
//!
//! Everything here takes arbitrary bytes and never panics: a field of an unexpected type is
//! treated as absent.
//!
//! Long on purpose: the three error shapes the service has used, read by one function so
//! that none is missed; a quarter of it is their tests.

use std::time::Duration;

use serde_json::{Map, Value};

/// The most service errors read from one answer.
const MAX_ERRORS: usize = 20;

/// One error the service reported, whatever its shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ServiceError {
    pub(crate) message: String,
    pub(crate) code: Option<String>,
    pub(crate) status_code: Option<u16>,
    pub(crate) retry_in: Option<Duration>,
}

/// The `complexity` root field of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Complexity {
    /// What this call cost.
    pub(crate) query: Option<u64>,
    /// What is left of the budget.
    pub(crate) after: Option<u64>,
    /// Seconds until the budget refills.
    pub(crate) reset_in: Option<u64>,
}

/// What an error is about, for classification and error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// The complexity budget is spent (retry after the reset).
    ComplexityLimit,
    /// Another per-minute, concurrency, per-IP or field limit (retry after the wait).
    RateLimit,
    /// The daily call limit (no point retrying within the minute).
    DailyLimit,
    NotFound,
    PermissionDenied,
    InvalidInput,
    Conflict,
    /// A code this connector does not know.
    Other,
}

impl Class {
    pub(crate) fn is_retryable_limit(self) -> bool {
        matches!(self, Class::ComplexityLimit | Class::RateLimit)
    }
}

/// The parts of an answer around `data`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Envelope {
    pub(crate) errors: Vec<ServiceError>,
    pub(crate) request_id: Option<String>,
    pub(crate) complexity: Option<Complexity>,
}

impl Envelope {
    /// Reads an answer's body; anything that is not a JSON object yields an empty envelope.
    /// (The pipeline reads the body once through its attempt context; tests read bytes.)
    #[cfg(test)]
    pub(crate) fn parse(body: &[u8]) -> Envelope {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(root)) => Envelope::from_object(&root),
            _ => Envelope::default(),
        }
    }

    pub(crate) fn from_object(root: &Map<String, Value>) -> Envelope {
        let mut errors = Vec::new();
        match root.get("errors") {
            Some(Value::Array(items)) => {
                errors.extend(items.iter().take(MAX_ERRORS).filter_map(read_error));
            }
            Some(other) => errors.extend(read_error(other)),
            None => {}
        }
        // Versions before 2024-10 put one error at the top level.
        let legacy_code = root.get("error_code").and_then(text);
        let legacy_message = root
            .get("error_message")
            .and_then(text)
            .or_else(|| root.get("error").and_then(text));
        // The keys' presence marks the legacy error shape, even when their values are empty.
        let legacy_keys = ["error_code", "error_message"]
            .iter()
            .any(|k| root.get(*k).is_some_and(|v| !v.is_null()));
        if legacy_code.is_some() || legacy_message.is_some() || legacy_keys {
            let message = legacy_message.unwrap_or_default();
            errors.push(ServiceError {
                retry_in: retry_in(root).or_else(|| retry_in_message(&message)),
                status_code: root.get("status_code").and_then(status_code),
                code: legacy_code,
                message,
            });
        }
        let request_id = root
            .get("extensions")
            .and_then(|e| e.get("request_id"))
            .and_then(text)
            .or_else(|| root.get("request_id").and_then(text))
            .or_else(|| match root.get("errors") {
                Some(Value::Array(items)) => items.iter().find_map(|e| {
                    e.get("extensions")
                        .and_then(|x| x.get("request_id"))
                        .and_then(text)
                }),
                _ => None,
            });
        let complexity = root
            .get("data")
            .and_then(|d| d.get("complexity"))
            .and_then(Value::as_object)
            .map(|c| Complexity {
                query: c.get("query").and_then(count),
                after: c.get("after").and_then(count),
                reset_in: c.get("reset_in_x_seconds").and_then(count),
            });
        Envelope {
            errors,
            request_id,
            complexity,
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The error that best explains the failure: the first one whose class is known, else
    /// the first one.
    pub(crate) fn primary(&self) -> Option<(&ServiceError, Class)> {
        let classified = self.errors.iter().map(|e| (e, e.class()));
        let mut first = None;
        for (error, class) in classified {
            if class != Class::Other {
                return Some((error, class));
            }
            first.get_or_insert((error, class));
        }
        first
    }

    /// The first rate-limit error, with its class.
    pub(crate) fn limit(&self) -> Option<(&ServiceError, Class)> {
        self.errors
            .iter()
            .map(|e| (e, e.class()))
            .find(|(_, c)| c.is_retryable_limit() || *c == Class::DailyLimit)
    }
}

impl ServiceError {
    /// What this error is about, from its code, or from its message when it has none (the
    /// legacy string errors).
    pub(crate) fn class(&self) -> Class {
        match self.code.as_deref() {
            Some(code) => class_of_code(code).unwrap_or_else(|| class_of_message(&self.message)),
            None => class_of_message(&self.message),
        }
    }
}

fn class_of_code(code: &str) -> Option<Class> {
    Some(match code {
        "COMPLEXITY_BUDGET_EXHAUSTED" | "ComplexityException" => Class::ComplexityLimit,
        "Rate Limit Exceeded"
        | "RATE_LIMIT_EXCEEDED"
        | "maxConcurrencyExceeded"
        | "IP_RATE_LIMIT_EXCEEDED"
        | "FIELD_LIMIT_EXCEEDED" => Class::RateLimit,
        "DAILY_LIMIT_EXCEEDED" => Class::DailyLimit,
        "InvalidBoardIdException" | "InvalidUserIdException" | "ResourceNotFoundException" => {
            Class::NotFound
        }
        "UserUnauthorizedException" | "USER_ACCESS_DENIED" | "missingRequiredPermissions" => {
            Class::PermissionDenied
        }
        "InvalidArgumentException"
        | "RecordInvalidException"
        | "CreateBoardException"
        | "InvalidVersionException"
        | "GRAPHQL_VALIDATION_FAILED"
        | "BAD_USER_INPUT" => Class::InvalidInput,
        "DeleteLastGroupException" | "IDEMPOTENCY_CONFLICT" => Class::Conflict,
        // Other ids of the same family (`InvalidItemIdException`, `InvalidWorkspaceIdException`).
        c if c.starts_with("Invalid") && c.ends_with("IdException") => Class::NotFound,
        // The GraphQL engine's static validation codes are camelCase (`undefinedField`,
        // `argumentLiteralsIncompatible`): the document or its variables do not fit the schema.
        c if c.starts_with(|ch: char| ch.is_ascii_lowercase()) => Class::InvalidInput,
        _ => return None,
    })
}

fn class_of_message(message: &str) -> Class {
    let lower = message.to_ascii_lowercase();
    if lower.starts_with("complexity budget exhausted") {
        Class::ComplexityLimit
    } else if lower.starts_with("rate limit exceeded") {
        Class::RateLimit
    } else if lower.starts_with("parse error") {
        Class::InvalidInput
    } else {
        Class::Other
    }
}

fn read_error(value: &Value) -> Option<ServiceError> {
    match value {
        // The legacy complexity error: "Complexity budget exhausted, ... reset in 3 seconds".
        Value::String(message) => Some(ServiceError {
            retry_in: retry_in_message(message),
            message: clip(message),
            ..ServiceError::default()
        }),
        Value::Object(error) => {
            let message = error.get("message").and_then(text).unwrap_or_default();
            let extensions = error.get("extensions").and_then(Value::as_object);
            let code = extensions
                .and_then(|x| x.get("code"))
                .and_then(text)
                .or_else(|| error.get("code").and_then(text))
                .or_else(|| error.get("error_code").and_then(text));
            let status_code = extensions
                .and_then(|x| x.get("status_code"))
                .and_then(status_code)
                .or_else(|| error.get("status_code").and_then(status_code));
            let retry_in = extensions
                .and_then(retry_in)
                .or_else(|| retry_in(error))
                .or_else(|| retry_in_message(&message));
            Some(ServiceError {
                message: clip(&message),
                code,
                status_code,
                retry_in,
            })
        }
        Value::Null => None,
        other => Some(ServiceError {
            message: clip(&other.to_string()),
            ..ServiceError::default()
        }),
    }
}

/// `retry_in_seconds` in an object or in its `error_data` (where `FIELD_LIMIT_EXCEEDED` puts
/// it).
fn retry_in(object: &Map<String, Value>) -> Option<Duration> {
    object
        .get("retry_in_seconds")
        .and_then(seconds)
        .or_else(|| {
            object
                .get("error_data")
                .and_then(|d| d.get("retry_in_seconds"))
                .and_then(seconds)
        })
}

/// The wait in a legacy message: "... reset in 3 seconds", "... retry in 12 seconds".
pub(crate) fn retry_in_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    for marker in ["reset in ", "retry in ", "retry after "] {
        if let Some(at) = lower.find(marker) {
            let rest = &lower[at + marker.len()..];
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let Some(wait) = number.parse::<f64>().ok().and_then(duration_from_secs) {
                return Some(wait);
            }
        }
    }
    None
}

/// A number of seconds, as a JSON number or a numeric string.
fn seconds(value: &Value) -> Option<Duration> {
    let secs = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    duration_from_secs(secs)
}

fn duration_from_secs(secs: f64) -> Option<Duration> {
    // A day is more than any wait the service asks for within a minute's window; anything
    // beyond (or negative, or not finite) is not a wait worth trusting.
    if secs.is_finite() && (0.0..=86_400.0).contains(&secs) {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// A non-negative whole count (points, seconds).
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.min(u64::MAX as f64) as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn status_code(value: &Value) -> Option<u16> {
    count(value)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|s| (100..600).contains(s))
}

/// A string, or a number written as one (ids and codes are sometimes numbers).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A service message may quote the input it refused; an error echoes at most 200 bytes of
/// any input.
fn clip(s: &str) -> String {
    connector_core::error::clip_echo(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_current_shape() {
        let env = Envelope::parse(
            br#"{"errors":[{"message":"Board not found","locations":[{"line":2,"column":3}],"path":["boards"],
                "extensions":{"code":"InvalidBoardIdException","error_data":{},"status_code":200}}],
                "account_id":1,"extensions":{"request_id":"req-1"}}"#,
        );
        assert_eq!(env.request_id.as_deref(), Some("req-1"));
        let (error, class) = env.primary().unwrap();
        assert_eq!(error.code.as_deref(), Some("InvalidBoardIdException"));
        assert_eq!(error.status_code, Some(200));
        assert_eq!(class, Class::NotFound);
    }

    #[test]
    fn reads_the_legacy_top_level_shape() {
        let env = Envelope::parse(
            br#"{"error_code":"UserUnauthorizedException","error_message":"User unauthorized to perform action",
                "error_data":{},"status_code":403}"#,
        );
        let (error, class) = env.primary().unwrap();
        assert_eq!(error.code.as_deref(), Some("UserUnauthorizedException"));
        assert_eq!(error.status_code, Some(403));
        assert_eq!(class, Class::PermissionDenied);
    }

    #[test]
    fn reads_the_legacy_string_shape_with_its_wait() {
        let env = Envelope::parse(
            br#"{"errors":["Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 3 seconds"],"account_id":1}"#,
        );
        let (error, class) = env.limit().unwrap();
        assert_eq!(class, Class::ComplexityLimit);
        assert_eq!(error.retry_in, Some(Duration::from_secs(3)));
    }

    #[test]
    fn finds_retry_in_seconds_in_extensions_and_in_error_data() {
        let env = Envelope::parse(
            br#"{"errors":[{"message":"Complexity budget exhausted","extensions":{"code":"COMPLEXITY_BUDGET_EXHAUSTED","retry_in_seconds":7}}]}"#,
        );
        assert_eq!(
            env.limit().unwrap().0.retry_in,
            Some(Duration::from_secs(7))
        );
        let env = Envelope::parse(
            br#"{"errors":[{"message":"Field limit exceeded","extensions":{"code":"FIELD_LIMIT_EXCEEDED","error_data":{"retry_in_seconds":"12"}}}]}"#,
        );
        let (error, class) = env.limit().unwrap();
        assert_eq!(class, Class::RateLimit);
        assert_eq!(error.retry_in, Some(Duration::from_secs(12)));
    }

    #[test]
    fn reads_the_complexity_report() {
        let env = Envelope::parse(
            br#"{"data":{"boards":[],"complexity":{"query":1010,"after":9998990,"reset_in_x_seconds":42}}}"#,
        );
        assert_eq!(
            env.complexity,
            Some(Complexity {
                query: Some(1010),
                after: Some(9_998_990),
                reset_in: Some(42)
            })
        );
        assert!(!env.has_errors());
    }

    #[test]
    fn odd_values_are_treated_as_absent() {
        for body in [
            &b""[..],
            b"null",
            b"[1,2]",
            b"\"text\"",
            br#"{"errors":null}"#,
            br#"{"errors":[null]}"#,
            br#"{"errors":[{"message":{"deep":[1]},"extensions":"x"}]}"#,
            br#"{"errors":[{"extensions":{"retry_in_seconds":-5,"status_code":99999}}]}"#,
            br#"{"errors":[{"extensions":{"retry_in_seconds":1e308}}]}"#,
            br#"{"data":{"complexity":{"query":-1,"after":"x","reset_in_x_seconds":1.5e300}}}"#,
            br#"{"error_code":17,"status_code":"abc"}"#,
            br#"{"error_code":"","error_message":"","status_code":200}"#,
        ] {
            let env = Envelope::parse(body);
            for e in &env.errors {
                assert!(e.retry_in.is_none_or(|d| d <= Duration::from_secs(86_400)));
                let _ = e.class();
            }
        }
    }

    #[test]
    fn the_legacy_shape_is_an_error_even_with_empty_values() {
        let env = Envelope::parse(br#"{"error_code":"","error_message":"","status_code":200}"#);
        assert!(env.has_errors());
        let env = Envelope::parse(br#"{"error_code":null,"data":{}}"#);
        assert!(!env.has_errors());
    }

    #[test]
    fn messages_are_clipped() {
        let long = "x".repeat(5_000);
        let body = serde_json::json!({ "errors": [{ "message": long }] }).to_string();
        let env = Envelope::parse(body.as_bytes());
        let limit = connector_core::error::QUOTE_LIMIT + '…'.len_utf8();
        assert!(env.errors[0].message.len() <= limit);
    }
}
