//! The complexity budget, the request limit and the `create_board` limit: what a query
//! costs, 429 with `Retry-After` and `retry_in_seconds`, and recovery after the window.

use crate::boards_support;

use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use boards_support::{Boards, Reply};
use connector_sandbox::boards::BoardsConfig;
use serde_json::json;

const COMPLEXITY: &str = "{ complexity { before after query reset_in_x_seconds } }";

fn retry_after(reply: &Reply) -> Option<u64> {
    reply.headers.get(RETRY_AFTER)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn complexity_reports_the_cost_of_this_query_and_what_is_left() {
    let boards = Boards::with_defaults();
    let query = "{
      complexity { before after query reset_in_x_seconds }
      boards(limit: 25) { id name owners { id name email } subscribers { id name email } }
    }";
    let reply = boards.gql(query, json!({})).await;
    let complexity = &reply.data()["complexity"];
    // boards: 10 + 25 × (1 + 1 + 19 + 19) = 1,010; complexity: 1 + 4 = 5.
    assert_eq!(complexity["query"], 1_015);
    assert_eq!(complexity["before"], 10_000_000);
    assert_eq!(complexity["after"], 10_000_000 - 1_015);
    assert_eq!(complexity["reset_in_x_seconds"], 60);

    let reply = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(reply.data()["complexity"]["before"], 10_000_000 - 1_015);
    let stats = boards.state.stats();
    assert_eq!(stats.points_spent, 1_020);
    assert_eq!(stats.window_points, [1_020]);
}

#[tokio::test(start_paused = true)]
async fn exhausted_budget_is_429_until_the_window_ends() {
    let boards = Boards::with_defaults();
    boards.state.set_budget(1_000, Duration::from_secs(10));
    boards.state.set_fixed_cost(Some(400));

    for expected_after in [600, 200] {
        let reply = boards.gql(COMPLEXITY, json!({})).await;
        assert_eq!(reply.data()["complexity"]["after"], expected_after);
    }
    tokio::time::advance(Duration::from_millis(2_500)).await;
    let refused = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused), Some(8));
    assert_eq!(
        refused.body["errors"][0],
        json!({
            "message": "Complexity budget exhausted",
            "extensions": {
                "code": "COMPLEXITY_BUDGET_EXHAUSTED",
                "complexity": 400,
                "complexity_budget_limit": 1_000,
                "retry_in_seconds": 8,
                "status_code": 429,
            },
        })
    );
    assert_eq!(refused.body["account_id"], 1);
    assert!(refused.body["extensions"]["request_id"].is_string());
    assert!(refused.body.get("data").is_none());

    // A refused query spends nothing; after the window a new one opens at the next call.
    tokio::time::advance(Duration::from_secs(8)).await;
    let reply = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(reply.data()["complexity"]["before"], 1_000);
    assert_eq!(reply.data()["complexity"]["reset_in_x_seconds"], 10);

    let stats = boards.state.stats();
    assert_eq!(stats.throttled_with("COMPLEXITY_BUDGET_EXHAUSTED"), 1);
    assert_eq!(stats.window_points, [800, 400]);
    assert_eq!(stats.max_window_points, 800);
    assert_eq!(stats.points_spent, 1_200);
}

#[tokio::test]
async fn budget_recovers_after_a_real_one_second_window() {
    let mut config = BoardsConfig::default();
    config.complexity_budget = 100;
    config.complexity_window = Duration::from_secs(1);
    config.fixed_cost = Some(60);
    let boards = Boards::new(config);

    assert_eq!(
        boards.gql(COMPLEXITY, json!({})).await.status,
        StatusCode::OK
    );
    let refused = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused), Some(1));
    assert_eq!(
        refused.body["errors"][0]["extensions"]["retry_in_seconds"],
        1
    );

    tokio::time::sleep(Duration::from_millis(1_050)).await;
    assert_eq!(
        boards.gql(COMPLEXITY, json!({})).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_query_above_the_per_query_maximum_is_refused_uncharged() {
    let boards = Boards::with_defaults();
    let reply = boards
        .gql(
            "{ boards(limit: 100000) { id owners { id teams { id name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.code(), "maxComplexityExceeded");
    assert!(reply.body.get("data").is_none());
    assert_eq!(boards.state.stats().points_spent, 0);
}

#[tokio::test(start_paused = true)]
async fn request_limit_is_429_rate_limit_exceeded() {
    let boards = Boards::with_defaults();
    boards
        .state
        .set_request_limit(Some(2), Duration::from_secs(60));
    for _ in 0..2 {
        assert_eq!(
            boards.gql(COMPLEXITY, json!({})).await.status,
            StatusCode::OK
        );
    }
    let refused = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.code(), "Rate Limit Exceeded");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["retry_in_seconds"],
        60
    );
    assert_eq!(retry_after(&refused), Some(60));

    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(
        boards.gql(COMPLEXITY, json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        boards.state.stats().throttled_with("Rate Limit Exceeded"),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn create_board_is_limited_per_window() {
    let boards = Boards::with_defaults();
    boards
        .state
        .set_create_board_limit(Some(2), Duration::from_secs(60));
    boards.create_board("One", json!({})).await;
    boards.create_board("Two", json!({})).await;

    let refused = boards
        .gql(
            "mutation { create_board(board_name: \"Three\", board_kind: public) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.code(), "Rate Limit Exceeded");
    assert_eq!(retry_after(&refused), Some(60));
    let listed = boards.gql("{ boards { id } }", json!({})).await;
    assert_eq!(listed.data()["boards"].as_array().map(Vec::len), Some(2));

    tokio::time::advance(Duration::from_secs(60)).await;
    boards.create_board("Three", json!({})).await;
    let stats = boards.state.stats();
    assert_eq!(stats.boards_created, 3);
    assert_eq!(stats.throttled_total(), 1);
}

#[tokio::test]
async fn reset_restores_the_seed_and_clears_counters_but_keeps_knobs() {
    let boards = Boards::with_defaults();
    boards.state.set_budget(5_000, Duration::from_secs(30));
    boards.create_board("Temporary", json!({})).await;
    boards.state.reset();

    let stats = boards.state.stats();
    assert_eq!((stats.requests, stats.points_spent), (0, 0));
    let reply = boards.gql(COMPLEXITY, json!({})).await;
    assert_eq!(reply.data()["complexity"]["before"], 5_000);
    let listed = boards.gql("{ boards(state: all) { id } }", json!({})).await;
    assert_eq!(listed.data()["boards"], json!([]));
}
