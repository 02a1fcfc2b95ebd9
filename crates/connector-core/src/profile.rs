//! What a connector plugs into the pipeline: limiter keys, feedback, classification, errors.
//!
//! The loop in [`Connection::send`](crate::Connection::send) never changes for a new service;
//! a connector implements [`ServiceProfile`] and overrides only what its service does
//! differently. Every method has a default that follows plain HTTP.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::{Error, ErrorKind};
use crate::headers::{parse_http_date, parse_retry_after};
use crate::http::{Request, Response};
use crate::limiter::Feedback;
use crate::retry::{RetryPolicy, RetryReason, Verdict};

/// How an attempt failed before a complete answer arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be made (refused, DNS): the service never saw the request.
    Connect(String),
    /// No complete answer came within the attempt's time.
    Timeout,
    /// The connection broke (reset, closed early, cut body): the service may have acted.
    Broken(String),
    /// The answer is larger than the connection's cap and was not read.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportFailure::Connect(m) => write!(f, "cannot connect: {m}"),
            TransportFailure::Timeout => f.write_str("no answer within the attempt timeout"),
            TransportFailure::Broken(m) => write!(f, "the connection broke: {m}"),
            TransportFailure::TooLarge { limit } => {
                write!(f, "the answer is larger than the {limit}-byte cap")
            }
        }
    }
}

impl TransportFailure {
    /// The error this failure becomes when it is final.
    pub fn to_error(&self) -> Error {
        let kind = match self {
            TransportFailure::Connect(_) | TransportFailure::Broken(_) => ErrorKind::Transport,
            TransportFailure::Timeout => ErrorKind::Timeout,
            TransportFailure::TooLarge { .. } => ErrorKind::InvalidResponse,
        };
        Error::new(kind, self.to_string())
    }
}

/// One attempt's outcome, as classifiers see it.
pub type Outcome<'a> = std::result::Result<&'a Response, &'a TransportFailure>;

/// A service's specifics, plugged into the one pipeline.
pub trait ServiceProfile: Send + Sync + fmt::Debug {
    /// The limiter keys this request spends, with their costs. Default: none.
    fn limit_keys(&self, request: &Request) -> Vec<(String, u64)> {
        let _ = request;
        Vec::new()
    }

    /// What a response says about the limiter's keys. Default: nothing.
    fn feedback(
        &self,
        request: &Request,
        response: &Response,
        now: SystemTime,
    ) -> Vec<(String, Feedback)> {
        let _ = (request, response, now);
        Vec::new()
    }

    /// The wait the service asked for in this answer. Default: `Retry-After`, a date being
    /// measured against the answer's own `Date`.
    fn retry_after(&self, response: &Response, now: SystemTime) -> Option<Duration> {
        standard_retry_after(response, now)
    }

    /// Classifies one attempt. Default: [`standard_classify`].
    fn classify(
        &self,
        request: &Request,
        outcome: Outcome<'_>,
        policy: &RetryPolicy,
        now: SystemTime,
    ) -> Verdict {
        standard_classify(self, request, outcome, policy, now)
    }

    /// The error for an answer that is not a success. Default: the status's kind with the
    /// body's first line as message. The pipeline adds status, attempts and the answer.
    fn error(&self, request: &Request, response: &Response) -> Error {
        let _ = request;
        standard_error(response)
    }

    /// The service's id for this answer, surfaced in errors. Default: `X-Request-Id`.
    fn request_id(&self, response: &Response) -> Option<String> {
        response.header("x-request-id").map(str::to_owned)
    }

    /// Decorates a request before retry number `retry` (1-based); `first_request_id` is the
    /// service's id for the first attempt. Default: nothing.
    fn prepare_retry(&self, request: &mut Request, retry: u32, first_request_id: Option<&str>) {
        let _ = (request, retry, first_request_id);
    }
}

/// A profile with every default: plain HTTP.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainHttp;

impl ServiceProfile for PlainHttp {}

/// `Retry-After` in seconds or as a date measured against the answer's `Date` (else `now`).
pub fn standard_retry_after(response: &Response, now: SystemTime) -> Option<Duration> {
    let now = response
        .header("date")
        .and_then(parse_http_date)
        .unwrap_or(now);
    parse_retry_after(response.header("retry-after")?, now)
}

/// The default classification:
/// 2xx succeeds; 401 asks for fresh credentials; a status the policy retries is retryable
/// with the profile's [`retry_after`](ServiceProfile::retry_after); anything else fails.
/// Transport failures are retryable when the connection was never made, or when the
/// request is safe to repeat; an answer over the size cap never is.
pub fn standard_classify<P: ServiceProfile + ?Sized>(
    profile: &P,
    request: &Request,
    outcome: Outcome<'_>,
    policy: &RetryPolicy,
    now: SystemTime,
) -> Verdict {
    match outcome {
        Ok(response) if response.is_success() => Verdict::Success,
        Ok(response) if response.status() == 401 => Verdict::Unauthorized,
        Ok(response) if policy.retries_status(response.status()) => Verdict::Retryable {
            reason: RetryReason::Status(response.status()),
            after: profile.retry_after(response, now),
        },
        Ok(_) => Verdict::Fail,
        Err(failure) => classify_transport(request, failure, policy),
    }
}

/// The transport half of [`standard_classify`].
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
        TransportFailure::Timeout | TransportFailure::Broken(_) if request.is_idempotent() => {
            Verdict::Retryable {
                reason: RetryReason::Transport,
                after: None,
            }
        }
        _ => Verdict::Fail,
    }
}

/// The default error for a failed answer.
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
