//! Rate limits ahead of Okta, against small stateful loopback servers that count down
//! like Okta does. Time is virtual and shared by client and server, so nothing sleeps for
//! real.
//!
//! Core's `ManualClock` moves time forward by every sleep at once, which suits one call
//! at a time; with twenty concurrent callers their sleeps would add up (twenty one-second
//! waits would make twenty seconds pass) and requests admitted in one window would reach
//! the server in a later one. So these tests use core's `SimulatedClock`: sleepers wait
//! for virtual time, which jumps to the earliest deadline only when every caller is
//! asleep, while requests in flight take no virtual time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use connector_core::clock::{Clock, SimulatedClock};
use connector_okta::Okta;
use tokio::sync::watch;

const USER: &str = r#"{"id":"00u1","status":"ACTIVE","profile":{"login":"a@example.com","email":"a@example.com"}}"#;

/// Okta's fixed windows: opened by the first call, `limit` calls each, the reset given in
/// whole epoch seconds, then 429 `E0000047` until the reset.
struct Bucket {
    clock: SimulatedClock,
    limit: u64,
    window: Duration,
    remaining: u64,
    reset: Option<SystemTime>,
    served: u64,
    limited: u64,
}

async fn limited_user(State(bucket): State<Arc<Mutex<Bucket>>>) -> impl IntoResponse {
    let mut b = bucket.lock().unwrap();
    let now = b.clock.system_time();
    if b.reset.is_none_or(|reset| now >= reset) {
        // The window ends on a whole second, `window` after the second this call falls in.
        let second = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 1;
        b.reset =
            Some(UNIX_EPOCH + Duration::from_secs(second) + b.window - Duration::from_secs(1));
        b.remaining = b.limit;
    }
    let reset = b
        .reset
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut headers = HeaderMap::new();
    headers.insert(
        "date",
        HeaderValue::from_str(&httpdate::fmt_http_date(now)).unwrap(),
    );
    headers.insert("x-rate-limit-limit", b.limit.into());
    headers.insert("x-rate-limit-reset", reset.into());
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if b.remaining == 0 {
        b.limited += 1;
        headers.insert("x-rate-limit-remaining", 0.into());
        let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#;
        return (StatusCode::TOO_MANY_REQUESTS, headers, body);
    }
    b.remaining -= 1;
    b.served += 1;
    headers.insert("x-rate-limit-remaining", b.remaining.into());
    (StatusCode::OK, headers, USER)
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_reads_wait_for_the_reset_instead_of_drawing_429s() {
    let clock = SimulatedClock::new();
    let bucket = Arc::new(Mutex::new(Bucket {
        clock: clock.clone(),
        limit: 5,
        window: Duration::from_secs(2),
        remaining: 0,
        reset: None,
        served: 0,
        limited: 0,
    }));
    let url = serve(
        Router::new()
            .route("/api/v1/users/{id}", get(limited_user))
            .with_state(bucket.clone()),
    )
    .await;
    let okta = Okta::builder(url)
        .api_token("t")
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let okta = okta.clone();
            // Registered before any task runs, so time cannot move until all are asleep.
            let worker = clock.worker();
            tokio::spawn(async move {
                let result = okta.read_user(&format!("00u{i}")).await;
                drop(worker);
                result
            })
        })
        .collect();
    let all = async {
        for call in calls {
            let user = call.await.unwrap().expect("every call succeeds");
            assert_eq!(user.id, "00u1");
        }
    };
    // A guard against a stall, not a wait: the calls finish in milliseconds of real time.
    tokio::time::timeout(Duration::from_secs(30), all)
        .await
        .expect("no stall");
    let b = bucket.lock().unwrap();
    assert_eq!(b.limited, 0, "no call drew a 429");
    assert_eq!(b.served, 20, "no call needed a retry");
    // Twenty calls at five per window take four windows: the calls waited for the resets.
    assert!(
        clock.elapsed() >= Duration::from_secs(4),
        "{:?}",
        clock.elapsed()
    );
}

/// Counts the requests in flight; each waits until `cap` are in flight (or all that are
/// left), so a client that sends more than `cap` at once is caught, and one that sends
/// fewer stalls (and the test times out).
struct InFlight {
    total: usize,
    cap: usize,
    counts: watch::Sender<(usize, usize)>,
    max: Mutex<usize>,
    first: Mutex<bool>,
}

async fn held_user(State(state): State<Arc<InFlight>>) -> impl IntoResponse {
    let first = std::mem::replace(&mut *state.first.lock().unwrap(), false);
    state.counts.send_modify(|(in_flight, _)| *in_flight += 1);
    {
        let (in_flight, _) = *state.counts.borrow();
        let mut max = state.max.lock().unwrap();
        *max = (*max).max(in_flight);
    }
    // The first call to a bucket goes alone (the client learns the bucket's limit from
    // it), so it is answered at once.
    if !first {
        let mut rx = state.counts.subscribe();
        let (total, cap) = (state.total, state.cap);
        rx.wait_for(|(in_flight, done)| *in_flight >= cap.min(total - done))
            .await
            .unwrap();
    }
    state.counts.send_modify(|(in_flight, done)| {
        *in_flight -= 1;
        *done += 1;
    });
    ([("content-type", "application/json")], USER)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_in_flight_never_exceed_the_concurrency_cap() {
    let state = Arc::new(InFlight {
        total: 31,
        cap: 3,
        counts: watch::channel((0, 0)).0,
        max: Mutex::new(0),
        first: Mutex::new(true),
    });
    let url = serve(
        Router::new()
            .route("/api/v1/users/{id}", get(held_user))
            .with_state(state.clone()),
    )
    .await;
    let okta = Okta::builder(url)
        .api_token("t")
        .concurrency(3)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..31)
        .map(|i| {
            let okta = okta.clone();
            tokio::spawn(async move { okta.read_user(&format!("00u{i}")).await })
        })
        .collect();
    let all = async {
        for call in calls {
            call.await.unwrap().expect("every call succeeds");
        }
    };
    // A guard against a stall, not a wait: the calls finish in milliseconds.
    tokio::time::timeout(Duration::from_secs(30), all)
        .await
        .expect("no stall");
    assert_eq!(*state.max.lock().unwrap(), 3);
    assert_eq!(state.counts.borrow().1, 31);
}
