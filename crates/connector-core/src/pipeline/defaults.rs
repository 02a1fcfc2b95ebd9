//! The plain-HTTP defaults every profile falls back on.

use super::context::AttemptContext;
use super::transport::TransportFailure;
use crate::error::{Error, ErrorKind};
use crate::http::{Request, Response};
use crate::retry::{RetryPolicy, RetryReason, Verdict};

/// The default classification, asked after every rule of a profile:
/// 2xx succeeds; 401 asks for fresh credentials; a status the policy retries is retryable
/// after its `Retry-After`; anything else fails. Transport failures are retryable when the
/// connection was never made, or when the request is safe to repeat; an answer over the
/// size cap never is.
pub fn default_verdict(context: &AttemptContext<'_>) -> Verdict {
    let policy = context.policy();
    match (context.response(), context.failure()) {
        (Some(response), _) if response.is_success() => Verdict::Success,
        (Some(response), _) if response.status() == 401 => Verdict::Unauthorized,
        (Some(response), _) if policy.retries_status(response.status()) => Verdict::Retryable {
            reason: RetryReason::Status(response.status()),
            after: context.retry_after(),
        },
        (Some(_), _) => Verdict::Fail,
        (None, Some(failure)) => classify_transport(context.request(), failure, policy),
        (None, None) => Verdict::Fail,
    }
}

/// The transport half of [`default_verdict`].
pub fn classify_transport(
    request: &Request,
    failure: &TransportFailure,
    policy: &RetryPolicy,
) -> Verdict {
    if !policy.retry_transport {
        return Verdict::Fail;
    }
    match failure {
        TransportFailure::Connect(_) => Verdict::Retryable {
            reason: RetryReason::Connect,
            after: None,
        },
        TransportFailure::Timeout(_) | TransportFailure::Broken(_) if request.is_idempotent() => {
            Verdict::Retryable {
                reason: RetryReason::Transport,
                after: None,
            }
        }
        _ => Verdict::Fail,
    }
}

/// The default error for a failed answer: the status's kind with the body's first line.
pub fn standard_error(response: &Response) -> Error {
    let status = response.status();
    let kind = ErrorKind::from_status(status);
    let body = String::from_utf8_lossy(response.body());
    let snippet: String = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let message = if snippet.is_empty() || snippet.starts_with('<') {
        format!("the service answered {status}")
    } else {
        format!("the service answered {status}: {snippet}")
    };
    Error::new(kind, message)
}
