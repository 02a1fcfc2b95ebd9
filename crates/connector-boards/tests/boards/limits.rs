//! The complexity budget and the other limits are spent ahead of the service: calls wait for
//! the reset instead of drawing 429s. Time is a manual clock shared by the client and the
//! mock service, so nothing sleeps for real.

use crate::common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use common::{Canned, TOKEN, answer, in_turn};
use connector_boards::{BoardKind, Boards, BoardsProfile, CreateBoardInput};
use connector_core::clock::{Clock, ManualClock};
use connector_core::custom::CustomApiInput;
use connector_core::limiter::{Limit, MemoryLimiter};
use httpmock::MockServer;
use serde_json::{Value, json};

const WINDOW: Duration = Duration::from_secs(60);

/// Virtual time that moves only when every worker task sleeps (see core's docs).
type SimClock = connector_core::clock::SimulatedClock;

/// A boards service with a complexity budget per window that opens at the first call after
/// the previous one ended, like the real one; every query costs the same.
struct BudgetService {
    clock: Arc<dyn Clock>,
    budget: u64,
    cost: u64,
    window: Mutex<Option<(Instant, u64)>>,
    served: AtomicU64,
    exhausted: AtomicU64,
    windows: AtomicU64,
}

fn seconds_until(end: Instant, now: Instant) -> u64 {
    let left = end.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

async fn graphql(State(service): State<Arc<BudgetService>>, Json(_body): Json<Value>) -> Response {
    let now = service.clock.now();
    let mut window = service.window.lock().unwrap();
    let (start, used) = match *window {
        Some((start, used)) if now < start + WINDOW => (start, used),
        _ => {
            service.windows.fetch_add(1, Ordering::SeqCst);
            (now, 0)
        }
    };
    let end = start + WINDOW;
    if used + service.cost > service.budget {
        *window = Some((start, used));
        service.exhausted.fetch_add(1, Ordering::SeqCst);
        let body = json!({
            "errors": [{
                "message": "Complexity budget exhausted",
                "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": seconds_until(end, now) }
            }],
            "extensions": { "request_id": "req-429" }
        });
        return (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    }
    let used = used + service.cost;
    *window = Some((start, used));
    service.served.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "data": {
            "boards": [{ "id": "1", "name": "Plan" }],
            "complexity": { "query": service.cost, "after": service.budget - used, "reset_in_x_seconds": seconds_until(end, now) }
        },
        "extensions": { "request_id": "req-ok" }
    }))
    .into_response()
}

async fn start_budget_service(
    clock: Arc<dyn Clock>,
    budget: u64,
    cost: u64,
) -> (String, Arc<BudgetService>) {
    let service = Arc::new(BudgetService {
        clock,
        budget,
        cost,
        window: Mutex::new(None),
        served: AtomicU64::new(0),
        exhausted: AtomicU64::new(0),
        windows: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/v2", post(graphql))
        .with_state(service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/v2"), service)
}

#[tokio::test]
async fn thirty_calls_from_eight_tasks_stay_within_a_10000_point_budget_and_take_about_three_windows()
 {
    let clock = SimClock::new();
    let (url, service) = start_budget_service(Arc::new(clock.clone()), 10_000, 1_000).await;
    let boards = Boards::builder(TOKEN)
        .api_url(url)
        .complexity_budget(10_000)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for task in 0..8 {
        let boards = boards.clone();
        let worker = clock.worker();
        // 30 calls over 8 tasks: six tasks make 4, two make 3.
        let calls = if task < 6 { 4 } else { 3 };
        tasks.push(tokio::spawn(async move {
            let _worker = worker;
            for _ in 0..calls {
                boards.read_board("1").await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(service.served.load(Ordering::SeqCst), 30);
    assert_eq!(
        service.exhausted.load(Ordering::SeqCst),
        0,
        "the service answered COMPLEXITY_BUDGET_EXHAUSTED"
    );
    // 10 calls fit a window: the 30 calls need three windows, and no fourth. The windows
    // run a little past 60 s each, as the service reports whole seconds to the reset.
    assert_eq!(service.windows.load(Ordering::SeqCst), 3);
    let elapsed = clock.elapsed();
    assert!(
        elapsed >= 2 * WINDOW && elapsed <= 3 * WINDOW + Duration::from_secs(3),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn without_the_limiter_the_same_load_draws_complexity_errors() {
    // The control of the test above: it shows the mock service does refuse over-spending.
    let clock = ManualClock::new();
    let (url, service) = start_budget_service(Arc::new(clock.clone()), 10_000, 1_000).await;
    let boards = Boards::builder(TOKEN)
        .api_url(url)
        .limiter(Arc::new(connector_core::limiter::Unlimited))
        .retry_policy(connector_core::RetryPolicy::never())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let mut failures = 0;
    for _ in 0..30 {
        if boards.read_board("1").await.is_err() {
            failures += 1;
        }
    }
    assert_eq!(failures, 20);
    assert_eq!(service.exhausted.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn the_complexity_report_corrects_the_limiter() {
    let server = MockServer::start_async().await;
    let body = json!({
        "data": { "boards": [{ "id": "1", "name": "Plan" }], "complexity": { "query": 1_010, "after": 9_000_000, "reset_in_x_seconds": 42 } },
        "extensions": { "request_id": "r" }
    });
    in_turn(&server, vec![(200, vec![], body)]).await;
    let clock = ManualClock::new();
    // A caller-supplied limiter, configured by key prefix as a shared one would be.
    let limiter = Arc::new(
        MemoryLimiter::new()
            .with_clock(Arc::new(clock.clone()))
            .with_limit("boards:complexity:*", Limit::per_minute(10_000_000)),
    );
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .limiter(limiter.clone())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    boards.read_board("1").await.unwrap();
    let key = BoardsProfile::for_token(TOKEN).complexity_key().to_owned();
    // The service says 9,000,000 are left, less than our own count (10,000,000 - 1,010).
    assert_eq!(limiter.remaining(&key), Some(9_000_000));
}

#[tokio::test]
async fn a_complexity_429_makes_the_next_calls_wait_for_the_reset() {
    let server = MockServer::start_async().await;
    let exhausted: Canned = (
        429,
        vec![],
        json!({ "errors": [{ "message": "Complexity budget exhausted", "extensions": { "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 20 } }] }),
    );
    let ok: Canned = (
        200,
        vec![],
        answer("boards", json!([{ "id": "1", "name": "Plan" }]), "r"),
    );
    let mock = in_turn(&server, vec![exhausted, ok]).await;
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    boards.read_board("1").await.unwrap();
    assert_eq!(mock.calls_async().await, 2);
    assert!(
        clock.elapsed() >= Duration::from_secs(20),
        "{:?}",
        clock.elapsed()
    );
}

#[tokio::test]
async fn the_rate_limit_header_paces_calls_whose_documents_do_not_report_complexity() {
    let server = MockServer::start_async().await;
    let spent: Canned = (
        200,
        vec![(
            "ratelimit",
            r#""minuteRate";r=998;t=38, "concurrency";r=249, "complexityMinute";r=0;t=30"#
                .to_owned(),
        )],
        json!({ "data": { "me": { "id": "42" } } }),
    );
    let mock = in_turn(&server, vec![spent]).await;
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let input = CustomApiInput {
        body: Some(json!({ "query": "query { me { id } }" })),
        ..CustomApiInput::default()
    };
    boards.custom_api_call(input.clone()).await.unwrap();
    assert_eq!(clock.elapsed(), Duration::ZERO);
    boards.custom_api_call(input).await.unwrap();
    assert!(
        clock.elapsed() >= Duration::from_secs(30),
        "{:?}",
        clock.elapsed()
    );
    assert_eq!(mock.calls_async().await, 2);
}

#[tokio::test]
async fn create_board_is_limited_to_40_a_minute() {
    let server = MockServer::start_async().await;
    let ok: Canned = (
        200,
        vec![],
        answer("create_board", json!({ "id": "1", "name": "b" }), "r"),
    );
    let mock = in_turn(&server, vec![ok]).await;
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    for _ in 0..40 {
        boards
            .create_board(CreateBoardInput::new("b", BoardKind::Public))
            .await
            .unwrap();
    }
    assert!(
        clock.elapsed() < Duration::from_secs(60),
        "{:?}",
        clock.elapsed()
    );
    boards
        .create_board(CreateBoardInput::new("b", BoardKind::Public))
        .await
        .unwrap();
    assert!(
        clock.elapsed() >= Duration::from_secs(60),
        "{:?}",
        clock.elapsed()
    );
    assert_eq!(mock.calls_async().await, 41);
}

#[tokio::test]
async fn reads_are_not_held_by_the_create_board_limit_but_by_the_calls_per_minute() {
    let server = MockServer::start_async().await;
    let ok: Canned = (
        200,
        vec![],
        answer("boards", json!([{ "id": "1", "name": "b" }]), "r"),
    );
    in_turn(&server, vec![ok]).await;
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .requests_per_minute(5)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    for _ in 0..5 {
        boards.read_board("1").await.unwrap();
    }
    assert!(
        clock.elapsed() < Duration::from_secs(60),
        "{:?}",
        clock.elapsed()
    );
    boards.read_board("1").await.unwrap();
    assert!(
        clock.elapsed() >= Duration::from_secs(60),
        "{:?}",
        clock.elapsed()
    );
}

#[test]
fn limiter_keys_differ_per_token_and_never_contain_it() {
    let a = BoardsProfile::for_token(TOKEN);
    let b = BoardsProfile::for_token("another-token-0000");
    for key in [
        a.complexity_key(),
        a.calls_key(),
        a.create_board_key(),
        a.concurrency_key(),
    ] {
        assert!(key.starts_with("boards:"), "{key}");
        assert!(!key.contains(TOKEN), "{key}");
        assert!(!key.contains("s3cr3t"), "{key}");
    }
    assert_ne!(a.complexity_key(), b.complexity_key());
    // A limiter shared across processes must find the same key for the same token.
    assert_eq!(
        a.complexity_key(),
        BoardsProfile::for_token(TOKEN).complexity_key()
    );
}

#[tokio::test]
async fn time_waiting_for_admission_does_not_count_against_the_retry_window() {
    let server = MockServer::start_async().await;
    let ok: Canned = (
        200,
        vec![],
        answer("boards", json!([{ "id": "1", "name": "b" }]), "r"),
    );
    let busy: Canned = (
        429,
        vec![],
        json!({ "errors": [{ "message": "Max concurrency exceeded", "extensions": { "code": "maxConcurrencyExceeded", "retry_in_seconds": 5 } }] }),
    );
    let mock = in_turn(&server, vec![ok.clone(), busy, ok]).await;
    let clock = ManualClock::new();
    let boards = Boards::builder(TOKEN)
        .api_url(server.url("/v2"))
        .requests_per_minute(1)
        // The call's deadline bounds admission waits too: this one allows two of them.
        .timeouts(connector_core::Timeouts::new(
            Duration::from_secs(30),
            Duration::from_secs(300),
        ))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    boards.read_board("1").await.unwrap();
    // The second call waits a minute for admission, then meets a 429 asking for 5 s: the
    // retry window starts at its sending, so it is retried rather than given up.
    boards.read_board("1").await.unwrap();
    assert_eq!(mock.calls_async().await, 3);
    assert!(
        clock.sleeps().contains(&Duration::from_secs(5)),
        "{:?}",
        clock.sleeps()
    );
}
