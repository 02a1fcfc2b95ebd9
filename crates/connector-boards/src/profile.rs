//! What the boards service does differently from plain HTTP, plugged into core's pipeline:
//! limiter keys, feedback from the `complexity` report, classification of GraphQL answers
//! (an HTTP 200 can be a failure) and errors in the service's three shapes.

use std::fmt;
use std::time::{Duration, SystemTime};

use connector_core::profile::{classify_transport, standard_error, standard_retry_after};
use connector_core::{
    Error, ErrorKind, Feedback, Outcome, Request, Response, RetryPolicy, RetryReason,
    ServiceProfile, TransportFailure, Verdict,
};

use crate::envelope::{Class, Envelope, ServiceError};
use crate::graphql;

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

/// A short fingerprint of a token for limiter key names: 32 bits of FNV-1a. So few bits
/// cannot be turned back into the token (countless tokens share each value), yet they tell
/// apart the handful of tokens one process uses. FNV is written out here rather than taken
/// from `std`'s hasher, whose algorithm may change between Rust releases, because workers
/// sharing a limiter must name the same key.
fn fingerprint(token: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in token.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", (hash >> 32) ^ (hash & 0xffff_ffff))
}

impl ServiceProfile for BoardsProfile {
    fn limit_keys(&self, request: &Request) -> Vec<(String, u64)> {
        let points = match request.operation_name() {
            Some(_) => request.request_cost(),
            None => request.request_cost().max(UNKNOWN_CALL_ESTIMATE),
        };
        let mut keys = vec![
            (self.complexity_key.clone(), points),
            (self.calls_key.clone(), 1),
        ];
        if request.operation_name() == Some(graphql::CREATE_BOARD.root_field) {
            keys.push((self.create_board_key.clone(), 1));
        }
        // Last, so that a slot in flight is held only once the budgets have admitted the call.
        keys.push((self.concurrency_key.clone(), 1));
        keys
    }

    fn feedback(
        &self,
        request: &Request,
        response: &Response,
        now: SystemTime,
    ) -> Vec<(String, Feedback)> {
        let _ = request;
        let envelope = Envelope::parse(response.body());
        let mut complexity = rate_limit_header(response, "complexityMinute");
        if let Some(report) = envelope.complexity {
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
                .or_else(|| standard_retry_after(response, now));
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
                    out.push((self.calls_key.clone(), spent(None)));
                }
                _ => {}
            }
        }
        if let Some(fb) = complexity {
            out.push((self.complexity_key.clone(), fb));
        }
        out
    }

    fn retry_after(&self, response: &Response, now: SystemTime) -> Option<Duration> {
        Envelope::parse(response.body())
            .errors
            .iter()
            .find_map(|e| e.retry_in)
            .or_else(|| standard_retry_after(response, now))
    }

    fn classify(
        &self,
        request: &Request,
        outcome: Outcome<'_>,
        policy: &RetryPolicy,
        now: SystemTime,
    ) -> Verdict {
        let response = match outcome {
            Ok(response) => response,
            Err(failure) => return classify_failure(request, failure, policy),
        };
        let status = response.status();
        if status == 401 {
            return Verdict::Unauthorized;
        }
        let envelope = Envelope::parse(response.body());
        if let Some((error, class)) = envelope.limit() {
            // A limit reported in the body wins over the status: the legacy versions sent the
            // complexity error with a 200.
            if class == Class::DailyLimit || !policy.retries_status(429) {
                return Verdict::Fail;
            }
            return Verdict::Retryable {
                reason: RetryReason::Status(429),
                after: error
                    .retry_in
                    .or_else(|| standard_retry_after(response, now)),
            };
        }
        if response.is_success() {
            return if envelope.has_errors() {
                Verdict::Fail
            } else {
                Verdict::Success
            };
        }
        if policy.retries_status(status) {
            return Verdict::Retryable {
                reason: RetryReason::Status(status),
                after: self.retry_after(response, now),
            };
        }
        Verdict::Fail
    }

    fn error(&self, request: &Request, response: &Response) -> Error {
        let envelope = Envelope::parse(response.body());
        let status = response.status();
        let operation = request.operation_name().unwrap_or("the call");
        let Some((primary, class)) = envelope.primary() else {
            let error = standard_error(response);
            return match status {
                401 => error.with_message(
                    "the boards service refused the token (401 unauthorized); check BOARDS_API_TOKEN",
                ),
                429 => error.with_message(format!(
                    "the boards service refused {operation}: rate limit reached (429); make fewer concurrent calls"
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
        let mut error = Error::new(
            kind,
            message(operation, kind, class, &envelope.errors, primary),
        );
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

    fn request_id(&self, response: &Response) -> Option<String> {
        Envelope::parse(response.body())
            .request_id
            .or_else(|| response.header("x-request-id").map(str::to_owned))
    }
}

/// Transport failures: a query is safe to repeat whatever its method (GraphQL sends reads as
/// POST), a mutation or an unknown document only when it surely never left.
fn classify_failure(
    request: &Request,
    failure: &TransportFailure,
    policy: &RetryPolicy,
) -> Verdict {
    let is_query = request
        .operation_name()
        .is_some_and(|op| !graphql::is_mutation(op));
    if is_query
        && policy.retry_transport
        && matches!(
            failure,
            TransportFailure::Timeout | TransportFailure::Broken(_)
        )
    {
        return Verdict::Retryable {
            reason: RetryReason::Transport,
            after: None,
        };
    }
    classify_transport(request, failure, policy)
}

fn message(
    operation: &str,
    kind: ErrorKind,
    class: Class,
    errors: &[ServiceError],
    primary: &ServiceError,
) -> String {
    let mut said: Vec<&str> = Vec::new();
    for text in
        std::iter::once(primary.message.as_str()).chain(errors.iter().map(|e| e.message.as_str()))
    {
        if !text.is_empty() && !said.contains(&text) {
            said.push(text);
        }
    }
    let said = if said.is_empty() {
        "no message".to_owned()
    } else {
        said.join("; ")
    };
    let advice = match (class, kind) {
        (Class::ComplexityLimit, _) => {
            "; wait for the budget to refill, make fewer concurrent calls, or set the connection's complexity budget to the account's (1,000,000 on trial accounts)"
        }
        (Class::RateLimit, _) => "; make fewer concurrent calls",
        (Class::DailyLimit, _) => "; the account's daily call limit is spent, try again tomorrow",
        (Class::PermissionDenied, _) => "; the token's user needs access to this resource",
        (_, ErrorKind::Authentication) => "; check BOARDS_API_TOKEN",
        _ => "",
    };
    format!("the boards service refused {operation}: {said}{advice}")
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
