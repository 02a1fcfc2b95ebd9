//! The in-memory limiter's behaviour, on tokio's paused clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;

use super::*;

/// Long enough never to matter.
const FOREVER: Duration = Duration::from_secs(3600);

fn q(name: &str) -> LimitKey {
    LimitKey::quota(name)
}

fn c(name: &str) -> LimitKey {
    LimitKey::concurrency(name)
}

fn obs(estimated: u64, admitted_at: Option<SystemTime>) -> Observation {
    Observation::new(
        estimated,
        crate::clock::Clock::system_time(&crate::clock::TokioClock),
    )
    .with_admitted_at(admitted_at)
}
use std::sync::atomic::{AtomicU64, Ordering};

#[tokio::test(start_paused = true)]
async fn no_window_admits_more_than_the_quota_and_4n_calls_take_about_4_windows() {
    const N: u64 = 25;
    let window = Duration::from_secs(1);
    let limiter = Arc::new(MemoryLimiter::new().with_limit("k", Limit::per(window, N)));
    let start = tokio::time::Instant::now();
    let per_window: Arc<Vec<AtomicU64>> = Arc::new((0..16).map(|_| AtomicU64::new(0)).collect());
    let mut tasks = Vec::new();
    for t in 0..32u64 {
        let limiter = limiter.clone();
        let per_window = per_window.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..(4 * N / 32 + u64::from(t < (4 * N) % 32)) {
                limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
                let w = (tokio::time::Instant::now() - start).as_millis() / 1000;
                per_window[w as usize].fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let counts: Vec<u64> = per_window
        .iter()
        .map(|c| c.load(Ordering::SeqCst))
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 4 * N);
    assert!(counts.iter().all(|c| *c <= N), "{counts:?}");
    let elapsed = tokio::time::Instant::now() - start;
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed <= Duration::from_millis(4100),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn feedback_of_an_empty_bucket_makes_callers_wait_for_the_reset() {
    let limiter = MemoryLimiter::new();
    // Unknown key: free until the service reveals a limit.
    limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    limiter
        .observe(
            &q("k"),
            &Feedback::remaining(0, Duration::from_secs(2)).with_limit(10),
            &obs(1, None),
        )
        .await;
    let start = tokio::time::Instant::now();
    limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    assert!(tokio::time::Instant::now() - start >= Duration::from_secs(2));
    assert_eq!(limiter.remaining("k"), Some(9));
}

#[tokio::test(start_paused = true)]
async fn weighted_costs_are_corrected_by_the_charged_cost() {
    let limiter = MemoryLimiter::new()
        .with_limit("points", Limit::per(Duration::from_secs(60), 10_000))
        .with_pacing(false);
    limiter.acquire(&q("points"), 1_000, FOREVER).await.unwrap();
    assert_eq!(limiter.remaining("points"), Some(9_000));
    let fb = Feedback::default().with_charged(300);
    limiter.observe(&q("points"), &fb, &obs(1_000, None)).await;
    assert_eq!(limiter.remaining("points"), Some(9_700));
}

#[tokio::test(start_paused = true)]
async fn concurrency_limit_caps_permits_in_flight() {
    let limiter = Arc::new(MemoryLimiter::new().with_limit("c", Limit::Concurrency(2)));
    let a = limiter.acquire(&c("c"), 1, FOREVER).await.unwrap();
    let _b = limiter.acquire(&c("c"), 1, FOREVER).await.unwrap();
    let third = tokio::time::timeout(
        Duration::from_millis(10),
        limiter.acquire(&c("c"), 1, FOREVER),
    )
    .await;
    assert!(third.is_err(), "a third permit must wait");
    drop(a);
    tokio::time::timeout(
        Duration::from_millis(10),
        limiter.acquire(&c("c"), 1, FOREVER),
    )
    .await
    .expect("a released slot admits the next")
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn pacing_spreads_a_window_instead_of_bursting() {
    let limiter = MemoryLimiter::new()
        .with_limit("k", Limit::per(Duration::from_secs(10), 100))
        .with_burst(0.0);
    let start = tokio::time::Instant::now();
    for _ in 0..50 {
        limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    }
    let elapsed = tokio::time::Instant::now() - start;
    // 50 of 100 units spread over a 10 s window take about 5 s, not 0.
    assert!(
        elapsed >= Duration::from_millis(4000) && elapsed <= Duration::from_millis(6000),
        "{elapsed:?}"
    );
}

#[test]
fn a_holding_permit_keeps_its_guard_until_dropped() {
    let slot = Arc::new(Semaphore::new(1));
    let permit = Permit::holding(slot.clone().try_acquire_owned().unwrap());
    assert_eq!(slot.available_permits(), 0);
    drop(permit);
    assert_eq!(slot.available_permits(), 1);
}

#[tokio::test(start_paused = true)]
async fn pacing_allows_a_burst_of_a_tenth_of_the_window_first() {
    let limiter = MemoryLimiter::new().with_limit("k", Limit::per(Duration::from_secs(10), 100));
    let start = tokio::time::Instant::now();
    for _ in 0..10 {
        limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    }
    // A tenth of the window is ten units' worth of pace: no waiting for those.
    assert!(tokio::time::Instant::now() - start < Duration::from_millis(200));
    for _ in 0..40 {
        limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    }
    let elapsed = tokio::time::Instant::now() - start;
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed <= Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_waiting_caller_wakes_when_feedback_brings_the_reset_closer() {
    let limiter = Arc::new(
        MemoryLimiter::new()
            .with_limit("k", Limit::per_minute(1))
            .with_pacing(false),
    );
    limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    let start = tokio::time::Instant::now();
    let waiter = {
        let limiter = limiter.clone();
        tokio::spawn(async move {
            limiter
                .acquire(&q("k"), 1, FOREVER)
                .await
                .map(|_| tokio::time::Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The service says its window ends in one second, not in a minute.
    limiter
        .observe(
            &q("k"),
            &Feedback::remaining(0, Duration::from_secs(1)),
            &obs(1, None),
        )
        .await;
    let admitted = waiter.await.unwrap().unwrap();
    assert!(
        admitted - start < Duration::from_secs(3),
        "{:?}",
        admitted - start
    );
}

fn okta_feedback(remaining: u64, reset_secs: u64) -> Feedback {
    Feedback::remaining(remaining, Duration::from_secs(reset_secs)).with_limit(50)
}

#[tokio::test(start_paused = true)]
async fn the_answer_that_opened_a_window_anchors_its_end_despite_whole_second_resets() {
    let limiter = MemoryLimiter::new()
        .with_default_window(Duration::from_secs(1))
        .with_pacing(false);
    let ms = Duration::from_millis;
    let admitted = limiter
        .acquire(&q("k"), 1, FOREVER)
        .await
        .unwrap()
        .admitted_at();
    tokio::time::sleep(ms(5)).await;
    // Remaining 49 of 50 after one call: this call opened the window. The reset says 2 s
    // (rounded up against a Date rounded down); the window surely ends 1 s after now.
    limiter
        .observe(&q("k"), &okta_feedback(49, 2), &obs(1, admitted))
        .await;
    let opened = tokio::time::Instant::now();
    for _ in 0..49 {
        limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    }
    limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    let waited = tokio::time::Instant::now() - opened;
    assert!(
        waited <= ms(1_001),
        "waited {waited:?}: the rounded 2 s reset was trusted"
    );
    assert!(waited >= ms(999), "waited {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_late_answer_about_the_previous_window_does_not_cut_the_new_one_short() {
    let limiter = MemoryLimiter::new()
        .with_default_window(Duration::from_secs(1))
        .with_pacing(false);
    let ms = Duration::from_millis;
    let first = limiter
        .acquire(&q("k"), 1, FOREVER)
        .await
        .unwrap()
        .admitted_at();
    limiter
        .observe(&q("k"), &okta_feedback(49, 1), &obs(1, first))
        .await;
    // A call admitted at 990 ms, in the first window...
    tokio::time::sleep(ms(990)).await;
    let late = limiter
        .acquire(&q("k"), 1, FOREVER)
        .await
        .unwrap()
        .admitted_at();
    // ...answers after that window ended, saying "0 left": about the window before.
    tokio::time::sleep(ms(30)).await;
    limiter
        .observe(&q("k"), &okta_feedback(0, 1), &obs(1, late))
        .await;
    assert!(
        limiter.remaining("k").unwrap() > 0,
        "a stale answer emptied the new window"
    );
}

#[test]
fn prefix_limits_match_the_longest_prefix() {
    let limiter = MemoryLimiter::new()
        .with_limit("a:*", Limit::per_minute(1))
        .with_limit("a:b*", Limit::per_minute(2))
        .with_limit("a:bc", Limit::Concurrency(3));
    assert_eq!(limiter.spec.configured("a:x"), Some(Limit::per_minute(1)));
    assert_eq!(limiter.spec.configured("a:bd"), Some(Limit::per_minute(2)));
    assert_eq!(limiter.spec.configured("a:bc"), Some(Limit::Concurrency(3)));
    assert_eq!(limiter.spec.configured("z"), None);
}

#[tokio::test(start_paused = true)]
async fn callers_are_admitted_in_arrival_order_within_a_window_of_their_fair_turn() {
    // 64 callers arrive at once on a 50-per-second key: the fair schedule admits caller i
    // at its place in the pace, and no caller may be overtaken by more than a window.
    const CALLERS: usize = 64;
    let window = Duration::from_secs(1);
    let limiter = Arc::new(MemoryLimiter::new().with_limit("k", Limit::per(window, 50)));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..CALLERS {
        let limiter = limiter.clone();
        tasks.push(tokio::spawn(async move {
            limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
            (i, tokio::time::Instant::now() - start)
        }));
        // Arrival order is spawn order: let each caller reach the queue before the next.
        tokio::task::yield_now().await;
    }
    let mut admitted = Vec::new();
    for t in tasks {
        admitted.push(t.await.unwrap());
    }
    // The fair turn of caller i: the burst (a tenth of the window, 5 units) at once, then
    // one unit per 1/50 s over the first window; the second window's 14 the same way.
    let fair = |i: usize| -> Duration {
        let (w, k) = (i / 50, i % 50);
        window * w as u32 + (window / 50) * k.saturating_sub(5) as u32
    };
    for (i, at) in &admitted {
        let fair = fair(*i);
        let off = at.abs_diff(fair);
        assert!(
            off <= window,
            "caller {i} admitted at {at:?}, fair turn {fair:?}"
        );
    }
    let mut order: Vec<_> = admitted.clone();
    order.sort_by_key(|(_, at)| *at);
    let ids: Vec<usize> = order.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        ids,
        (0..CALLERS).collect::<Vec<_>>(),
        "admitted out of arrival order"
    );
}

#[tokio::test(start_paused = true)]
async fn an_admission_past_the_deadline_fails_at_once_with_the_wait() {
    let limiter = MemoryLimiter::new()
        .with_limit("k", Limit::per_minute(1))
        .with_pacing(false);
    limiter.acquire(&q("k"), 1, FOREVER).await.unwrap();
    let start = tokio::time::Instant::now();
    let error = limiter
        .acquire(&q("k"), 1, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(
        tokio::time::Instant::now() - start,
        Duration::ZERO,
        "it must not wait in vain"
    );
    assert_eq!(error.kind(), crate::ErrorKind::RateLimited);
    let wait = error.retry_after().expect("the wait is carried");
    assert!(wait > Duration::from_secs(55), "{wait:?}");
}

#[tokio::test(start_paused = true)]
async fn a_concurrency_slot_not_freed_in_time_fails_the_acquire() {
    let limiter = MemoryLimiter::new().with_limit("c", Limit::Concurrency(1));
    let _held = limiter.acquire(&c("c"), 1, FOREVER).await.unwrap();
    let error = limiter
        .acquire(&c("c"), 1, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), crate::ErrorKind::RateLimited);
}
