//! The small parts a connector plugs into the pipeline, one trait per concern. Each has a
//! plain-HTTP default (see [`Profile`](super::Profile)), and closures implement the ones a
//! connector most often writes inline.

use crate::error::Error;
use crate::http::{Request, Response};
use crate::limiter::{Feedback, LimitKey};
use crate::retry::Verdict;

use super::context::AttemptContext;

/// The limiter keys a request spends, with their costs, in the order they are acquired.
pub trait LimitKeys: Send + Sync {
    /// The keys of `request`.
    fn limit_keys(&self, request: &Request) -> Vec<(LimitKey, u64)>;
}

impl<F> LimitKeys for F
where
    F: Fn(&Request) -> Vec<(LimitKey, u64)> + Send + Sync,
{
    fn limit_keys(&self, request: &Request) -> Vec<(LimitKey, u64)> {
        self(request)
    }
}

/// What an answer says about the limiter's keys.
pub trait FeedbackReader: Send + Sync {
    /// The feedback of one attempt, per key.
    fn feedback(&self, context: &AttemptContext<'_>) -> Vec<(LimitKey, Feedback)>;
}

impl<F> FeedbackReader for F
where
    F: Fn(&AttemptContext<'_>) -> Vec<(LimitKey, Feedback)> + Send + Sync,
{
    fn feedback(&self, context: &AttemptContext<'_>) -> Vec<(LimitKey, Feedback)> {
        self(context)
    }
}

/// One classification rule. Rules are asked in turn; the first with an opinion decides, and
/// the defaults (2xx succeeds, 401 refreshes credentials, the policy's statuses and safe
/// transport failures retry, anything else fails) decide when none has one.
pub trait Classifier: Send + Sync {
    /// The verdict on the attempt, or `None` to leave it to the next rule.
    fn classify(&self, context: &AttemptContext<'_>) -> Option<Verdict>;
}

impl<F> Classifier for F
where
    F: Fn(&AttemptContext<'_>) -> Option<Verdict> + Send + Sync,
{
    fn classify(&self, context: &AttemptContext<'_>) -> Option<Verdict> {
        self(context)
    }
}

/// The error for an answer that is not a success. The pipeline adds status, attempts, the
/// request id and the answer itself when the mapper leaves them out.
pub trait ErrorMapper: Send + Sync {
    /// The error of `response`.
    fn error(&self, context: &AttemptContext<'_>, response: &Response) -> Error;
}

impl<F> ErrorMapper for F
where
    F: Fn(&AttemptContext<'_>, &Response) -> Error + Send + Sync,
{
    fn error(&self, context: &AttemptContext<'_>, response: &Response) -> Error {
        self(context, response)
    }
}

/// The service's id for an answer, surfaced in errors and logs.
pub trait RequestIdReader: Send + Sync {
    /// The id, when the answer carries one.
    fn request_id(&self, context: &AttemptContext<'_>) -> Option<String>;
}

impl<F> RequestIdReader for F
where
    F: Fn(&AttemptContext<'_>) -> Option<String> + Send + Sync,
{
    fn request_id(&self, context: &AttemptContext<'_>) -> Option<String> {
        self(context)
    }
}

/// Decorates a request before a retry (Okta's `X-Okta-Retry-For`).
pub trait RetryDecorator: Send + Sync {
    /// Called before retry number `retry` (1-based); `first_request_id` is the service's id
    /// for the first attempt.
    fn prepare_retry(&self, request: &mut Request, retry: u32, first_request_id: Option<&str>);
}

impl<F> RetryDecorator for F
where
    F: Fn(&mut Request, u32, Option<&str>) + Send + Sync,
{
    fn prepare_retry(&self, request: &mut Request, retry: u32, first_request_id: Option<&str>) {
        self(request, retry, first_request_id)
    }
}
