//! A service's parts, bundled: what a connector hands its connection.

use std::fmt;
use std::sync::Arc;

use super::context::AttemptContext;
use super::defaults::{default_verdict, standard_error};
use super::parts::{
    Classifier, ErrorMapper, FeedbackReader, LimitKeys, RequestIdReader, RetryDecorator,
};
use crate::error::Error;
use crate::http::{Request, Response};
use crate::limiter::{Feedback, LimitKey};
use crate::retry::Verdict;

/// What is particular to a service, as small replaceable parts: limiter keys, a feedback
/// reader, classification rules asked ahead of the defaults, an error mapper, a request-id
/// reader and a retry decorator. [`Profile::plain`] is plain HTTP.
///
/// ```
/// use connector_core::pipeline::AttemptContext;
/// use connector_core::retry::{RetryReason, Verdict};
/// use connector_core::Profile;
///
/// // Retry a service's "busy, try again" 409 without copying any default rule.
/// let profile = Profile::plain().with_rule(|ctx: &AttemptContext<'_>| {
///     let busy = ctx.status() == Some(409)
///         && ctx.json()?.get("code")?.as_str()? == "TRY_AGAIN";
///     busy.then(|| Verdict::retry(RetryReason::Status(409)))
/// });
/// # let _ = profile;
/// ```
#[derive(Clone)]
pub struct Profile {
    name: &'static str,
    limit_keys: Option<Arc<dyn LimitKeys>>,
    feedback: Option<Arc<dyn FeedbackReader>>,
    rules: Vec<Arc<dyn Classifier>>,
    errors: Option<Arc<dyn ErrorMapper>>,
    request_id: Option<Arc<dyn RequestIdReader>>,
    retry_decorator: Option<Arc<dyn RetryDecorator>>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::plain()
    }
}

impl Profile {
    /// Plain HTTP: no limiter keys, no feedback, the default classification and errors,
    /// `X-Request-Id`.
    pub fn plain() -> Profile {
        Profile {
            name: "http",
            limit_keys: None,
            feedback: None,
            rules: Vec::new(),
            errors: None,
            request_id: None,
            retry_decorator: None,
        }
    }

    /// Names the profile in logs and `Debug` (`okta`, `boards`).
    pub fn named(mut self, name: &'static str) -> Profile {
        self.name = name;
        self
    }

    /// The profile's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Sets the limiter keys.
    pub fn with_limit_keys(mut self, keys: impl LimitKeys + 'static) -> Profile {
        self.limit_keys = Some(Arc::new(keys));
        self
    }

    /// Sets the feedback reader.
    pub fn with_feedback(mut self, reader: impl FeedbackReader + 'static) -> Profile {
        self.feedback = Some(Arc::new(reader));
        self
    }

    /// Adds a classification rule, asked before every rule added so far and before the
    /// defaults: the last one added has the first word.
    pub fn with_rule(mut self, rule: impl Classifier + 'static) -> Profile {
        self.rules.insert(0, Arc::new(rule));
        self
    }

    /// Sets the error mapper.
    pub fn with_errors(mut self, mapper: impl ErrorMapper + 'static) -> Profile {
        self.errors = Some(Arc::new(mapper));
        self
    }

    /// Sets the request-id reader.
    pub fn with_request_id(mut self, reader: impl RequestIdReader + 'static) -> Profile {
        self.request_id = Some(Arc::new(reader));
        self
    }

    /// Sets the retry decorator.
    pub fn with_retry_decorator(mut self, decorator: impl RetryDecorator + 'static) -> Profile {
        self.retry_decorator = Some(Arc::new(decorator));
        self
    }

    /// The limiter keys of a request.
    pub fn limit_keys(&self, request: &Request) -> Vec<(LimitKey, u64)> {
        self.limit_keys
            .as_ref()
            .map(|k| k.limit_keys(request))
            .unwrap_or_default()
    }

    /// The feedback of an attempt.
    pub fn feedback(&self, context: &AttemptContext<'_>) -> Vec<(LimitKey, Feedback)> {
        self.feedback
            .as_ref()
            .map(|f| f.feedback(context))
            .unwrap_or_default()
    }

    /// The verdict on an attempt: the first rule with an opinion, else the defaults.
    pub fn classify(&self, context: &AttemptContext<'_>) -> Verdict {
        self.rules
            .iter()
            .find_map(|rule| rule.classify(context))
            .unwrap_or_else(|| default_verdict(context))
    }

    /// The error of a failed answer.
    pub fn error(&self, context: &AttemptContext<'_>, response: &Response) -> Error {
        match &self.errors {
            Some(mapper) => mapper.error(context, response),
            None => standard_error(response),
        }
    }

    /// The service's id for the answer: the reader's, else `X-Request-Id`.
    pub fn request_id(&self, context: &AttemptContext<'_>) -> Option<String> {
        match &self.request_id {
            Some(reader) => reader.request_id(context),
            None => context
                .response()?
                .header("x-request-id")
                .map(str::to_owned),
        }
    }

    /// Decorates a request before a retry.
    pub fn prepare_retry(&self, request: &mut Request, retry: u32, first_request_id: Option<&str>) {
        if let Some(decorator) = &self.retry_decorator {
            decorator.prepare_retry(request, retry, first_request_id);
        }
    }
}
