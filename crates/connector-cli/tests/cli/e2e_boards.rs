//! The boards connector against the boards emulator: the complexity budget spent ahead of
//! the service and recovered window after window, the service's 429 when nothing holds the
//! calls back, and an HTTP 200 that carries `errors[]`.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_boards::Boards;
use connector_core::ErrorKind;
use connector_core::limiter::{Limit, MemoryLimiter, Unlimited};
use connector_sandbox::Sandbox;
use serde_json::{Value, json};

/// Points per window, on both sides.
const BUDGET: u64 = 5_000;
/// The emulator's (and here the connector's) window.
const WINDOW: Duration = Duration::from_secs(1);
/// What every query costs: five calls spend a window.
const COST: u64 = 1_000;
const EXHAUSTED: &str = "COMPLEXITY_BUDGET_EXHAUSTED";

/// A sandbox whose boards budget is `BUDGET` points per `WINDOW`, every query costing
/// `COST`, and the ids of a few boards to read.
async fn small_budget() -> (Sandbox, Vec<String>) {
    let sandbox = common::sandbox().await;
    let boards = sandbox.boards().state().seed_boards(3);
    sandbox.boards().state().set_budget(BUDGET, WINDOW);
    sandbox.boards().state().set_fixed_cost(Some(COST));
    (sandbox, boards)
}

/// Reads boards from `tasks` concurrent callers, `calls` reads in all.
async fn read_boards(boards: &Boards, ids: &[String], tasks: usize, calls: usize) -> Vec<String> {
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let boards = boards.clone();
            let ids = ids.to_vec();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for i in (t..calls).step_by(tasks) {
                    let id = &ids[i % ids.len()];
                    match boards.read_board(id).await {
                        Ok(board) => assert_eq!(&board.id, id),
                        Err(e) => failures.push(format!("read_board({id}): {e}")),
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for handle in handles {
        failures.extend(handle.await.unwrap());
    }
    failures
}

/// Two windows' worth: more than one window allows, so the calls must wait for the budget
/// to come back.
const TWO_WINDOWS: usize = 2 * (BUDGET / COST) as usize;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_limited_to_the_same_1s_budget_waits_for_the_budget_to_return_and_draws_no_429()
{
    let (sandbox, ids) = small_budget().await;
    let builder = common::boards_builder(&sandbox);
    // The builder's budget is per minute; a limiter of our own on the profile's complexity
    // key gives the service's 1 s window.
    let limiter = MemoryLimiter::new().with_limit(
        builder.profile().complexity_key(),
        Limit::per(WINDOW, BUDGET),
    );
    let boards = builder.limiter(Arc::new(limiter)).build().unwrap();

    let started = Instant::now();
    let failures = read_boards(&boards, &ids, 4, TWO_WINDOWS).await;
    let elapsed = started.elapsed();

    assert_eq!(failures, Vec::<String>::new());
    let stats = sandbox.boards().state().stats();
    eprintln!(
        "{TWO_WINDOWS} reads by 4 callers in {elapsed:?}: {} requests, {} {EXHAUSTED}, \
         points per window {:?}",
        stats.requests,
        stats.throttled_with(EXHAUSTED),
        stats.window_points
    );
    assert!(
        stats.max_window_points <= BUDGET,
        "a window was charged {} points",
        stats.max_window_points
    );
    assert_eq!(stats.throttled_with(EXHAUSTED), 0, "{stats:?}");
    assert_eq!(stats.requests, TWO_WINDOWS as u64, "no call was sent twice");
    assert_eq!(stats.points_spent, TWO_WINDOWS as u64 * COST);
    // The budget ran out and came back: the calls needed a second window.
    assert!(stats.window_points.len() >= 2, "{:?}", stats.window_points);
    assert!(elapsed >= WINDOW, "{elapsed:?}");
}

#[tokio::test]
async fn a_connector_with_the_budget_per_minute_learns_the_services_1s_window_from_its_answers() {
    let (sandbox, ids) = small_budget().await;
    // The builder's own setting: the budget is right, its window (a minute) is not; the
    // `reset_in_x_seconds` every answer reports brings the limiter to the service's window.
    // One caller: concurrent callers already waiting on the minute's pace are not woken
    // when an answer corrects the window (they still succeed, but far more slowly).
    let boards = common::boards_builder(&sandbox)
        .complexity_budget(BUDGET)
        .build()
        .unwrap();

    let calls = TWO_WINDOWS + 2;
    let started = Instant::now();
    let failures = read_boards(&boards, &ids, 1, calls).await;
    let elapsed = started.elapsed();

    assert_eq!(failures, Vec::<String>::new());
    let stats = sandbox.boards().state().stats();
    eprintln!(
        "{calls} reads by 1 caller in {elapsed:?}: {} requests, {} {EXHAUSTED}, \
         points per window {:?}",
        stats.requests,
        stats.throttled_with(EXHAUSTED),
        stats.window_points
    );
    assert!(stats.max_window_points <= BUDGET, "{stats:?}");
    assert_eq!(stats.throttled_with(EXHAUSTED), 0, "{stats:?}");
    assert_eq!(stats.requests, calls as u64);
    assert!(stats.window_points.len() >= 3, "{:?}", stats.window_points);
    // A minute's pace would have held the calls for seconds each.
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

#[tokio::test]
async fn without_a_limiter_the_service_answers_429_with_retry_in_seconds_and_the_call_is_retried() {
    let (sandbox, ids) = small_budget().await;
    let boards = common::boards_builder(&sandbox)
        .limiter(Arc::new(Unlimited))
        .build()
        .unwrap();
    for _ in 0..BUDGET / COST {
        boards.read_board(&ids[0]).await.unwrap();
    }

    // The window is spent: what the service answers now.
    let raw = reqwest::Client::new()
        .post(sandbox.boards().api_url())
        .header("Authorization", sandbox.boards().api_token())
        .json(&json!({ "query": "query { boards(limit: 1) { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    assert!(raw.headers().contains_key("retry-after"));
    let body: Value = raw.json().await.unwrap();
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["code"], EXHAUSTED, "{body}");
    let retry_in = extensions["retry_in_seconds"]
        .as_u64()
        .expect("retry_in_seconds");
    assert!((1..=WINDOW.as_secs()).contains(&retry_in), "{body}");

    // The connector's call draws the same 429, waits as asked, and succeeds.
    let before = sandbox.boards().state().stats();
    let started = Instant::now();
    let board = boards.read_board(&ids[1]).await.unwrap();
    let elapsed = started.elapsed();

    assert_eq!(board.id, ids[1]);
    let after = sandbox.boards().state().stats();
    assert!(
        after.throttled_with(EXHAUSTED) > before.throttled_with(EXHAUSTED),
        "the call met no 429: {after:?}"
    );
    assert_eq!(
        after.requests - before.requests,
        after.throttled_with(EXHAUSTED) - before.throttled_with(EXHAUSTED) + 1,
        "every 429 was followed by one retry, the last one answered"
    );
    assert!(after.max_window_points <= BUDGET, "{after:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

#[tokio::test]
async fn a_200_carrying_errors_for_an_unknown_board_is_not_found_with_the_services_code() {
    let sandbox = common::sandbox().await;
    let boards = common::boards_builder(&sandbox).build().unwrap();

    let error = boards.archive_board("999999999").await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert_eq!(error.code(), Some("InvalidBoardIdException"), "{error}");
    assert_eq!(
        error.status(),
        Some(200),
        "the service answered 200 with errors[]"
    );
    assert_eq!(error.attempts(), 1, "an application error is not retried");
    assert!(error.request_id().is_some(), "{error}");
    assert!(error.message().contains("Board not found"), "{error}");
    assert_eq!(sandbox.boards().state().stats().requests, 1);
}
