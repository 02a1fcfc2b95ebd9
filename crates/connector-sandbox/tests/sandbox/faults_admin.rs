//! Fault injection, the `/__sandbox/` admin endpoints, body limits and the `Sandbox`
//! facade with both emulators.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use connector_sandbox::{Fault, FaultRule, Sandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn status_fault_answers_for_the_next_n_matching_requests_only() {
    let okta = okta().await;
    let http = http();
    okta.faults().push(
        FaultRule::new(Fault::status_with(
            503,
            r#"{"errorCode":"E0000010","errorSummary":"custom"}"#,
            [("Retry-After".to_owned(), "2".to_owned())],
        ))
        .method(Method::GET)
        .path("/api/v1/users")
        .times(2),
    );
    // Another path is not touched.
    let (status, _, _) = get(&http, &okta, "/api/v1/users/nobody@example.com").await;
    assert_eq!(status, 404);
    for _ in 0..2 {
        let (status, headers, body) = get(&http, &okta, "/api/v1/users").await;
        assert_eq!(status, 503);
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(body["errorSummary"], "custom");
    }
    let (status, _, _) = get(&http, &okta, "/api/v1/users").await;
    assert_eq!(status, 200);
    assert!(okta.faults().is_empty());
    assert_eq!(okta.stats().faults_injected, 2);
}

#[tokio::test]
async fn status_fault_without_a_body_gets_the_services_error_body() {
    let okta = okta().await;
    okta.faults().push(FaultRule::new(Fault::status(429)));
    let (status, headers, body) = get(&http(), &okta, "/api/v1/users").await;
    assert_eq!(status, 429);
    assert_eq!(body["errorCode"], "E0000047");
    assert!(headers.contains_key("x-okta-request-id"));
}

#[tokio::test]
async fn delay_fault_waits_then_answers_normally() {
    let okta = okta().await;
    okta.faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_millis(300))));
    let started = Instant::now();
    let (status, _, _) = get(&http(), &okta, "/api/v1/users").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn drop_fault_closes_the_connection_before_the_service_acts() {
    let okta = okta().await;
    let http = http();
    okta.faults().push(
        FaultRule::new(Fault::Drop)
            .method(Method::POST)
            .path_prefix("/api/v1/users"),
    );
    let result = http
        .post(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .json(&json!({"profile": profile("dropped@example.com")}))
        .send()
        .await;
    let error = result.expect_err("no answer comes back");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(
        okta.user_count(),
        0,
        "the request never reached the service"
    );
    // The next request is served normally.
    assert_eq!(
        create_user(&http, &okta, profile("dropped@example.com"))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn drop_after_fault_acts_then_loses_the_answer() {
    let okta = okta().await;
    let http = http();
    okta.faults()
        .push(FaultRule::new(Fault::DropAfter).method(Method::POST));
    let result = http
        .post(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .json(&json!({"profile": profile("lost@example.com"), "credentials": {"password": {"value": "long enough pw"}}}))
        .send()
        .await;
    assert!(result.is_err(), "the answer is lost");
    let user = okta
        .user("lost@example.com")
        .expect("the user was created all the same");
    assert_eq!(user["status"], "ACTIVE");
    // A retry now meets the duplicate.
    assert_eq!(
        create_user(&http, &okta, profile("lost@example.com"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn admin_endpoints_are_never_faulted() {
    let okta = okta().await;
    okta.faults().push(FaultRule::new(Fault::Drop).times(5));
    let response = http()
        .get(format!("{}/__sandbox/stats", okta.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(okta.faults().rules()[0].times, 5);
}

#[tokio::test]
async fn faults_are_managed_over_http() {
    let okta = okta().await;
    let http = http();
    let admin = format!("{}/__sandbox/faults", okta.base_url());
    let added = http
        .post(&admin)
        .json(&json!([
            {"method": "GET", "path": "/api/v1/users", "exact": true, "times": 1, "fault": {"status": 500}},
            {"path": "/api/v1/users", "times": 3, "fault": {"delayMs": 10}},
            {"fault": "drop", "times": 2, "path": "/nothing"},
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let listed: Value = http.get(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["rules"].as_array().unwrap().len(), 3);
    assert_eq!(listed["rules"][2]["fault"], "drop");
    let (status, _, body) = get(&http, &okta, "/api/v1/users").await;
    assert_eq!(status, 500);
    assert_eq!(body["errorCode"], "E0000009");
    assert_eq!(http.delete(&admin).send().await.unwrap().status(), 204);
    assert!(okta.faults().is_empty());

    for bad in [
        json!({"fault": "explode"}),
        json!({"fault": {"status": 42}}),
        json!({"times": 1}),
        json!({"fault": "drop", "color": 1}),
    ] {
        let response = http.post(&admin).json(&bad).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    }
    let garbage = http.post(&admin).body("{{{").send().await.unwrap();
    assert_eq!(garbage.status(), 400);
}

#[tokio::test]
async fn limits_stats_seed_and_reset_over_http() {
    let okta = okta().await;
    let http = http();
    let base = okta.base_url();
    let limits: Value = http
        .post(format!("{base}/__sandbox/limits"))
        .json(&json!({"all": 50, "buckets": {"user": 100}, "windowMs": 1000, "concurrency": 10, "latencyMs": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        limits["buckets"],
        json!({"users": 50, "user": 100, "roles": 50, "other": 50})
    );
    assert_eq!(
        (limits["windowMs"].as_u64(), limits["concurrency"].as_u64()),
        (Some(1000), Some(10))
    );
    let (_, headers, _) = get(&http, &okta, "/api/v1/users").await;
    assert_eq!(header_u64(&headers, "x-rate-limit-limit"), 50);

    for bad in [
        json!({"all": -1}),
        json!({"buckets": {"nope": 1}}),
        json!({"windowMs": 0}),
        json!({"speed": 1}),
    ] {
        let response = http
            .post(format!("{base}/__sandbox/limits"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    assert_eq!(okta.bucket_limit(connector_sandbox::Bucket::Users), 50);

    // 100,000 users, quickly, then a search over them.
    let started = Instant::now();
    let seeded: Value = http
        .post(format!("{base}/__sandbox/seed/users"))
        .json(&json!({"count": 100_000, "prefix": "bench", "role": "Support", "roleEvery": 1000}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seeded["created"], 100_000);
    assert_eq!(seeded["total"], 100_000);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "seeding took {:?}",
        started.elapsed()
    );
    let (status, headers, users) = get(
        &http,
        &okta,
        "/api/v1/users?search=profile.role%20eq%20%22Support%22&limit=60",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(users.as_array().unwrap().len(), 60);
    assert!(next_link(&headers).is_some());
    let (status, _, user) = get(&http, &okta, "/api/v1/users/bench99999@example.com").await;
    assert_eq!(status, 200);
    assert_eq!(user["profile"]["email"], "bench99999@example.com");

    let stats: Value = http
        .get(format!("{base}/__sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["users"], 100_000);
    assert_eq!(stats["buckets"]["users"]["requests"], 2);
    assert_eq!(stats["buckets"]["user"]["admitted"], 1);
    assert_eq!(stats["requests"], 3);

    let bad_seed = http
        .post(format!("{base}/__sandbox/seed/users"))
        .json(&json!({"count": "many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_seed.status(), 400);

    let reset = http
        .post(format!("{base}/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(okta.user_count(), 0);
    assert_eq!(okta.stats().requests, 0);
}

#[tokio::test]
async fn oauth_clients_can_be_registered_over_http() {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let okta = okta().await;
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let pem = key.public_key().to_public_key_pem(LineEnding::LF).unwrap();
    let url = format!("{}/__sandbox/oauth/clients", okta.base_url());
    let ok = http()
        .post(&url)
        .json(&json!({"clientId": "0oa1", "publicKeyPem": pem, "scopes": ["okta.users.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let bad = http()
        .post(&url)
        .json(&json!({"clientId": "0oa1", "publicKeyPem": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_4xx_not_crashes() {
    let okta = okta().await;
    let http = http();
    let big = vec![b'x'; 2 * 1024 * 1024];
    for path in ["/api/v1/users", "/__sandbox/faults", "/oauth2/v1/token"] {
        let response = http
            .post(format!("{}{path}", okta.base_url()))
            .header("Authorization", ssws(&okta))
            .header("Content-Type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path}");
    }
    for body in [
        "",
        "null",
        "[]",
        "\"text\"",
        "{\"profile\": 5}",
        "{\"credentials\": {\"password\": 1}, \"profile\": {}}",
    ] {
        let response = http
            .post(format!("{}/api/v1/users", okta.base_url()))
            .header("Authorization", ssws(&okta))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body:?}");
    }
    let unknown = http
        .delete(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 405);
    let token = http
        .post(format!("{}/oauth2/v1/token", okta.base_url()))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 400);
    // Still serving.
    assert_eq!(get(&http, &okta, "/api/v1/users").await.0, 200);
}

#[tokio::test]
async fn sandbox_serves_both_emulators_and_prints_env_exports() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let exports = sandbox.env_exports();
    let okta_url = sandbox.okta().base_url();
    let boards_url = sandbox.boards().api_url();
    assert!(exports.contains(&format!(
        "export OKTA_ORG_URL={okta_url} OKTA_API_TOKEN={}",
        sandbox.okta().api_token()
    )));
    assert!(exports.contains(&format!("BOARDS_API_URL={boards_url}")));
    assert!(boards_url.starts_with("http://127.0.0.1:") && boards_url.ends_with("/v2"));

    let http = http();
    let graphql = |query: &str| {
        http.post(&boards_url)
            .header("Authorization", sandbox.boards().api_token())
            .json(&json!({"query": query}))
            .send()
    };
    let me = graphql("query { me { id } }").await.unwrap();
    assert_eq!(me.status(), 200);
    let body: Value = me.json().await.unwrap();
    assert!(body["data"]["me"]["id"].is_string(), "{body}");

    // A fault on one root field leaves other documents alone.
    sandbox
        .boards()
        .faults()
        .push(FaultRule::new(Fault::status(500)).graphql_field("create_board"));
    assert_eq!(
        graphql("query { boards(limit: 1) { id } }")
            .await
            .unwrap()
            .status(),
        200
    );
    let faulted =
        graphql(r#"mutation { create_board(board_name: "x", board_kind: public) { id } }"#)
            .await
            .unwrap();
    assert_eq!(faulted.status(), 500);
    let body: Value = faulted.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["status_code"], 500);
    assert_eq!(sandbox.boards().faults().injected(), 1);

    let stats: Value = http
        .get(format!("{}/__sandbox/stats", sandbox.boards().base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["faultsInjected"], 1);
    sandbox.shutdown().await;
    // Shut down: nothing listens any more.
    assert!(
        http.get(format!("{okta_url}/api/v1/users"))
            .send()
            .await
            .is_err()
    );
}
