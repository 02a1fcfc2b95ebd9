//! The service's errors as the connector's: a kind from the service's code, and a message
//! that names the call, says each thing the service said once, and what to do about it.

use connector_core::pipeline::{AttemptContext, standard_error};
use connector_core::{Error, ErrorKind, Request, Response};

use crate::envelope::{Class, ServiceError};
use crate::graphql;
use crate::idempotency::CONFLICT_CODE;
use crate::profile::envelope;

/// The service's error in any of its three shapes, or the status's own error.
pub(crate) fn boards_error(context: &AttemptContext<'_>, response: &Response) -> Error {
    let envelope = envelope(context);
    let status = response.status();
    let call = call_name(context.request());
    let said = distinct_messages(envelope.primary().map(|(e, _)| e), &envelope.errors);
    let Some((primary, class)) = envelope.primary() else {
        let error = standard_error(response);
        return match status {
            401 => error.with_message(
                "the boards service refused the token (401 unauthorized); check BOARDS_API_TOKEN",
            ),
            429 => error.with_message(format!(
                "the boards service refused {call}: rate limit reached (429); wait and try again"
            )),
            _ => error,
        };
    };
    let kind = match class {
        Class::ComplexityLimit | Class::RateLimit | Class::DailyLimit => ErrorKind::RateLimited,
        Class::NotFound => ErrorKind::NotFound,
        Class::PermissionDenied => ErrorKind::PermissionDenied,
        Class::InvalidInput => ErrorKind::InvalidInput,
        Class::Conflict => ErrorKind::Conflict,
        Class::Other if status == 401 => ErrorKind::Authentication,
        Class::Other => match primary.status_code.filter(|s| *s >= 400) {
            Some(code) => ErrorKind::from_status(code),
            None if status >= 400 => ErrorKind::from_status(status),
            None => ErrorKind::Upstream,
        },
    };
    let said = if said.is_empty() {
        "no message".to_owned()
    } else {
        said.join("; ")
    };
    let message = if kind == ErrorKind::Authentication {
        format!(
            "the boards service refused the token ({status} unauthorized): {said}; check BOARDS_API_TOKEN"
        )
    } else {
        format!(
            "the boards service refused {call}: {said}{}",
            advice(class, primary)
        )
    };
    let mut error = Error::new(kind, message);
    if let Some(code) = &primary.code {
        error = error.with_code(code.clone());
    }
    if let Some(id) = &envelope.request_id {
        error = error.with_request_id(id.clone());
    }
    if let Some(wait) = primary.retry_in {
        error = error.with_retry_after(wait);
    }
    error
}

/// The call as a message names it: "the `boards` query", "the `create_board` mutation",
/// or "the call" for a document the connector does not know.
fn call_name(request: &Request) -> String {
    match request.operation_name() {
        Some(op) if graphql::is_mutation(op) => format!("the `{op}` mutation"),
        Some(op) => format!("the `{op}` query"),
        None => "the call".to_owned(),
    }
}

/// What to do about an error of this class.
fn advice(class: Class, error: &ServiceError) -> &'static str {
    match (class, error.code.as_deref()) {
        (Class::ComplexityLimit, _) => {
            "; wait for the budget to refill, spread the calls over time, or set the connection's complexity budget to the account's (1,000,000 on trial accounts)"
        }
        (Class::RateLimit, Some("maxConcurrencyExceeded")) => "; make fewer concurrent calls",
        (Class::RateLimit, _) => "; wait for the limit to reset and try again",
        (Class::DailyLimit, _) => "; the account's daily call limit is spent, try again tomorrow",
        (Class::PermissionDenied, _) => "; the token's user needs access to this resource",
        (Class::Conflict, Some(CONFLICT_CODE)) => {
            "; a request with the same Idempotency-Key was still running: look for its result (read-board, list-boards) before running this again, since a new run sends a new key"
        }
        _ => "",
    }
}

/// The service's messages, primary first, each said once: exact repeats are dropped, and so
/// is a message that another one begins with ("Complexity budget exhausted" next to
/// "Complexity budget exhausted, query cost 30001 ... reset in 3 seconds").
fn distinct_messages<'a>(
    primary: Option<&'a ServiceError>,
    errors: &'a [ServiceError],
) -> Vec<&'a str> {
    let all: Vec<&str> = primary
        .into_iter()
        .chain(errors)
        .map(|e| e.message.trim())
        .filter(|m| !m.is_empty())
        .collect();
    let normal = |m: &str| m.to_lowercase();
    let mut said: Vec<&str> = Vec::new();
    for (i, message) in all.iter().enumerate() {
        let lower = normal(message);
        let repeated = said.iter().any(|s| normal(s) == lower);
        let longer_elsewhere = all.iter().enumerate().any(|(j, other)| {
            j != i && other.len() > message.len() && normal(other).starts_with(&lower)
        });
        if !repeated && !longer_elsewhere {
            said.push(message);
        }
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(message: &str) -> ServiceError {
        ServiceError {
            message: message.to_owned(),
            ..ServiceError::default()
        }
    }

    #[test]
    fn each_message_is_said_once_and_the_longest_of_a_family_wins() {
        let errors = [
            error("Complexity budget exhausted"),
            error(
                "Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 3 seconds",
            ),
            error("complexity budget exhausted"),
            error("Board not found"),
            error("  "),
        ];
        assert_eq!(
            distinct_messages(Some(&errors[0]), &errors),
            [
                "Complexity budget exhausted, query cost 30001 budget remaining 8421 out of 1000000 reset in 3 seconds",
                "Board not found"
            ]
        );
        assert_eq!(distinct_messages(None, &[]), Vec::<&str>::new());
    }
}
