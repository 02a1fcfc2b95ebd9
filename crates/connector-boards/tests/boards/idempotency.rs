//! Idempotent mutations on the wire: every mutation carries an `Idempotency-Key` of its
//! own, the same on each retry; a lost answer is retried and the replayed answer is a
//! success; a 409 `IDEMPOTENCY_CONFLICT` is retried after its `Retry-After`; the Custom API
//! Action keys mutations unless the caller did, and sends the client's `API-Version`.

use crate::common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common::{TOKEN, answer, client, fallback};
use connector_boards::{
    AddUserToBoardInput, BoardKind, Boards, CreateBoardInput, DeleteUserFromBoardInput, connector,
};
use connector_core::clock::ManualClock;
use connector_core::pipeline::{Outgoing, ReqwestTransport, Transport, TransportFailure};
use connector_core::{ErrorKind, Response};
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use serde_json::{Value, json};

/// The `Idempotency-Key` of every request the mock saw, in order.
type Keys = Arc<Mutex<Vec<Option<String>>>>;

/// One canned answer: status, extra headers, JSON body.
type Answer = (u16, Vec<(&'static str, &'static str)>, Value);

fn board() -> Value {
    json!({ "id": "77", "name": "Onboarding", "board_kind": "public", "state": "active" })
}

/// One answer that serves every root field the connector's documents ask for.
fn any_answer() -> Value {
    let users = json!([{ "id": "42", "name": "Ada", "email": "ada@example.com" }]);
    json!({
        "data": {
            "create_board": board(),
            "archive_board": board(),
            "delete_board": board(),
            "boards": [board()],
            "add_users_to_board": users,
            "delete_subscribers_from_board": users,
            "me": { "id": "42" },
            "complexity": common::complexity(1_000)
        },
        "extensions": { "request_id": "req-1" }
    })
}

/// Answers POST /v2 with `answers` in turn (the last one again once they run out) and
/// records each request's `Idempotency-Key`.
async fn recording<'a>(server: &'a MockServer, keys: &Keys, answers: Vec<Answer>) -> Mock<'a> {
    let (keys, next) = (keys.clone(), AtomicU32::new(0));
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/v2").header("authorization", TOKEN);
            then.respond_with(move |request: &HttpMockRequest| {
                let key = request
                    .headers()
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                keys.lock().unwrap().push(key);
                let n = next.fetch_add(1, Ordering::SeqCst) as usize;
                let (status, headers, body) = answers[n.min(answers.len() - 1)].clone();
                let mut response = HttpMockResponse::builder()
                    .status(status)
                    .header("content-type", "application/json");
                for (name, value) in headers {
                    response = response.header(name, value);
                }
                response.body(body.to_string()).build()
            });
        })
        .await
}

fn keys_seen(keys: &Keys) -> Vec<Option<String>> {
    keys.lock().unwrap().clone()
}

fn is_uuid(key: &str) -> bool {
    key.len() == 36
        && key.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Sends every request for real, then loses the answers of the first `lose` of them as
/// `how` says: the service acted, the caller never learns it.
#[derive(Debug)]
struct LosesAnswers {
    inner: ReqwestTransport,
    lose: AtomicU32,
    how: TransportFailure,
}

#[async_trait]
impl Transport for LosesAnswers {
    async fn send(&self, request: Outgoing) -> Result<Response, TransportFailure> {
        let answer = self.inner.send(request).await?;
        let lost = self
            .lose
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if lost {
            Err(self.how.clone())
        } else {
            Ok(answer)
        }
    }
}

fn losing_client(server: &MockServer, lose: u32, how: TransportFailure) -> (Boards, ManualClock) {
    let clock = ManualClock::new();
    let transport = LosesAnswers {
        inner: ReqwestTransport::new(Duration::from_secs(5)).unwrap(),
        lose: AtomicU32::new(lose),
        how,
    };
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(clock.clone()))
        .transport(Arc::new(transport))
        .build()
        .unwrap();
    (boards, clock)
}

#[tokio::test]
async fn every_mutation_carries_a_key_of_its_own_and_queries_carry_none() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    recording(&server, &keys, vec![(200, vec![], any_answer())]).await;
    let (boards, _) = client(&server);

    boards
        .create_board(CreateBoardInput::new("Onboarding", BoardKind::Public))
        .await
        .unwrap();
    boards
        .add_users_to_board(AddUserToBoardInput::new("77", ["42"]))
        .await
        .unwrap();
    boards
        .delete_users_from_board(DeleteUserFromBoardInput::new("77", ["42"]))
        .await
        .unwrap();
    boards.archive_board("77").await.unwrap();
    boards.delete_board("77").await.unwrap();
    boards
        .graphql(
            "mutation ($id: ID!) { archive_board(board_id: $id) { id } }",
            json!({ "id": "77" }),
        )
        .await
        .unwrap();
    let mutations = keys_seen(&keys);
    boards.read_board("77").await.unwrap();
    boards
        .graphql("query { me { id } }", json!({}))
        .await
        .unwrap();

    assert_eq!(mutations.len(), 6);
    let mut distinct: Vec<String> = mutations.into_iter().map(Option::unwrap).collect();
    assert!(distinct.iter().all(|k| is_uuid(k)), "{distinct:?}");
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "one fresh key per call");
    assert_eq!(keys_seen(&keys)[6..], [None, None], "queries carry no key");
}

#[tokio::test]
async fn a_mutation_whose_answer_was_lost_is_retried_with_the_same_key_and_the_replay_is_a_success()
{
    for how in [
        TransportFailure::Broken("connection closed before the answer".into()),
        TransportFailure::Timeout(Duration::from_secs(30)),
    ] {
        let server = MockServer::start_async().await;
        let keys = Keys::default();
        let created = answer("create_board", board(), "req-first");
        let mock = recording(
            &server,
            &keys,
            vec![
                (200, vec![], created.clone()),
                (200, vec![("idempotency-replayed", "true")], created),
            ],
        )
        .await;
        fallback(&server).await;
        let (boards, clock) = losing_client(&server, 1, how.clone());

        let board = boards
            .create_board(CreateBoardInput::new("Onboarding", BoardKind::Public))
            .await
            .unwrap();

        assert_eq!(board.id, "77", "{how}");
        assert_eq!(mock.calls_async().await, 2, "{how}");
        let seen = keys_seen(&keys);
        assert!(seen[0].is_some(), "{how}");
        assert_eq!(seen[0], seen[1], "the retry keeps the key ({how})");
        assert_eq!(clock.sleeps().len(), 1, "one backoff ({how})");
    }
}

#[tokio::test]
async fn a_mutation_that_never_gets_an_answer_is_retried_then_says_its_outcome_is_unknown() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    recording(
        &server,
        &keys,
        vec![(200, vec![], answer("archive_board", board(), "r"))],
    )
    .await;
    let (boards, _) = losing_client(&server, u32::MAX, TransportFailure::Broken("reset".into()));

    let error = boards.archive_board("77").await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(
        error.attempts(),
        4,
        "the first attempt and 3 retries: {error}"
    );
    assert!(error.outcome_unknown(), "{error}");
    assert!(error.message().contains("may have taken effect"), "{error}");
    let seen = keys_seen(&keys);
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter().all(|k| k.is_some() && *k == seen[0]),
        "{seen:?}"
    );
}

fn conflict() -> Answer {
    (
        409,
        vec![("retry-after", "1")],
        json!({ "errors": [{
            "message": "A request with this Idempotency-Key is still being processed; retry later",
            "extensions": { "code": "IDEMPOTENCY_CONFLICT", "status_code": 409 }
        }] }),
    )
}

#[tokio::test]
async fn a_409_idempotency_conflict_waits_its_retry_after_then_takes_the_replayed_answer() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    let mock = recording(
        &server,
        &keys,
        vec![
            conflict(),
            (
                200,
                vec![("idempotency-replayed", "true")],
                answer("create_board", board(), "req-replayed"),
            ),
        ],
    )
    .await;
    fallback(&server).await;
    let (boards, clock) = client(&server);

    let board = boards
        .create_board(CreateBoardInput::new("Onboarding", BoardKind::Public))
        .await
        .unwrap();

    assert_eq!(board.id, "77");
    assert_eq!(mock.calls_async().await, 2);
    let seen = keys_seen(&keys);
    assert_eq!(seen[0], seen[1], "the retry keeps the key");
    assert!(
        clock.sleeps().contains(&Duration::from_secs(1)),
        "waited the Retry-After: {:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn a_conflict_that_outlasts_the_retries_is_a_conflict_error_that_says_why() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    let mock = recording(&server, &keys, vec![conflict()]).await;
    let (boards, clock) = client(&server);

    let error = boards.archive_board("77").await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Conflict, "{error}");
    assert_eq!(error.status(), Some(409));
    assert_eq!(error.code(), Some("IDEMPOTENCY_CONFLICT"));
    assert_eq!(error.attempts(), 4, "{error}");
    assert!(error.message().contains("Idempotency-Key"), "{error}");
    assert!(
        !error.outcome_unknown(),
        "every attempt was answered: {error}"
    );
    assert_eq!(mock.calls_async().await, 4);
    assert!(
        clock
            .sleeps()
            .iter()
            .filter(|s| **s == Duration::from_secs(1))
            .count()
            >= 3
    );
}

#[tokio::test]
async fn a_conflict_after_a_lost_answer_says_the_outcome_is_unknown_and_to_look_before_rerunning() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    let mock = recording(&server, &keys, vec![conflict()]).await;
    // The first attempt reached the service and lost its answer; every retry then hears
    // that the first is still running.
    let (boards, _) = losing_client(&server, 1, TransportFailure::Broken("reset".into()));

    let error = boards.archive_board("77").await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Conflict, "{error}");
    assert_eq!(error.code(), Some("IDEMPOTENCY_CONFLICT"));
    assert!(error.outcome_unknown(), "{error}");
    assert!(error.message().contains("may have taken effect"), "{error}");
    assert!(error.message().contains("list-boards"), "{error}");
    assert_eq!(mock.calls_async().await, 4);
    let seen = keys_seen(&keys);
    assert!(
        seen.iter().all(|k| k.is_some() && *k == seen[0]),
        "{seen:?}"
    );
}

#[tokio::test]
async fn custom_api_action_keys_a_mutation_unless_the_caller_gave_a_key() {
    let server = MockServer::start_async().await;
    let keys = Keys::default();
    recording(&server, &keys, vec![(200, vec![], any_answer())]).await;
    let (boards, _) = client(&server);
    let mutation = json!({ "query": "mutation { archive_board(board_id: 77) { id } }" });

    for input in [
        json!({ "body": mutation }),
        json!({ "body": mutation, "headers": { "Idempotency-Key": "caller-key-1" } }),
        json!({ "body": { "query": "query { me { id } }" } }),
    ] {
        let output = connector()
            .run(&boards, "custom-api-action", input)
            .await
            .unwrap();
        assert_eq!(output["statusCode"], 200);
    }

    let seen = keys_seen(&keys);
    assert!(seen[0].as_deref().is_some_and(is_uuid), "{seen:?}");
    assert_eq!(seen[1].as_deref(), Some("caller-key-1"));
    assert_eq!(seen[2], None, "a query carries no key");
}

#[tokio::test]
async fn custom_api_action_sends_the_version_chosen_with_with_api_version() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2")
                .header("authorization", TOKEN)
                .header("api-version", "2026-07")
                .header_count("api-version", ".*", 1);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({ "data": { "me": { "id": "42" } } }));
        })
        .await;
    let unexpected = fallback(&server).await;
    let (boards, _) = client(&server);
    let older = boards.with_api_version("2026-07").unwrap();
    let input = json!({ "body": { "query": "query { me { id } }" } });

    let output = connector()
        .run(&older, "custom-api-action", input.clone())
        .await
        .unwrap();
    assert_eq!(output["body"]["data"]["me"]["id"], "42");
    let typed = older
        .custom_api_call(serde_json::from_value(input).unwrap())
        .await
        .unwrap();
    assert_eq!(typed.status_code, 200);

    mock.assert_calls_async(2).await;
    assert_eq!(unexpected.calls_async().await, 0);
}
