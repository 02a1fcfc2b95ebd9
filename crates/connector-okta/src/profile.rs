//! What is particular to Okta in the pipeline: rate-limit buckets and feedback, retry
//! headers, request ids and error bodies.
//!
//! Long on purpose: the pipeline parts of one service (buckets, feedback, retry headers,
//! error bodies) read best side by side; the last part is their tests.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use connector_core::headers::{delay_until_epoch_reset, parse_http_date};
use connector_core::limiter::{Feedback, LimitKey};
use connector_core::pipeline::{AttemptContext, standard_error, standard_retry_after};
use connector_core::retry::{RetryReason, Verdict};
use connector_core::{
    Error, ErrorKind, HeaderName, HeaderValue, Method, Profile, Request, Response,
};
use serde_json::Value;

/// The error code Okta answers when a role is already assigned to the user.
pub const ROLE_ALREADY_ASSIGNED: &str = "E0000090";

/// The prefix of the concurrency key of every org (`okta-concurrency:https://acme.okta.com`).
pub(crate) const CONCURRENCY_KEY_PREFIX: &str = "okta-concurrency:";

/// What is particular to Okta, made into the pipeline's parts by [`OktaProfile::into_profile`].
///
/// - **Limiter keys**: one per endpoint bucket and org,
///   `okta:<origin> <bucket>`, where the bucket is the endpoint family Okta counts together
///   (see [`OktaProfile::bucket`]), plus `okta-concurrency:<origin>` for the org's cap on
///   requests in flight.
/// - **Feedback**: `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (UTC epoch seconds),
///   the reset measured against the answer's own `Date`, so a skewed local clock does not
///   matter. A concurrency rejection (limit and remaining both 0) says nothing about the
///   bucket and is not fed back.
/// - **Waits**: `Retry-After` when present, else for a 429 the time until
///   `X-Rate-Limit-Reset` plus one second (the reset is given in whole seconds).
/// - **Retries** carry `X-Okta-Retry-For: <first X-Okta-Request-Id>` and
///   `X-Okta-Retry-Count: <n>`, as Okta's SDKs send.
/// - **Errors** come from `errorCode`, `errorSummary` and `errorCauses`; a body of any
///   other shape (HTML, empty, plain text) still yields an error of the status's kind.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OktaProfile {
    /// The org's origin (`https://acme.okta.com`), formatted once: every request of a
    /// connection goes to it, and the limiter keys name it.
    origin: String,
    /// The limiter keys of the org's buckets and of its concurrency cap, named once: every
    /// request asks for two of them.
    keys: Arc<OrgKeys>,
}

/// One org's limiter keys, made when the profile is.
#[derive(Debug)]
struct OrgKeys {
    buckets: Vec<(&'static str, LimitKey)>,
    concurrency: LimitKey,
}

impl Default for OktaProfile {
    /// The profile of an org with an empty origin (keys `okta: <bucket>`).
    fn default() -> OktaProfile {
        OktaProfile::for_org("")
    }
}

/// Every bucket [`OktaProfile::bucket`] names.
const BUCKETS: [&str; 6] = [
    "GET|POST /api/v1/users",
    "GET /api/v1/users/{id}",
    "POST|PUT|DELETE /api/v1/users/{id}",
    "/api/v1/users/{id}/roles",
    "/api/v1",
    "other",
];

impl OktaProfile {
    /// The rate-limit bucket of a request: its method and path family, as Okta counts them.
    ///
    /// ```
    /// use connector_core::Method;
    /// use connector_okta::OktaProfile;
    ///
    /// assert_eq!(OktaProfile::bucket(&Method::GET, "/api/v1/users"), "GET|POST /api/v1/users");
    /// assert_eq!(OktaProfile::bucket(&Method::GET, "/api/v1/users/00u1"), "GET /api/v1/users/{id}");
    /// assert_eq!(OktaProfile::bucket(&Method::DELETE, "/api/v1/users/00u1/roles/ra1"), "/api/v1/users/{id}/roles");
    /// ```
    pub fn bucket(method: &Method, path: &str) -> &'static str {
        let path = path.trim_end_matches('/');
        let Some(rest) = path.strip_prefix("/api/v1/users") else {
            return if path == "/api/v1" || path.starts_with("/api/v1/") {
                "/api/v1"
            } else {
                "other"
            };
        };
        if rest.is_empty() {
            return if matches!(*method, Method::GET | Method::POST) {
                "GET|POST /api/v1/users"
            } else {
                "/api/v1"
            };
        }
        let Some(rest) = rest.strip_prefix('/') else {
            // `/api/v1/usersX` is not in the users family.
            return "/api/v1";
        };
        let mut segments = rest.split('/');
        let _id = segments.next();
        match segments.next() {
            None if *method == Method::GET => "GET /api/v1/users/{id}",
            None => "POST|PUT|DELETE /api/v1/users/{id}",
            Some("roles") => "/api/v1/users/{id}/roles",
            Some(_) => "/api/v1",
        }
    }

    /// The profile of the org at `origin` (`https://acme.okta.com`).
    pub fn for_org(origin: &str) -> OktaProfile {
        let origin = origin.trim_end_matches('/').to_owned();
        let keys = OrgKeys {
            buckets: BUCKETS
                .iter()
                .map(|bucket| (*bucket, LimitKey::quota(format!("okta:{origin} {bucket}"))))
                .collect(),
            concurrency: LimitKey::concurrency(format!("{CONCURRENCY_KEY_PREFIX}{origin}")),
        };
        OktaProfile {
            origin,
            keys: Arc::new(keys),
        }
    }

    /// The limiter key of a request's bucket: `okta:<origin> <bucket>`.
    pub fn bucket_key(&self, request: &Request) -> String {
        self.bucket_limit_key(request).name().to_owned()
    }

    /// The limiter key of a request's bucket, made once per org and bucket.
    fn bucket_limit_key(&self, request: &Request) -> LimitKey {
        let bucket = OktaProfile::bucket(request.method(), request.url().path());
        match self.keys.buckets.iter().find(|(b, _)| *b == bucket) {
            Some((_, key)) => key.clone(),
            None => LimitKey::quota(format!("okta:{} {bucket}", self.origin)),
        }
    }

    /// The limiter key of the org's concurrency cap: `okta-concurrency:<origin>`.
    pub fn concurrency_key(&self) -> String {
        self.keys.concurrency.name().to_owned()
    }
}

/// The rate-limit headers, named once (every answer is read for them).
const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");
const DATE: HeaderName = HeaderName::from_static("date");

fn header_str<'a>(response: &'a Response, name: &HeaderName) -> Option<&'a str> {
    response.headers().get(name)?.to_str().ok()
}

fn header_u64(response: &Response, name: &HeaderName) -> Option<u64> {
    header_str(response, name)?.trim().parse().ok()
}

impl OktaProfile {
    /// The limiter keys of a request: its bucket first (a request waiting for its bucket's
    /// pace should not hold one of the org's concurrency slots meanwhile), then the org's
    /// concurrency cap.
    pub fn limit_keys(&self, request: &Request) -> Vec<(LimitKey, u64)> {
        vec![
            (self.bucket_limit_key(request), request.request_cost()),
            (self.keys.concurrency.clone(), 1),
        ]
    }

    /// What an answer says about its bucket.
    pub fn feedback(
        &self,
        request: &Request,
        response: &Response,
        now: SystemTime,
    ) -> Vec<(LimitKey, Feedback)> {
        let limit = header_u64(response, &LIMIT);
        let remaining = header_u64(response, &REMAINING);
        let reset = header_str(response, &RESET)
            .and_then(|reset| delay_until_epoch_reset(reset, header_str(response, &DATE), now));
        let mut feedback = Feedback::default();
        // A concurrency rejection reports limit 0 and remaining 0: nothing about the bucket.
        if limit != Some(0) {
            feedback.limit = limit;
            feedback.remaining = remaining;
            feedback.reset_after = reset;
        }
        // Feedback goes back even when empty: an answer without headers still tells the
        // limiter that the bucket has been tried (see the learning gate).
        vec![(self.bucket_limit_key(request), feedback)]
    }

    /// The wait an answer asks for: `Retry-After` when present, else for a 429 the time
    /// until `X-Rate-Limit-Reset` plus one second.
    pub fn retry_after(&self, response: &Response, now: SystemTime) -> Option<Duration> {
        if let Some(after) = standard_retry_after(response, now) {
            return Some(after);
        }
        if response.status() != 429 {
            return None;
        }
        let date = response
            .header("date")
            .filter(|d| parse_http_date(d).is_some());
        let wait = delay_until_epoch_reset(response.header("x-rate-limit-reset")?, date, now)?;
        // The reset and the Date are whole seconds: a second more makes sure the window has
        // really turned when the retry arrives (Okta's SDKs do the same).
        Some(wait + Duration::from_secs(1))
    }

    /// The pipeline's parts for this org: the limiter keys and feedback above, one
    /// classification rule (a 429 waits for the bucket's reset; everything else is the
    /// default), Okta's error bodies, `X-Okta-Request-Id`, and the retry headers Okta's SDKs
    /// send.
    pub fn into_profile(self) -> Profile {
        let okta = Arc::new(self);
        let (keys, feedback, waits) = (okta.clone(), okta.clone(), okta);
        Profile::plain()
            .named("okta")
            .with_limit_keys(move |request: &Request| keys.limit_keys(request))
            .with_feedback(move |ctx: &AttemptContext<'_>| match ctx.response() {
                Some(response) => feedback.feedback(ctx.request(), response, ctx.now()),
                None => Vec::new(),
            })
            .with_rule(move |ctx: &AttemptContext<'_>| {
                let response = ctx.response().filter(|r| r.status() == 429)?;
                ctx.policy().retries_status(429).then(|| {
                    Verdict::retry_after(
                        RetryReason::Status(429),
                        waits.retry_after(response, ctx.now()),
                    )
                })
            })
            .with_errors(okta_error)
            .with_request_id(|ctx: &AttemptContext<'_>| {
                ctx.response()?
                    .header("x-okta-request-id")
                    .map(str::to_owned)
            })
            .with_retry_decorator(prepare_retry)
    }
}

/// `X-Okta-Retry-For: <first X-Okta-Request-Id>` and `X-Okta-Retry-Count: <n>`.
fn prepare_retry(request: &mut Request, retry: u32, first_request_id: Option<&str>) {
    let headers = request.headers_mut();
    if let Some(id) = first_request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        headers.insert(HeaderName::from_static("x-okta-retry-for"), id);
    }
    headers.insert(
        HeaderName::from_static("x-okta-retry-count"),
        HeaderValue::from(retry),
    );
}

/// Reads Okta's error body (`errorCode`, `errorSummary`, `errorCauses[].errorSummary`) into an
/// error of the right kind; any other body still gives an error of the status's kind.
fn okta_error(context: &AttemptContext<'_>, response: &Response) -> Error {
    let status = response.status();
    let body: Option<&Value> = context.json();
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let code = text(body.and_then(|b| b.get("errorCode")));
    let summary = text(body.and_then(|b| b.get("errorSummary")));
    let causes: Vec<String> = body
        .and_then(|b| b.get("errorCauses"))
        .and_then(Value::as_array)
        .map(|causes| {
            causes
                .iter()
                .filter_map(|c| text(c.get("errorSummary")))
                .collect()
        })
        .unwrap_or_default();
    let kind = match (code.as_deref(), status) {
        (Some("E0000047"), _) => ErrorKind::RateLimited,
        (Some("E0000004" | "E0000011"), _) => ErrorKind::Authentication,
        (Some("E0000006"), _) => ErrorKind::PermissionDenied,
        (Some("E0000007"), _) => ErrorKind::NotFound,
        _ => ErrorKind::from_status(status),
    };
    let mut message = match summary {
        Some(summary) => format!("okta answered {status}: {}", clip(&summary)),
        None => standard_error(response)
            .message()
            .replacen("the service", "okta", 1),
    };
    if !causes.is_empty() {
        let causes: Vec<String> = causes.iter().take(10).map(|c| clip(c)).collect();
        message.push_str(&format!(" ({})", causes.join("; ")));
    }
    match kind {
        ErrorKind::Authentication => message.push_str("; check the API token or the OAuth client and its key"),
        ErrorKind::PermissionDenied => {
            message.push_str("; the token needs the scope or admin role for this call (okta.users.manage, okta.roles.manage, ...)")
        }
        _ => {}
    }
    let mut error = Error::new(kind, message).with_status(status);
    if let Some(code) = code {
        error = error.with_code(code);
    }
    error
}

/// Keeps what a server says to a sane length in messages: Okta's summaries quote the id or
/// login they could not find, and an error echoes at most 200 bytes of any input.
fn clip(text: &str) -> String {
    connector_core::error::clip_echo(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::HeaderMap;

    fn error_of(response: &Response) -> Error {
        let request = connector_core::Connection::builder("https://acme.okta.com")
            .build()
            .unwrap()
            .request(Method::GET, "/api/v1/users");
        let policy = connector_core::RetryPolicy::default();
        let context = AttemptContext::new(&request, Ok(response), &policy, SystemTime::now(), 1);
        okta_error(&context, response)
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Response::from_parts(
            status,
            map,
            body.to_owned(),
            "https://acme.okta.com/api/v1/users".parse().unwrap(),
        )
    }

    #[test]
    fn buckets_follow_okta_s_endpoint_families() {
        let cases = [
            (Method::GET, "/api/v1/users", "GET|POST /api/v1/users"),
            (Method::POST, "/api/v1/users/", "GET|POST /api/v1/users"),
            (Method::GET, "/api/v1/users/00u1", "GET /api/v1/users/{id}"),
            (
                Method::GET,
                "/api/v1/users/a%40b.com",
                "GET /api/v1/users/{id}",
            ),
            (
                Method::POST,
                "/api/v1/users/00u1",
                "POST|PUT|DELETE /api/v1/users/{id}",
            ),
            (
                Method::DELETE,
                "/api/v1/users/00u1",
                "POST|PUT|DELETE /api/v1/users/{id}",
            ),
            (
                Method::GET,
                "/api/v1/users/00u1/roles",
                "/api/v1/users/{id}/roles",
            ),
            (
                Method::POST,
                "/api/v1/users/00u1/roles",
                "/api/v1/users/{id}/roles",
            ),
            (
                Method::DELETE,
                "/api/v1/users/00u1/roles/ra1",
                "/api/v1/users/{id}/roles",
            ),
            (Method::GET, "/api/v1/users/00u1/groups", "/api/v1"),
            (Method::GET, "/api/v1/usersx", "/api/v1"),
            (Method::DELETE, "/api/v1/users", "/api/v1"),
            (Method::GET, "/api/v1/groups", "/api/v1"),
            (Method::POST, "/oauth2/v1/token", "other"),
        ];
        let profile = OktaProfile::for_org("https://acme.okta.com");
        let connection = connector_core::Connection::builder("https://acme.okta.com")
            .build()
            .unwrap();
        for (method, path, bucket) in cases {
            assert_eq!(
                OktaProfile::bucket(&method, path),
                bucket,
                "{method} {path}"
            );
            // Every bucket's key is made once, named `okta:<origin> <bucket>`.
            assert!(BUCKETS.contains(&bucket), "{bucket} is not in BUCKETS");
            let request = connection.request(method.clone(), path);
            let named = format!("okta:https://acme.okta.com {bucket}");
            assert_eq!(profile.limit_keys(&request)[0].0.name(), named);
            assert_eq!(profile.bucket_key(&request), named);
        }
    }

    #[test]
    fn feedback_measures_the_reset_against_the_date_header() {
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT; the local clock is an hour ahead.
        let response = answer(
            200,
            &[
                ("x-rate-limit-limit", "600"),
                ("x-rate-limit-remaining", "599"),
                ("x-rate-limit-reset", "784111800"),
                ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ],
            "[]",
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 + 3600);
        let request = connector_core::Connection::builder("https://acme.okta.com")
            .build()
            .unwrap()
            .request(Method::GET, "/api/v1/users");
        let feedback =
            OktaProfile::for_org("https://acme.okta.com").feedback(&request, &response, now);
        assert_eq!(feedback.len(), 1);
        assert_eq!(
            feedback[0].0.name(),
            "okta:https://acme.okta.com GET|POST /api/v1/users"
        );
        assert_eq!(feedback[0].1.limit, Some(600));
        assert_eq!(feedback[0].1.remaining, Some(599));
        assert_eq!(feedback[0].1.reset_after, Some(Duration::from_secs(23)));
    }

    #[test]
    fn a_concurrency_rejection_says_nothing_about_the_bucket() {
        let response = answer(
            429,
            &[
                ("x-rate-limit-limit", "0"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1"),
            ],
            "",
        );
        let request = connector_core::Connection::builder("https://acme.okta.com")
            .build()
            .unwrap()
            .request(Method::GET, "/api/v1/users/00u1");
        let feedback = OktaProfile::for_org("https://acme.okta.com").feedback(
            &request,
            &response,
            SystemTime::now(),
        );
        assert_eq!(feedback[0].1, Feedback::default());
    }

    #[test]
    fn a_429_waits_until_the_reset_plus_a_second_and_retry_after_wins() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 500);
        let limited = answer(
            429,
            &[("x-rate-limit-reset", "784111780"), ("date", date)],
            "",
        );
        assert_eq!(
            OktaProfile::for_org("https://acme.okta.com").retry_after(&limited, now),
            Some(Duration::from_secs(4))
        );
        let asked = answer(
            429,
            &[
                ("x-rate-limit-reset", "784111780"),
                ("date", date),
                ("retry-after", "7"),
            ],
            "",
        );
        assert_eq!(
            OktaProfile::for_org("https://acme.okta.com").retry_after(&asked, now),
            Some(Duration::from_secs(7))
        );
        // A 503's reset headers describe the rate limit, not the outage.
        let unavailable = answer(
            503,
            &[("x-rate-limit-reset", "784111780"), ("date", date)],
            "",
        );
        assert_eq!(
            OktaProfile::for_org("https://acme.okta.com").retry_after(&unavailable, now),
            None
        );
        let garbage = answer(
            429,
            &[("x-rate-limit-reset", "soon"), ("date", "yesterday")],
            "",
        );
        assert_eq!(
            OktaProfile::for_org("https://acme.okta.com").retry_after(&garbage, now),
            None
        );
    }

    #[test]
    fn error_bodies_map_to_kinds_with_causes_in_the_message() {
        let body = r#"{"errorCode":"E0000001","errorSummary":"Api validation failed: login","errorLink":"E0000001","errorId":"oae1","errorCauses":[{"errorSummary":"login: An object with this field already exists in the current organization"}]}"#;
        let e = error_of(&answer(400, &[], body));
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.code(), Some("E0000001"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(
            e.message(),
            "okta answered 400: Api validation failed: login (login: An object with this field already exists in the current organization)"
        );
        for (status, kind) in [
            (401, ErrorKind::Authentication),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Upstream),
            (503, ErrorKind::Unavailable),
        ] {
            assert_eq!(
                error_of(&answer(status, &[], "{}")).kind(),
                kind,
                "{status}"
            );
        }
    }

    #[test]
    fn odd_error_bodies_still_make_errors() {
        for body in [
            "",
            "<html><body>Bad gateway</body></html>",
            "null",
            "[1,2]",
            r#"{"errorCode":5,"errorSummary":["x"],"errorCauses":"nope"}"#,
            r#"{"errorCauses":[null, 3, {"errorSummary": null}]}"#,
            "\u{0}\u{1}garbage",
        ] {
            let e = error_of(&answer(502, &[], body));
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{body:?}");
            assert_eq!(e.code(), None);
            assert!(!e.message().contains("<html"), "{}", e.message());
        }
        let long = format!(r#"{{"errorSummary":"{}"}}"#, "x".repeat(10_000));
        assert!(error_of(&answer(400, &[], &long)).message().len() < 400);
    }
}
