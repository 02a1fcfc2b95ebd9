//! `Idempotency-Key` on mutations, as the service implements it: the first request with a
//! key runs and its answer is kept for 30 minutes per token and key; a later request with
//! the same key gets that answer again with `Idempotency-Replayed: true` and no second
//! side effect; one arriving while the first is still running gets 409
//! `IDEMPOTENCY_CONFLICT` with `Retry-After`.
//!
//! Queries, requests without the header and requests with a wrong token pass straight
//! to the GraphQL handler. An answer that says the mutation did not run (401, 429) is not
//! kept, so a retry with the same key runs it; neither is a request whose handling was
//! abandoned before it finished.

use async_graphql::parser::parse_query;
use async_graphql::parser::types::OperationType;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use super::cost::pick_operation;
use super::http::{App, graphql};
use super::replay::Claim;
use super::state::BoardsState;

/// The `Retry-After` (seconds) of a 409 sent while the first request is running.
const CONFLICT_RETRY_AFTER: u64 = 1;
/// Answers larger than this are passed on but not kept (the emulator's own answers are
/// far smaller; this only bounds memory).
const MAX_KEPT_BODY: usize = 4 * 1024 * 1024;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// Releases a claimed key unless the request's answer was kept (a request abandoned
/// half-way, for example when the client went away, leaves no `Running` entry behind).
struct ClaimGuard<'a> {
    state: &'a BoardsState,
    token: &'a str,
    key: &'a str,
    kept: bool,
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.state
                .idempotency(|cache| cache.release(self.token, self.key));
        }
    }
}

/// Whether the body is a GraphQL request whose operation is a mutation.
fn is_mutation(body: &[u8]) -> bool {
    let Ok(request) = serde_json::from_slice::<async_graphql::Request>(body) else {
        return false;
    };
    let Ok(document) = parse_query(&request.query) else {
        return false;
    };
    pick_operation(&document, request.operation_name.as_deref())
        .is_some_and(|operation| operation.ty == OperationType::Mutation)
}

fn conflict(key: &str) -> Response {
    let body = json!({"errors": [{
        "message": format!("A request with this Idempotency-Key ({key}) is still being processed; retry later"),
        "extensions": {"code": "IDEMPOTENCY_CONFLICT", "status_code": 409},
    }]});
    let mut response = (StatusCode::CONFLICT, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(CONFLICT_RETRY_AFTER));
    response
}

fn replay(status: StatusCode, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
    response
}

/// `POST /v2`: the idempotency cache in front of the GraphQL handler.
pub(super) async fn handle(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let state = app.state.clone();
    let latency = state.latency();
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned);
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let keyed = match (&key, &body) {
        (Some(_), Ok(bytes)) => state.api_token() == token && is_mutation(bytes),
        _ => false,
    };
    let Some(key) = key.filter(|_| keyed) else {
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        return graphql(State(app), headers, body).await;
    };
    match state.idempotency(|cache| cache.claim(&token, &key, Instant::now())) {
        Claim::Running => {
            state.count_idempotency_conflict();
            return conflict(&key);
        }
        Claim::Replay { status, body } => {
            state.count_idempotent_replay();
            return replay(status, body);
        }
        Claim::Fresh => {}
    }
    let mut guard = ClaimGuard {
        state: &state,
        token: &token,
        key: &key,
        kept: false,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = graphql(State(app), headers, body).await;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_KEPT_BODY).await else {
        let error = json!({"errors": [{
            "message": "the answer was too large to keep for Idempotency-Key replays",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "status_code": 500},
        }]});
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(error)).into_response();
    };
    state.idempotency(|cache| cache.complete(&token, &key, status, bytes.clone(), Instant::now()));
    guard.kept = true;
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::replay::{IdempotencyCache, REPLAY_WINDOW};
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_answer_is_replayed_for_30_minutes_then_forgotten() {
        let mut cache = IdempotencyCache::default();
        let start = Instant::now();
        assert!(matches!(cache.claim("t", "k", start), Claim::Fresh));
        assert!(matches!(cache.claim("t", "k", start), Claim::Running));
        assert!(matches!(cache.claim("other", "k", start), Claim::Fresh));
        cache.complete("t", "k", StatusCode::OK, Bytes::from_static(b"{}"), start);
        let later = start + REPLAY_WINDOW - Duration::from_secs(1);
        assert!(matches!(
            cache.claim("t", "k", later),
            Claim::Replay {
                status: StatusCode::OK,
                ..
            }
        ));
        assert!(matches!(
            cache.claim("t", "k", start + REPLAY_WINDOW),
            Claim::Fresh
        ));
    }

    #[test]
    fn a_released_key_runs_again_but_a_kept_answer_is_not_released() {
        let mut cache = IdempotencyCache::default();
        let now = Instant::now();
        assert!(matches!(cache.claim("t", "k", now), Claim::Fresh));
        cache.release("t", "k");
        assert!(matches!(cache.claim("t", "k", now), Claim::Fresh));
        cache.complete("t", "k", StatusCode::OK, Bytes::new(), now);
        cache.release("t", "k");
        assert!(matches!(cache.claim("t", "k", now), Claim::Replay { .. }));
    }

    #[test]
    fn only_mutations_are_keyed() {
        assert!(is_mutation(
            br#"{"query":"mutation { create_board(board_name: \"x\", board_kind: public) { id } }"}"#
        ));
        assert!(!is_mutation(br#"{"query":"query { boards { id } }"}"#));
        assert!(!is_mutation(br#"{"query":"{ me { id } }"}"#));
        assert!(!is_mutation(b"not json"));
    }
}
