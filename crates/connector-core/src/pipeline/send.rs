//! The loop every request takes.

use std::time::{Duration, Instant};

use rand::Rng;
use secrecy::ExposeSecret;

use super::admission::{Credential, admit, authorize};
use super::calls::{self, Tally};
use super::context::AttemptContext;
use super::interceptor::{AttemptAnswer, AttemptRequest};
use super::outcome::{final_error, unknown_if};
use super::transport::{Outgoing, TransportFailure};
use crate::connection::parts::Inner;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HeaderValue, Request, Response};
use crate::limiter::{LimitKey, Observation, Permit};
use crate::retry::{GiveUpReason, RetryDecision, Verdict};

pub(crate) async fn send(inner: &Inner, request: Request) -> Result<Response> {
    let mut tally = Tally::new(inner.clock.now());
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
    calls::push(tally.into_record(method, path, inner.clock.now()));
    result
}

async fn run(inner: &Inner, request: Request, tally: &mut Tally) -> Result<Response> {
    let mut call = Call::new(inner, request, tally.started);
    loop {
        match call.attempt(tally).await {
            Step::Return(result) => return result,
            Step::RefreshCredential => {}
            Step::RetryAfter(delay) => {
                inner.clock.sleep(delay).await;
                call.prepare_retry();
            }
        }
    }
}

/// What a call does after an attempt.
// Returned once per attempt and taken apart at once: boxing the answer would cost an
// allocation per call for nothing.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The call is over: an answer, or an error.
    Return(Result<Response>),
    /// Try again after this wait.
    RetryAfter(Duration),
    /// The credential was refused and a new one can be had: try again at once.
    RefreshCredential,
}

/// One call's state across its attempts.
struct Call<'a> {
    inner: &'a Inner,
    request: Request,
    keys: Vec<(LimitKey, u64)>,
    deadline: Instant,
    /// The retry window runs from the first attempt's sending, not from the call's start:
    /// time spent waiting for the limiter's admission is not time spent retrying.
    first_sent: Option<Instant>,
    retries: u32,
    refreshed: bool,
    first_request_id: Option<String>,
    /// Whether an attempt failed after the request may have reached the service: a write
    /// retried after a lost answer has an unknown outcome even if a later attempt never
    /// connected.
    may_have_acted: bool,
}

impl<'a> Call<'a> {
    fn new(inner: &'a Inner, request: Request, started: Instant) -> Call<'a> {
        Call {
            keys: inner.profile.limit_keys(&request),
            deadline: started + inner.timeouts.total,
            inner,
            request,
            first_sent: None,
            retries: 0,
            refreshed: false,
            first_request_id: None,
            may_have_acted: false,
        }
    }

    /// Credentials, admission, one attempt, and what to do next.
    async fn attempt(&mut self, tally: &mut Tally) -> Step {
        let inner = self.inner;
        let authorization = match authorize(inner, self.deadline, tally.attempts).await {
            Ok(authorization) => authorization,
            Err(e) => return Step::Return(Err(self.unknown_if(e))),
        };
        let permits = match admit(inner, &self.keys, self.deadline, tally).await {
            Ok(permits) => permits,
            Err(e) => return Step::Return(Err(self.unknown_if(e))),
        };
        let outgoing = match self.outgoing(&authorization, tally.attempts + 1) {
            Ok(outgoing) => outgoing,
            Err(e) => return Step::Return(Err(e.with_attempts(tally.attempts))),
        };
        tally.attempts += 1;
        let attempts = tally.attempts;
        let sent = inner.clock.now();
        let started = *self.first_sent.get_or_insert(sent);
        let outcome = exchange(inner, outgoing, self.deadline, sent).await;
        self.may_have_acted |= matches!(
            outcome,
            Err(TransportFailure::Timeout(_) | TransportFailure::Broken(_))
        );
        let answer = AttemptAnswer {
            method: &self.request.method,
            url: &self.request.url,
            attempt: attempts,
            outcome: outcome.as_ref(),
        };
        for interceptor in inner.interceptors.iter() {
            interceptor.read_after_attempt(&answer);
        }
        // The slots go back at once; the admission times stay for the feedback.
        let mut permits = permits;
        permits.iter_mut().for_each(Permit::release);
        let now = inner.clock.system_time();
        let context = AttemptContext::new(
            &self.request,
            outcome.as_ref(),
            &inner.policy,
            now,
            attempts,
        );
        if let Some(per_attempt) = &mut tally.per_attempt {
            per_attempt.push(outcome.as_ref().ok().map(|r| r.status()));
        }
        if let Ok(response) = &outcome {
            tally.status = Some(response.status());
            if response.status() == 429 {
                tally.rate_limited += 1;
            }
            for (key, feedback) in inner.profile.feedback(&context) {
                let index = self.keys.iter().position(|(k, _)| *k == key);
                let observation =
                    Observation::new(index.map_or(self.request.cost, |i| self.keys[i].1), now)
                        .with_admitted_at(index.and_then(|i| permits[i].admitted_at()));
                if !inner.limiter.observe_now(&key, &feedback, &observation) {
                    inner.limiter.observe(&key, &feedback, &observation).await;
                }
            }
        }
        let verdict = inner.profile.classify(&context);
        // The service's request id is read when something keeps it: a call record, or an
        // attempt that may be followed by another (whose decorator gets the first id).
        let may_go_on = matches!(verdict, Verdict::Retryable { .. } | Verdict::Unauthorized);
        if outcome.is_ok()
            && (tally.per_attempt.is_some() || (may_go_on && self.first_request_id.is_none()))
        {
            let id = inner.profile.request_id(&context);
            if self.first_request_id.is_none() {
                self.first_request_id = id.clone();
            }
            tally.request_id = id;
        }
        tracing::debug!(
            method = %self.request.method,
            url = %self.request.url,
            attempt = attempts,
            status = tally.status.unwrap_or(0),
            verdict = ?verdict,
            "attempt finished"
        );
        match verdict {
            Verdict::Success => {
                let parsed = context.into_json();
                Step::Return(match outcome {
                    Ok(mut response) => {
                        response.attempts = attempts;
                        response.parsed = parsed;
                        Ok(response)
                    }
                    Err(_) => Err(Error::invalid_response(
                        "a classifier called a failed attempt a success",
                    )
                    .with_attempts(attempts)),
                })
            }
            Verdict::Unauthorized if !self.refreshed => {
                if let Credential::Secret(refused) = &authorization
                    && inner.auth.invalidate(refused).await
                {
                    self.refreshed = true;
                    tracing::info!(
                        attempt = attempts,
                        reason = "401",
                        "refreshing credentials and retrying once"
                    );
                    return Step::RefreshCredential;
                }
                Step::Return(Err(final_error(
                    inner,
                    &context,
                    attempts,
                    self.may_have_acted,
                )))
            }
            Verdict::Retryable { reason, after } => {
                let elapsed = inner.clock.now().saturating_duration_since(started);
                let jitter = rand::rng().random::<f64>();
                match inner.policy.decide(self.retries, elapsed, after, jitter) {
                    RetryDecision::RetryAfter(delay)
                        if inner.clock.now() + delay < self.deadline =>
                    {
                        self.retries += 1;
                        tracing::info!(
                            method = %self.request.method,
                            url = %self.request.url,
                            attempt = attempts,
                            retry = self.retries,
                            %reason,
                            delay_ms = delay.as_millis() as u64,
                            asked_by_service = after.is_some(),
                            "retrying"
                        );
                        Step::RetryAfter(delay)
                    }
                    RetryDecision::RetryAfter(delay) => {
                        tracing::info!(attempt = attempts, %reason, "giving up: the wait would pass the call's deadline");
                        Step::Return(Err(final_error(
                            inner,
                            &context,
                            attempts,
                            self.may_have_acted,
                        )
                        .with_retry_after(delay)))
                    }
                    RetryDecision::GiveUp(why) => {
                        tracing::info!(attempt = attempts, %reason, why = ?why, "giving up");
                        let error = final_error(inner, &context, attempts, self.may_have_acted);
                        Step::Return(Err(match why {
                            GiveUpReason::WaitPastWindow(wait) => error
                                .with_kind(ErrorKind::RateLimited)
                                .with_retry_after(wait),
                            _ => match after {
                                Some(wait) => error.with_retry_after(wait),
                                None => error,
                            },
                        }))
                    }
                }
            }
            Verdict::Unauthorized | Verdict::Fail => Step::Return(Err(final_error(
                inner,
                &context,
                attempts,
                self.may_have_acted,
            ))),
        }
    }

    /// The attempt as it leaves: the request's headers and body, changed by the
    /// interceptors, then the credential; the interceptors read it last.
    fn outgoing(&self, authorization: &Credential, attempt: u32) -> Result<Outgoing> {
        let inner = self.inner;
        let mut headers = self.request.headers.clone();
        let mut body = self.request.body.clone();
        let mut view = AttemptRequest {
            method: &self.request.method,
            url: &self.request.url,
            headers: &mut headers,
            body: &mut body,
            attempt,
        };
        for interceptor in inner.interceptors.iter() {
            interceptor.modify_before_attempt(&mut view)?;
        }
        match authorization {
            Credential::None => {}
            Credential::Header(value) => {
                view.headers
                    .insert(reqwest::header::AUTHORIZATION, value.clone());
            }
            Credential::Secret(secret) => {
                let mut value = HeaderValue::from_str(secret.expose_secret()).map_err(|_| {
                    Error::configuration("the credential is not a valid header value")
                })?;
                value.set_sensitive(true);
                view.headers.insert(reqwest::header::AUTHORIZATION, value);
            }
        }
        for interceptor in inner.interceptors.iter() {
            interceptor.read_before_transmit(&view);
        }
        Ok(Outgoing {
            method: self.request.method.clone(),
            url: self.request.url.clone(),
            headers,
            body,
            max_response_bytes: inner.max_response_bytes,
            depends_on_answer: self.request.depends_on_answer,
            followed_by: self.request.followed_by.clone(),
        })
    }

    /// After a retry's wait: the profile's decorator prepares the next attempt.
    fn prepare_retry(&mut self) {
        self.inner.profile.prepare_retry(
            &mut self.request,
            self.retries,
            self.first_request_id.as_deref(),
        );
    }

    fn unknown_if(&self, error: Error) -> Error {
        unknown_if(error, self.may_have_acted, &self.request)
    }
}

/// Sends one attempt within what is left of the call's deadline and of the attempt timeout.
async fn exchange(
    inner: &Inner,
    outgoing: Outgoing,
    deadline: Instant,
    now: Instant,
) -> std::result::Result<Response, TransportFailure> {
    let left = deadline.saturating_duration_since(now);
    let budget = inner.timeouts.attempt.min(left);
    match tokio::time::timeout(budget, inner.transport.send(outgoing)).await {
        Ok(Err(TransportFailure::Timeout(_))) | Err(_) => Err(TransportFailure::Timeout(budget)),
        Ok(result) => result,
    }
}
