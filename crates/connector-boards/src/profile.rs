//! What the boards service does differently from plain HTTP, plugged into core's pipeline:
//! limiter keys, feedback from the `complexity` report, classification of GraphQL answers
//! (an HTTP 200 can be a failure, a 409 `IDEMPOTENCY_CONFLICT` is worth waiting for) and
//! errors in the service's three shapes (see `errors`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use connector_core::limiter::{Feedback, LimitKey};
use connector_core::pipeline::{AttemptContext, TransportFailure, standard_retry_after};
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{Profile, Request, Response};
use serde_json::Value;

use crate::envelope::{Class, Envelope};
use crate::{errors, graphql, idempotency};

/// What a call sent without a known document (the Custom API Action, [`Boards::graphql`])
/// is charged against the complexity budget until the answer says what it cost: the
/// default budget spread over the default request rate (10,000,000 / 1,000).
///
/// [`Boards::graphql`]: crate::Boards::graphql
pub const UNKNOWN_CALL_ESTIMATE: u64 = 10_000;

/// The service profile of the boards service.
///
/// Limiter keys, one set per token (named by a short fingerprint, never the token):
///
/// | key | unit | default limit |
/// |---|---|---|
/// | `boards:complexity:<fp>` | complexity points (weighted by the call's estimate) | 10,000,000 per minute |
/// | `boards:calls:<fp>` | calls | 1,000 per minute |
/// | `boards:create_board:<fp>` | `create_board` calls | 40 per minute |
/// | `boards:concurrency:<fp>` | calls in flight | 40 |
///
/// A shared limiter can configure them by prefix (`boards:complexity:*`).
#[derive(Clone)]
pub struct BoardsProfile {
    complexity_key: String,
    calls_key: String,
    create_board_key: String,
    concurrency_key: String,
}

impl fmt::Debug for BoardsProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoardsProfile")
            .field("complexity_key", &self.complexity_key)
            .finish_non_exhaustive()
    }
}

impl BoardsProfile {
    /// The profile for a token: its limiter keys carry the token's fingerprint, so that
    /// connections with different tokens sharing one limiter spend different budgets.
    pub fn for_token(token: &str) -> BoardsProfile {
        let fp = fingerprint(token);
        BoardsProfile {
            complexity_key: format!("boards:complexity:{fp}"),
            calls_key: format!("boards:calls:{fp}"),
            create_board_key: format!("boards:create_board:{fp}"),
            concurrency_key: format!("boards:concurrency:{fp}"),
        }
    }

    /// The token's fingerprint the keys carry (32 bits of its SHA-256: never the token).
    pub fn fingerprint(&self) -> &str {
        self.complexity_key.rsplit(':').next().unwrap_or_default()
    }

    /// The key of the complexity budget (points per minute).
    pub fn complexity_key(&self) -> &str {
        &self.complexity_key
    }

    /// The key of the calls-per-minute limit.
    pub fn calls_key(&self) -> &str {
        &self.calls_key
    }

    /// The key of `create_board`'s own per-minute limit.
    pub fn create_board_key(&self) -> &str {
        &self.create_board_key
    }

    /// The key of the concurrency cap.
    pub fn concurrency_key(&self) -> &str {
        &self.concurrency_key
    }
}

/// A short fingerprint of a token for limiter key names: the first 32 bits of its SHA-256.
/// So few bits cannot be turned back into the token (countless tokens share each value),
/// yet they tell apart the handful of tokens one process uses; a fixed algorithm (not
/// `std`'s hasher, which may change between Rust releases) because workers sharing a
/// limiter must name the same key.
fn fingerprint(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl BoardsProfile {
    /// The limiter keys of a request: the complexity budget (the document's estimate), the
    /// calls per minute, `create_board`'s own limit, and last the concurrency cap, so that a
    /// slot in flight is held only once the budgets have admitted the call.
    pub fn limit_keys(&self, request: &Request) -> Vec<(LimitKey, u64)> {
        let points = match request.operation_name() {
            Some(_) => request.request_cost(),
            None => request.request_cost().max(UNKNOWN_CALL_ESTIMATE),
        };
        let mut keys = vec![
            (LimitKey::quota(self.complexity_key.as_str()), points),
            (LimitKey::quota(self.calls_key.as_str()), 1),
        ];
        if request.operation_name() == Some(graphql::CREATE_BOARD.root_field) {
            keys.push((LimitKey::quota(self.create_board_key.as_str()), 1));
        }
        keys.push((LimitKey::concurrency(self.concurrency_key.as_str()), 1));
        keys
    }

    /// What an answer says about the budgets: the `complexity` report (or the
    /// `complexityMinute` rate-limit header), and a spent key on a limit error.
    pub fn feedback(&self, context: &AttemptContext<'_>) -> Vec<(LimitKey, Feedback)> {
        let Some(response) = context.response() else {
            return Vec::new();
        };
        let envelope = envelope(context);
        let mut complexity = rate_limit_header(response, "complexityMinute");
        if let Some(report) = &envelope.complexity {
            let mut fb = complexity.take().unwrap_or_default();
            if let Some(query) = report.query {
                fb.charged = Some(query);
            }
            if let Some(after) = report.after {
                fb.remaining = Some(after);
            }
            if let Some(reset) = report.reset_in {
                fb.reset_after = Some(Duration::from_secs(reset));
            }
            complexity = Some(fb);
        }
        let mut out = Vec::new();
        if let Some((error, class)) = envelope.limit() {
            let wait = error
                .retry_in
                .or_else(|| standard_retry_after(response, context.now()));
            let spent = |fb: Option<Feedback>| {
                let mut fb = fb.unwrap_or_default();
                fb.remaining = Some(0);
                if let Some(wait) = wait {
                    fb.reset_after = Some(wait);
                }
                fb
            };
            match (class, error.code.as_deref()) {
                (Class::ComplexityLimit, _) => complexity = Some(spent(complexity.take())),
                (Class::RateLimit, Some("Rate Limit Exceeded" | "RATE_LIMIT_EXCEEDED")) => {
                    out.push((LimitKey::quota(self.calls_key.as_str()), spent(None)));
                }
                _ => {}
            }
        }
        if let Some(fb) = complexity {
            out.push((LimitKey::quota(self.complexity_key.as_str()), fb));
        }
        out
    }

    /// The pipeline's parts for this token: the keys and feedback above, four rules ahead
    /// of the defaults (transport failures of queries, a 409 `IDEMPOTENCY_CONFLICT` retried
    /// after its `Retry-After`, a 200 with `errors[]`, limits reported in the body), the
    /// service's three error shapes, and its request id.
    pub fn into_profile(self) -> Profile {
        let boards = Arc::new(self);
        let (keys, feedback) = (boards.clone(), boards);
        Profile::plain()
            .named("boards")
            .with_limit_keys(move |request: &Request| keys.limit_keys(request))
            .with_feedback(move |ctx: &AttemptContext<'_>| feedback.feedback(ctx))
            .with_rule(retry_queries_on_transport_failures)
            .with_rule(idempotency::retry_conflicts)
            .with_rule(fail_answers_with_errors)
            .with_rule(limits_in_the_body)
            .with_errors(errors::boards_error)
            .with_request_id(|ctx: &AttemptContext<'_>| {
                envelope(ctx)
                    .request_id
                    .clone()
                    .or_else(|| ctx.response()?.header("x-request-id").map(str::to_owned))
            })
    }
}

/// The answer's envelope, read once per attempt from the body parsed once.
pub(crate) fn envelope(context: &AttemptContext<'_>) -> Arc<Envelope> {
    context.view(|ctx| match ctx.json() {
        Some(Value::Object(root)) => Envelope::from_object(root),
        _ => Envelope::default(),
    })
}

/// A limit reported in the body wins over the status (the legacy versions sent the
/// complexity error with a 200): retried after `retry_in_seconds`, except the daily limit.
fn limits_in_the_body(context: &AttemptContext<'_>) -> Option<Verdict> {
    let response = context.response()?;
    if response.status() == 401 {
        return None;
    }
    let envelope = envelope(context);
    let (error, class) = envelope.limit()?;
    if class == Class::DailyLimit || !context.policy().retries_status(429) {
        return Some(Verdict::Fail);
    }
    Some(Verdict::retry_after(
        RetryReason::Status(429),
        error
            .retry_in
            .or_else(|| standard_retry_after(response, context.now())),
    ))
}

/// GraphQL answers a failed operation with a 200 and `errors[]`.
fn fail_answers_with_errors(context: &AttemptContext<'_>) -> Option<Verdict> {
    let response = context.response().filter(|r| r.is_success())?;
    let _ = response;
    envelope(context).has_errors().then_some(Verdict::Fail)
}

/// A query is safe to repeat whatever its method (GraphQL sends reads as POST); a mutation
/// or an unknown document is left to the defaults, which repeat it when its request is
/// marked repeatable (a mutation carrying an `Idempotency-Key`) and otherwise only when it
/// surely never left.
fn retry_queries_on_transport_failures(context: &AttemptContext<'_>) -> Option<Verdict> {
    let failure = context.failure()?;
    let is_query = context
        .request()
        .operation_name()
        .is_some_and(|op| !graphql::is_mutation(op));
    (is_query
        && context.policy().retry_transport
        && matches!(
            failure,
            TransportFailure::Timeout(_) | TransportFailure::Broken(_)
        ))
    .then(|| Verdict::retry(RetryReason::Transport))
}

/// One item of the IETF draft `RateLimit` header the service sends
/// (`"complexityMinute";r=4950000;t=45`): remaining units and seconds to the reset.
fn rate_limit_header(response: &Response, name: &str) -> Option<Feedback> {
    response
        .header_all("ratelimit")
        .into_iter()
        .flat_map(split_list)
        .find_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let label = parts.next()?.trim_matches('"');
            if label != name {
                return None;
            }
            let mut fb = Feedback::default();
            for part in parts {
                let (key, value) = part.split_once('=')?;
                let value: u64 = value.trim().trim_matches('"').parse().ok()?;
                match key.trim() {
                    "r" => fb.remaining = Some(value),
                    "t" => fb.reset_after = Some(Duration::from_secs(value.min(86_400))),
                    _ => {}
                }
            }
            fb.remaining.is_some().then_some(fb)
        })
}

/// Splits a structured-field list on commas outside quoted strings.
fn split_list(header: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(header[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(header[start..].trim());
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_short_stable_and_differ_between_tokens() {
        let a = fingerprint("eyJhbGciOiJIUzI1NiJ9.secret-one");
        assert_eq!(a.len(), 8);
        assert_eq!(a, fingerprint("eyJhbGciOiJIUzI1NiJ9.secret-one"));
        assert_ne!(a, fingerprint("eyJhbGciOiJIUzI1NiJ9.secret-two"));
    }

    #[test]
    fn structured_lists_split_outside_quotes() {
        assert_eq!(
            split_list(r#""minuteRate";r=0;t=38, "concurrency";r=249, "a,b";r=1"#),
            vec![
                r#""minuteRate";r=0;t=38"#,
                r#""concurrency";r=249"#,
                r#""a,b";r=1"#
            ]
        );
    }
}
