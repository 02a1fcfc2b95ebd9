//! `Idempotency-Key` on the boards emulator, over HTTP: replays, a dropped answer
//! recovered by a retry with the same key, and the 409 while the first is still running.

use std::time::{Duration, Instant};

use connector_sandbox::boards::BoardsConfig;
use connector_sandbox::{BoardsEmulator, Fault, FaultRule};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation ($name: String!) { create_board(board_name: $name, board_kind: public) { id name } }";

struct Reply {
    status: u16,
    replayed: Option<String>,
    retry_after: Option<String>,
    body: Value,
}

async fn post(
    boards: &BoardsEmulator,
    key: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Result<Reply> {
    let mut request = reqwest::Client::new()
        .post(boards.api_url())
        .header("Authorization", boards.api_token())
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, replayed, retry_after) = (
        response.status().as_u16(),
        header("idempotency-replayed"),
        header("retry-after"),
    );
    Ok(Reply {
        status,
        replayed,
        retry_after,
        body: response.json().await?,
    })
}

async fn emulator() -> BoardsEmulator {
    BoardsEmulator::start(BoardsConfig::default(), 0)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_answer_without_a_second_board() {
    let boards = emulator().await;
    let vars = json!({ "name": "Onboarding" });
    let first = post(&boards, Some("key-1"), CREATE, vars.clone())
        .await
        .unwrap();
    let second = post(&boards, Some("key-1"), CREATE, vars.clone())
        .await
        .unwrap();
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.replayed, None);
    assert_eq!(second.replayed.as_deref(), Some("true"));
    assert_eq!(second.body, first.body, "the very same answer");
    // Another key, or none, is another board.
    post(&boards, Some("key-2"), CREATE, vars.clone())
        .await
        .unwrap();
    post(&boards, None, CREATE, vars).await.unwrap();
    let stats = boards.state().stats();
    assert_eq!((stats.boards_created, stats.idempotent_replays), (3, 1));
}

#[tokio::test]
async fn queries_and_refused_requests_are_not_kept() {
    let boards = emulator().await;
    let query = "query { boards(limit: 1) { id } }";
    for _ in 0..2 {
        let reply = post(&boards, Some("q"), query, json!({})).await.unwrap();
        assert_eq!((reply.status, reply.replayed), (200, None));
    }
    // A mutation refused with 429 did not run: the retry with the same key runs it.
    boards
        .state()
        .set_create_board_limit(Some(0), Duration::from_secs(60));
    let refused = post(&boards, Some("k"), CREATE, json!({ "name": "B" }))
        .await
        .unwrap();
    assert_eq!(refused.status, 429);
    boards
        .state()
        .set_create_board_limit(None, Duration::from_secs(60));
    let ran = post(&boards, Some("k"), CREATE, json!({ "name": "B" }))
        .await
        .unwrap();
    assert_eq!((ran.status, ran.replayed), (200, None));
    assert_eq!(boards.state().stats().boards_created, 1);
}

#[tokio::test]
async fn an_answer_lost_on_the_way_is_replayed_to_the_retry_with_the_same_key() {
    let boards = emulator().await;
    boards
        .faults()
        .push(FaultRule::new(Fault::DropAfter).graphql_field("create_board"));
    let vars = json!({ "name": "Lost answer" });
    assert!(
        post(&boards, Some("lost"), CREATE, vars.clone())
            .await
            .is_err(),
        "the connection is dropped after the board was created"
    );
    assert_eq!(boards.state().stats().boards_created, 1);
    let retry = post(&boards, Some("lost"), CREATE, vars).await.unwrap();
    assert_eq!(retry.status, 200);
    assert_eq!(retry.replayed.as_deref(), Some("true"));
    assert_eq!(retry.body["data"]["create_board"]["name"], "Lost answer");
    assert_eq!(boards.state().stats().boards_created, 1);
}

#[tokio::test]
async fn a_duplicate_while_the_first_runs_gets_409_then_the_replayed_answer() {
    let boards = emulator().await;
    boards.state().set_latency(Duration::from_millis(300));
    let vars = json!({ "name": "Concurrent" });
    let first = tokio::spawn({
        let (url, token, vars) = (boards.api_url(), boards.api_token(), vars.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .header("Authorization", token)
                .header("Idempotency-Key", "dup")
                .json(&json!({ "query": CREATE, "variables": vars }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    });
    // Wait (bounded) until the first request has reached the emulator and claimed its
    // key; it then spends 300 ms running. The 409 and the replay come before the latency.
    let deadline = Instant::now() + Duration::from_secs(2);
    while boards.requests() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let duplicate = post(&boards, Some("dup"), CREATE, vars.clone())
        .await
        .unwrap();
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.retry_after.as_deref(), Some("1"));
    assert_eq!(
        duplicate.body["errors"][0]["extensions"]["code"],
        "IDEMPOTENCY_CONFLICT"
    );
    let first = first.await.unwrap();
    let replay = post(&boards, Some("dup"), CREATE, vars).await.unwrap();
    assert_eq!(replay.replayed.as_deref(), Some("true"));
    assert_eq!(replay.body, first);
    let stats = boards.state().stats();
    assert_eq!((stats.boards_created, stats.idempotency_conflicts), (1, 1));
}
