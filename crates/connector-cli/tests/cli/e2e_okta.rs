//! The Okta connector against the Okta emulator: `Link` pagination, rate limits under
//! concurrency, and connections dropped before and after the service acted.

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connector_core::ErrorKind;
use connector_okta::{CreateUserInput, HELP_DESK_ADMIN, SearchUsersInput, UserProfile};
use connector_sandbox::{Fault, FaultRule, Method, UserSeed};

fn new_user(login: &str) -> CreateUserInput {
    CreateUserInput::new(
        UserProfile::new(login)
            .with_name("Test", "User")
            .with_attribute("role", "Support"),
    )
}

#[tokio::test]
async fn link_pagination_reads_250_users_in_3_pages_of_at_most_100_each_once_in_order() {
    let sandbox = common::sandbox().await;
    let seeded = sandbox.okta().seed_users(&UserSeed::new(250));
    assert_eq!(seeded.total, 250);
    let okta = common::okta(&sandbox);

    let mut pages = okta
        .search_users_pages(&SearchUsersInput::all().with_limit(100))
        .unwrap();
    let mut sizes = Vec::new();
    let mut logins = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.len());
        logins.extend(page.into_iter().map(|u| u.profile.login));
    }

    assert_eq!(sizes, [100, 100, 50]);
    let expected: Vec<String> = (0..250).map(common::seeded_login).collect();
    assert_eq!(logins, expected, "every user once, in creation order");
    let stats = sandbox.okta().stats();
    assert_eq!(
        stats.requests, 3,
        "one request per page, none after the last"
    );
    assert_eq!(stats.buckets["users"].requests, 3);

    // The collecting form follows the same links to the same result.
    let all = okta
        .search_users(&SearchUsersInput::all().with_limit(100))
        .await
        .unwrap();
    let ids: HashSet<&str> = all.iter().map(|u| u.id.as_str()).collect();
    assert_eq!((all.len(), ids.len()), (250, 250));
    assert_eq!(
        all.first().map(|u| u.id.as_str()),
        seeded.first_id.as_deref()
    );
    assert_eq!(all.last().map(|u| u.id.as_str()), seeded.last_id.as_deref());
}

/// Callers reading users at once, against a bucket of 50 calls per 1 s window.
const CALLERS: usize = 64;
/// Two full windows: each must be filled to exactly the limit, so a single call too many
/// would draw a 429. (The connector measures the reset in whole seconds, as Okta reports
/// it, so it takes a 1 s window for 2 s: a third window would push the test past 4 s.)
const CALLS: usize = 100;
const LIMIT: u32 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_readers_of_a_50_per_second_bucket_all_succeed_without_a_429() {
    let sandbox = common::sandbox().await;
    sandbox.okta().seed_users(&UserSeed::new(CALLS as u32));
    sandbox.okta().set_all_bucket_limits(LIMIT);
    sandbox.okta().set_window(Duration::from_secs(1));
    // Each call takes a little while, so the callers really are in flight together.
    sandbox.okta().set_latency(Duration::from_millis(20));
    let okta = common::okta(&sandbox);

    let queue: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new((0..CALLS).rev().collect()));
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let okta = okta.clone();
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut results = Vec::new();
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some(n) = next else { break };
                    let login = common::seeded_login(n);
                    let result = okta.read_user(&login).await.map(|u| u.profile.login);
                    results.push((login, result));
                }
                results
            })
        })
        .collect();
    let mut results = Vec::new();
    for caller in callers {
        results.extend(caller.await.unwrap());
    }
    let elapsed = started.elapsed();

    assert_eq!(results.len(), CALLS);
    let failures: Vec<_> = results
        .iter()
        .filter_map(|(login, r)| r.as_ref().err().map(|e| (login, e.to_string())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} calls failed: {failures:?}",
        failures.len()
    );
    for (login, result) in &results {
        assert_eq!(result.as_ref().unwrap(), login);
    }

    let stats = sandbox.okta().stats();
    let user = &stats.buckets["user"];
    eprintln!(
        "{CALLS} reads by {CALLERS} callers in {elapsed:?}: {} on the wire, {} 429s \
         (bucket {}, concurrency {}), at most {} admitted in one window, {} in flight",
        stats.requests,
        stats.too_many_requests(),
        stats.rate_limited,
        stats.concurrency_limited,
        user.max_admitted_in_window,
        stats.max_in_flight
    );
    for (name, bucket) in &stats.buckets {
        assert!(
            bucket.max_admitted_in_window <= LIMIT,
            "bucket {name} admitted {} in one window",
            bucket.max_admitted_in_window
        );
    }
    assert_eq!(user.admitted, CALLS as u64);
    // The limiter paced the callers ahead of the service: not one 429 was even sent.
    assert_eq!(
        stats.too_many_requests(),
        0,
        "429s on the wire: {} bucket, {} concurrency",
        stats.rate_limited,
        stats.concurrency_limited
    );
    assert_eq!(stats.requests, CALLS as u64, "no call was sent twice");
    assert!(
        stats.max_in_flight > 10,
        "the callers did not overlap ({} in flight at most)",
        stats.max_in_flight
    );
    // 100 calls at 50 a window need two windows: the callers really waited for the reset.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
}

#[tokio::test]
async fn dropped_connection_on_get_is_retried_and_the_read_succeeds() {
    let sandbox = common::sandbox().await;
    sandbox.okta().seed_users(&UserSeed::new(1));
    let okta = common::okta(&sandbox);
    sandbox.okta().faults().push(
        FaultRule::new(Fault::Drop)
            .method(Method::GET)
            .path_prefix("/api/v1/users/"),
    );

    let user = okta.read_user(&common::seeded_login(0)).await.unwrap();

    assert_eq!(user.profile.login, common::seeded_login(0));
    let stats = sandbox.okta().stats();
    assert_eq!(stats.faults_injected, 1);
    assert_eq!(stats.requests, 2, "the dropped GET and its retry");
}

#[tokio::test]
async fn dropped_connection_on_create_user_is_surfaced_as_transport_after_one_attempt() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    sandbox.okta().faults().push(
        FaultRule::new(Fault::Drop)
            .method(Method::POST)
            .path("/api/v1/users"),
    );

    let error = okta
        .create_user(new_user("ada@example.com"))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(error.attempts(), 1, "a POST is not repeated: {error}");
    assert!(error.outcome_unknown(), "{error}");
    assert!(error.message().contains("check with read-user"), "{error}");
    let stats = sandbox.okta().stats();
    assert_eq!(
        (stats.requests, stats.faults_injected),
        (2, 1),
        "the dropped POST, then the read-back by login that found nobody"
    );
    assert_eq!(
        sandbox.okta().user_count(),
        0,
        "dropped before the service acted"
    );
    // Nothing is stuck: the same call goes through now that the fault is spent.
    let user = okta.create_user(new_user("ada@example.com")).await.unwrap();
    assert_eq!(user.status.as_deref(), Some("PROVISIONED"));
}

#[tokio::test]
async fn role_assignment_whose_answer_was_lost_converges_when_called_again() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = okta.create_user(new_user("ada@example.com")).await.unwrap();
    let roles_path = format!("/api/v1/users/{}/roles", user.id);
    sandbox.okta().faults().push(
        FaultRule::new(Fault::DropAfter)
            .method(Method::POST)
            .path(&roles_path),
    );

    let lost = okta
        .add_user_to_admin_role(&user.id, HELP_DESK_ADMIN)
        .await
        .unwrap_err();
    assert_eq!(lost.kind(), ErrorKind::Transport, "{lost}");
    assert_eq!(lost.attempts(), 1, "a POST is not repeated: {lost}");
    // The emulator did assign the role before the connection was closed.
    assert_eq!(
        sandbox.okta().user_role_types(&user.id),
        Some(vec![HELP_DESK_ADMIN.to_owned()])
    );

    // The workflow's retry of the card: Okta answers 409 E0000090, which is success.
    let again = okta
        .add_user_to_admin_role(&user.id, HELP_DESK_ADMIN)
        .await
        .unwrap();

    assert!(again.already_assigned, "{again:?}");
    assert_eq!(again.role_type, HELP_DESK_ADMIN);
    let listed = okta.list_user_roles(&user.id).await.unwrap();
    assert_eq!(listed.len(), 1, "still one assignment");
    assert_eq!(again.assignment_id.as_deref(), Some(listed[0].id.as_str()));
}

#[tokio::test]
async fn create_user_whose_answer_was_lost_is_recovered_by_reading_the_user_back() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    sandbox.okta().faults().push(
        FaultRule::new(Fault::DropAfter)
            .method(Method::POST)
            .path("/api/v1/users"),
    );

    let user = okta.create_user(new_user("ada@example.com")).await.unwrap();

    assert_eq!(user.profile.login, "ada@example.com");
    let stored = sandbox
        .okta()
        .user("ada@example.com")
        .expect("the user was created");
    assert_eq!(stored["id"], user.id.as_str());
    assert_eq!(sandbox.okta().user_count(), 1, "created once");
    let stats = sandbox.okta().stats();
    assert_eq!(
        (stats.requests, stats.faults_injected),
        (2, 1),
        "the POST whose answer was lost, then the read-back"
    );

    // Calling again is the usual duplicate: the login is taken, and the error says which.
    let duplicate = okta
        .create_user(new_user("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(duplicate.kind(), ErrorKind::InvalidInput, "{duplicate}");
    assert_eq!(duplicate.code(), Some("E0000001"));
    assert_eq!(sandbox.okta().user_count(), 1);
}

#[tokio::test]
async fn duplicate_login_error_names_the_login_that_is_taken() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    okta.create_user(new_user("ada@example.com")).await.unwrap();

    let duplicate = okta
        .create_user(new_user("ada@example.com"))
        .await
        .unwrap_err();

    assert_eq!(duplicate.code(), Some("E0000001"));
    assert!(
        duplicate.message().contains("ada@example.com"),
        "the message does not name the login taken: {}",
        duplicate.message()
    );
}
