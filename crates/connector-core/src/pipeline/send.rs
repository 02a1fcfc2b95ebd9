//! The loop every request takes.

use std::time::{Duration, Instant};

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use super::calls::{self, CallRecord};
use super::context::AttemptContext;
use super::dry_run::DEPENDS_HEADER;
use super::transport::{Outgoing, TransportFailure};
use crate::connection::Inner;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HeaderMap, HeaderValue, Request, Response};
use crate::limiter::{LimitKey, Observation, Permit};
use crate::retry::{GiveUpReason, RetryDecision, Verdict};

/// The least time an attempt is worth starting with: admission or credentials that leave
/// less than this before the call's deadline fail the call instead, with nothing sent.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// What one call has measured so far, for [`CallRecord`]s and logs.
struct Tally {
    started: Instant,
    attempts: u32,
    rate_limited: u32,
    limiter_wait: Duration,
    status: Option<u16>,
    request_id: Option<String>,
    /// Each attempt's status, kept only when the call is recorded.
    per_attempt: Option<Vec<Option<u16>>>,
}

pub(crate) async fn send(inner: &Inner, request: Request) -> Result<Response> {
    let mut tally = Tally {
        started: inner.clock.now(),
        attempts: 0,
        rate_limited: 0,
        limiter_wait: Duration::ZERO,
        status: None,
        request_id: None,
        per_attempt: None,
    };
    // Named up front (the request moves into the loop), and only when someone records.
    let named =
        calls::recording().then(|| (request.method.to_string(), request.url.path().to_owned()));
    if named.is_some() {
        tally.per_attempt = Some(Vec::new());
    }
    let result = match super::url_check::check_url(&request.url) {
        Ok(()) => run(inner, request, &mut tally).await,
        Err(refused) => Err(refused),
    };
    let Some((method, path)) = named else {
        return result;
    };
    calls::push(CallRecord {
        method,
        path,
        status: tally.status,
        attempts: tally.attempts,
        rate_limited: tally.rate_limited,
        duration: inner.clock.now().saturating_duration_since(tally.started),
        limiter_wait: tally.limiter_wait,
        request_id: tally.request_id,
        attempt_statuses: tally.per_attempt.unwrap_or_default(),
    });
    result
}

async fn run(inner: &Inner, mut request: Request, tally: &mut Tally) -> Result<Response> {
    let recording = inner.transport.is_recording();
    let keys = if recording {
        Vec::new()
    } else {
        inner.profile.limit_keys(&request)
    };
    let deadline = tally.started + inner.timeouts.total;
    // The retry window runs from the first attempt's sending, not from the call's start:
    // time spent waiting for the limiter's admission is not time spent retrying.
    let mut first_sent: Option<Instant> = None;
    let mut retries: u32 = 0;
    let mut refreshed = false;
    let mut first_request_id: Option<String> = None;
    // Whether an attempt failed after the request may have reached the service: a write
    // retried after a lost answer has an unknown outcome even if a later attempt never
    // connected.
    let mut may_have_acted = false;
    loop {
        let authorization = if recording {
            // A dry run shows the credential's scheme and asks for no token.
            let masked = inner.auth.masked();
            (!masked.is_empty()).then(|| SecretString::from(masked))
        } else {
            authorize(inner, deadline, tally.attempts)
                .await
                .map_err(|e| unknown_if(e, may_have_acted, &request))?
        };
        let permits = admit(inner, &keys, deadline, tally)
            .await
            .map_err(|e| unknown_if(e, may_have_acted, &request))?;
        tally.attempts += 1;
        let attempts = tally.attempts;
        let started = *first_sent.get_or_insert_with(|| inner.clock.now());
        let outcome = attempt(inner, &request, authorization.as_ref(), deadline, recording).await;
        may_have_acted |= matches!(
            outcome,
            Err(TransportFailure::Timeout(_) | TransportFailure::Broken(_))
        );
        let admitted: Vec<_> = permits.iter().map(Permit::admitted_at).collect();
        drop(permits);
        let now = inner.clock.system_time();
        let context = AttemptContext::new(&request, outcome.as_ref(), &inner.policy, now, attempts);
        if let Some(per_attempt) = &mut tally.per_attempt {
            per_attempt.push(outcome.as_ref().ok().map(|r| r.status()));
        }
        if let Ok(response) = &outcome {
            tally.status = Some(response.status());
            if response.status() == 429 {
                tally.rate_limited += 1;
            }
            for (key, feedback) in inner.profile.feedback(&context) {
                let index = keys.iter().position(|(k, _)| *k == key);
                let observation = Observation::new(index.map_or(request.cost, |i| keys[i].1), now)
                    .with_admitted_at(index.and_then(|i| admitted[i]));
                inner.limiter.observe(&key, &feedback, &observation).await;
            }
            let id = inner.profile.request_id(&context);
            if first_request_id.is_none() {
                first_request_id = id.clone();
            }
            tally.request_id = id;
        }
        let verdict = inner.profile.classify(&context);
        tracing::debug!(
            method = %request.method,
            url = %request.url,
            attempt = attempts,
            status = tally.status.unwrap_or(0),
            verdict = ?verdict,
            "attempt finished"
        );
        match verdict {
            Verdict::Success => {
                let parsed = context.into_json();
                return match outcome {
                    Ok(mut response) => {
                        response.attempts = attempts;
                        response.parsed = parsed;
                        Ok(response)
                    }
                    Err(_) => Err(Error::invalid_response(
                        "a classifier called a failed attempt a success",
                    )
                    .with_attempts(attempts)),
                };
            }
            Verdict::Unauthorized if !refreshed => {
                if let Some(refused) = &authorization
                    && !recording
                    && inner.auth.invalidate(refused).await
                {
                    refreshed = true;
                    tracing::info!(
                        attempt = attempts,
                        reason = "401",
                        "refreshing credentials and retrying once"
                    );
                    continue;
                }
                return Err(final_error(inner, &context, attempts, may_have_acted));
            }
            Verdict::Retryable { reason, after } => {
                let elapsed = inner.clock.now().saturating_duration_since(started);
                let jitter = rand::rng().random::<f64>();
                match inner.policy.decide(retries, elapsed, after, jitter) {
                    RetryDecision::RetryAfter(delay) if inner.clock.now() + delay < deadline => {
                        retries += 1;
                        tracing::info!(
                            method = %request.method,
                            url = %request.url,
                            attempt = attempts,
                            retry = retries,
                            %reason,
                            delay_ms = delay.as_millis() as u64,
                            asked_by_service = after.is_some(),
                            "retrying"
                        );
                        drop(context);
                        inner.clock.sleep(delay).await;
                        inner.profile.prepare_retry(
                            &mut request,
                            retries,
                            first_request_id.as_deref(),
                        );
                        continue;
                    }
                    RetryDecision::RetryAfter(delay) => {
                        tracing::info!(attempt = attempts, %reason, "giving up: the wait would pass the call's deadline");
                        return Err(final_error(inner, &context, attempts, may_have_acted)
                            .with_retry_after(delay));
                    }
                    RetryDecision::GiveUp(why) => {
                        tracing::info!(attempt = attempts, %reason, why = ?why, "giving up");
                        let error = final_error(inner, &context, attempts, may_have_acted);
                        return Err(match why {
                            GiveUpReason::WaitPastWindow(wait) => error
                                .with_kind(ErrorKind::RateLimited)
                                .with_retry_after(wait),
                            _ => match after {
                                Some(wait) => error.with_retry_after(wait),
                                None => error,
                            },
                        });
                    }
                }
            }
            Verdict::Unauthorized | Verdict::Fail => {
                return Err(final_error(inner, &context, attempts, may_have_acted));
            }
        }
    }
}

/// Credentials for the next attempt. A token request has its own time limits; when it ends
/// past the call's deadline the call fails with nothing sent.
async fn authorize(
    inner: &Inner,
    deadline: Instant,
    attempts: u32,
) -> Result<Option<SecretString>> {
    let authorization = inner
        .auth
        .authorization()
        .await
        .map_err(|e| e.with_attempts(attempts))?;
    if inner.clock.now() >= deadline {
        return Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "no credentials within the call's deadline ({:.1} s); nothing was sent",
                inner.timeouts.total.as_secs_f64()
            ),
        )
        .with_attempts(attempts));
    }
    Ok(authorization)
}

/// Admission for every key, in order, leaving at least [`MIN_ATTEMPT`] before the deadline.
async fn admit(
    inner: &Inner,
    keys: &[(LimitKey, u64)],
    deadline: Instant,
    tally: &mut Tally,
) -> Result<Vec<Permit>> {
    let mut permits = Vec::with_capacity(keys.len());
    let asked = inner.clock.now();
    for (key, cost) in keys {
        let budget = deadline
            .checked_sub(MIN_ATTEMPT.min(inner.timeouts.attempt))
            .map_or(Duration::ZERO, |latest| {
                latest.saturating_duration_since(inner.clock.now())
            });
        match inner.limiter.acquire(key, *cost, budget).await {
            Ok(permit) => permits.push(permit),
            Err(error) => {
                tally.limiter_wait += inner.clock.now().saturating_duration_since(asked);
                return Err(error.with_attempts(tally.attempts));
            }
        }
    }
    tally.limiter_wait += inner.clock.now().saturating_duration_since(asked);
    Ok(permits)
}

fn headers_for(inner: &Inner, request: &Request, recording: bool) -> HeaderMap {
    let mut headers = inner.default_headers.clone();
    for (name, value) in &request.headers {
        // The dependency mark is for the recording only; it never goes on the wire.
        if !recording && name == DEPENDS_HEADER {
            continue;
        }
        headers.insert(name.clone(), value.clone());
    }
    if let Some(ua) = &inner.user_agent {
        headers.insert(reqwest::header::USER_AGENT, ua.clone());
    }
    headers
}

async fn attempt(
    inner: &Inner,
    request: &Request,
    authorization: Option<&SecretString>,
    deadline: Instant,
    recording: bool,
) -> std::result::Result<Response, TransportFailure> {
    let mut headers = headers_for(inner, request, recording);
    if let Some(secret) = authorization {
        let mut value = HeaderValue::from_str(secret.expose_secret()).map_err(|_| {
            TransportFailure::Connect("the credential is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let outgoing = Outgoing {
        method: request.method.clone(),
        url: request.url.clone(),
        headers,
        body: request.body.clone(),
        max_response_bytes: inner.max_response_bytes,
    };
    let left = deadline.saturating_duration_since(inner.clock.now());
    let budget = inner.timeouts.attempt.min(left);
    match tokio::time::timeout(budget, inner.transport.send(outgoing)).await {
        Ok(Err(TransportFailure::Timeout(_))) | Err(_) => Err(TransportFailure::Timeout(budget)),
        Ok(result) => result,
    }
}

fn final_error(
    inner: &Inner,
    context: &AttemptContext<'_>,
    attempts: u32,
    may_have_acted: bool,
) -> Error {
    match (context.response(), context.failure()) {
        (Some(response), _) => {
            let mut error = inner.profile.error(context, response);
            if error.status().is_none() {
                error = error.with_status(response.status());
            }
            if error.request_id().is_none()
                && let Some(id) = inner.profile.request_id(context)
            {
                error = error.with_request_id(id);
            }
            // The answer kept on the error reuses the body the parts parsed, if they did.
            let mut kept = response.to_error_response_without_body();
            kept.body = match context.json() {
                Some(json) => json.clone(),
                None => response.body_text_value(),
            };
            let error = error.with_attempts(attempts).with_response(kept);
            // An earlier attempt of this write lost its answer: whatever the last answer
            // says, the first may have acted (a 409 for its key even proves it arrived).
            unknown_if(error, may_have_acted, context.request())
        }
        (None, Some(failure)) => unknown_if(
            failure.to_error().with_attempts(attempts),
            may_have_acted,
            context.request(),
        ),
        (None, None) => {
            Error::invalid_response("an attempt ended with neither an answer nor a failure")
                .with_attempts(attempts)
        }
    }
}

/// Marks the error of a write whose outcome is unknown (an attempt lost its answer after the
/// request may have reached the service) and says so in its message.
fn unknown_if(error: Error, may_have_acted: bool, request: &Request) -> Error {
    if !may_have_acted || !request.is_write() || error.outcome_unknown() {
        return error;
    }
    let message = format!(
        "{}; the {} may have taken effect: check before repeating it",
        error.message(),
        request.method
    );
    error.with_message(message).with_outcome_unknown()
}
