//! The Okta emulator over HTTP: users, search and pagination, roles, authentication,
//! rate limits and the concurrency limit.

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use connector_sandbox::okta::UserSeed;
use connector_sandbox::{Bucket, OktaConfig};
use serde_json::{Value, json};

// ---------------------------------------------------------------- users

#[tokio::test]
async fn creates_an_active_user_and_reads_it_by_id_and_by_login() {
    let okta = okta().await;
    let http = http();
    let mut p = profile("Ada.Lovelace@example.com");
    p["role"] = json!("Support");
    let (status, user) = create_user(&http, &okta, p).await;
    assert_eq!(status, 200, "{user}");
    let id = user["id"].as_str().expect("an id");
    assert!(id.starts_with("00u") && id.len() == 20, "{id}");
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(user["profile"]["role"], "Support");
    assert_eq!(user["credentials"]["password"], json!({}));
    assert_eq!(
        user["credentials"]["provider"],
        json!({"type": "OKTA", "name": "OKTA"})
    );
    assert_eq!(user["lastLogin"], Value::Null);
    assert!(user["passwordChanged"].is_string() && user["activated"].is_string());
    assert_eq!(
        user["_links"]["self"]["href"],
        format!("{}/api/v1/users/{id}", okta.base_url())
    );

    let (status, headers, by_id) = get(&http, &okta, &format!("/api/v1/users/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_id, user);
    assert!(headers.contains_key("etag"));
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.contains_key("x-okta-request-id") && headers.contains_key("date"));

    // Logins are looked up case-insensitively, percent-encoded.
    let (status, _, by_login) = get(&http, &okta, "/api/v1/users/ada.lovelace%40EXAMPLE.com").await;
    assert_eq!(status, 200);
    assert_eq!(by_login["id"], id);
}

#[tokio::test]
async fn status_follows_activate_and_password_as_okta_does() {
    let okta = okta().await;
    let http = http();
    let create = |activate: bool, with_password: bool, login: &str| {
        let mut body = json!({"profile": profile(login)});
        if with_password {
            body["credentials"] = json!({"password": {"value": "correct-horse-battery"}});
        }
        http.post(format!(
            "{}/api/v1/users?activate={activate}",
            okta.base_url()
        ))
        .header("Authorization", ssws(&okta))
        .json(&body)
        .send()
    };
    let staged: Value = create(false, true, "s@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(staged["status"], "STAGED");
    assert_eq!(staged["activated"], Value::Null);
    let provisioned: Value = create(true, false, "p@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(provisioned["status"], "PROVISIONED");
    assert!(provisioned["credentials"].get("password").is_none());
}

#[tokio::test]
async fn duplicate_login_is_refused_ignoring_case() {
    let okta = okta().await;
    let http = http();
    assert_eq!(
        create_user(&http, &okta, profile("dup@example.com"))
            .await
            .0,
        200
    );
    let (status, error) = create_user(&http, &okta, profile("DUP@example.com")).await;
    assert_eq!(status, 400);
    assert_eq!(error["errorCode"], "E0000001");
    assert_eq!(error["errorSummary"], "Api validation failed: login");
    assert_eq!(error["errorLink"], "E0000001");
    assert!(
        error["errorId"]
            .as_str()
            .is_some_and(|id| id.starts_with("oae"))
    );
    assert_eq!(
        error["errorCauses"],
        json!([{"errorSummary": "login: An object with this field already exists in the current organization"}])
    );
    assert_eq!(okta.user_count(), 1);
}

#[tokio::test]
async fn missing_login_short_password_and_bad_bodies_are_400() {
    let okta = okta().await;
    let http = http();
    let (status, error) = create_user(
        &http,
        &okta,
        json!({"email": "x@example.com", "firstName": "X", "lastName": "Y"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["errorCode"], "E0000001");
    assert_eq!(error["errorSummary"], "Api validation failed: login");

    let short = http
        .post(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .json(&json!({"profile": profile("a@example.com"), "credentials": {"password": {"value": "short"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);

    let malformed = http
        .post(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .header("Content-Type", "application/json")
        .body("{\"profile\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let error: Value = malformed.json().await.unwrap();
    assert_eq!(error["errorCode"], "E0000003");

    let not_json = http
        .post(format!("{}/api/v1/users", okta.base_url()))
        .header("Authorization", ssws(&okta))
        .header("Content-Type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let error: Value = not_json.json().await.unwrap();
    assert_eq!(error["errorCode"], "E0000021");
    assert_eq!(okta.user_count(), 0);
}

#[tokio::test]
async fn unknown_user_is_404_e0000007() {
    let okta = okta().await;
    let (status, headers, error) = get(&http(), &okta, "/api/v1/users/00unothere0000000000").await;
    assert_eq!(status, 404);
    assert_eq!(error["errorCode"], "E0000007");
    assert_eq!(
        error["errorSummary"],
        "Not found: Resource not found: 00unothere0000000000 (User)"
    );
    assert!(headers.contains_key("x-rate-limit-remaining"));
}

#[tokio::test]
async fn search_with_eq_sw_and_or() {
    let okta = okta().await;
    let http = http();
    for (login, role) in [
        ("a@example.com", "Support"),
        ("b@example.com", "Sales"),
        ("c@example.com", "Support"),
    ] {
        let mut p = profile(login);
        p["role"] = json!(role);
        assert_eq!(create_user(&http, &okta, p).await.0, 200);
    }
    let search = |expr: &str| {
        let url = format!(
            "{}/api/v1/users?search={}",
            okta.base_url(),
            expr.replace(' ', "%20").replace('"', "%22")
        );
        let http = http.clone();
        let okta_auth = ssws(&okta);
        async move {
            let response = http
                .get(url)
                .header("Authorization", okta_auth)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let logins = |users: &Value| -> Vec<String> {
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["profile"]["login"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, users) = search(r#"profile.role eq "Support""#).await;
    assert_eq!(status, 200);
    assert_eq!(logins(&users), ["a@example.com", "c@example.com"]);
    let (_, users) = search(r#"profile.role eq "support" and profile.login sw "c""#).await;
    assert_eq!(logins(&users), ["c@example.com"]);
    let (_, users) = search(r#"profile.role eq "Sales" or profile.login eq "A@EXAMPLE.COM""#).await;
    assert_eq!(logins(&users), ["a@example.com", "b@example.com"]);
    let (_, users) = search(r#"status eq "ACTIVE""#).await;
    assert_eq!(users.as_array().unwrap().len(), 3);

    let (status, error) = search(r#"profile.role eq "Support" and"#).await;
    assert_eq!(status, 400);
    assert_eq!(error["errorCode"], "E0000031");
    let (status, _) = search(r#"profile.role ne "Support""#).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn pagination_follows_next_links_through_250_users() {
    let okta = okta().await;
    let http = http();
    okta.seed_users(&UserSeed::new(250).prefix("page"));
    let mut url = format!("{}/api/v1/users?limit=100", okta.base_url());
    let mut pages = Vec::new();
    let mut ids = Vec::new();
    loop {
        let (status, headers, users) = get(&http, &okta, &url).await;
        assert_eq!(status, 200, "{url}: {users}");
        let all = links(&headers);
        let self_link = all
            .iter()
            .find(|(_, rel)| rel == "self")
            .expect("a self link");
        assert_eq!(self_link.0, url);
        let page = users.as_array().unwrap();
        pages.push(page.len());
        ids.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match next_link(&headers) {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("{}/api/v1/users?after=", okta.base_url())),
                    "{next}"
                );
                assert!(next.contains("&limit=100"), "{next}");
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, [100, 100, 50]);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 250);
    // Creation order.
    assert_eq!(
        ids.first().and_then(|id| okta.user(id)).unwrap()["profile"]["login"],
        "page0@example.com"
    );
}

#[tokio::test]
async fn search_pagination_keeps_the_search_in_next_links() {
    let okta = okta().await;
    let http = http();
    // Every second user has the role: 125 of 250.
    okta.seed_users(&UserSeed::new(250).role("Support", 2));
    let mut url = format!(
        "{}/api/v1/users?search=profile.role%20eq%20%22Support%22&limit=100",
        okta.base_url()
    );
    let mut total = 0;
    let mut hops = 0;
    loop {
        let (status, headers, users) = get(&http, &okta, &url).await;
        assert_eq!(status, 200);
        total += users.as_array().unwrap().len();
        assert!(
            users
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["profile"]["role"] == "Support")
        );
        match next_link(&headers) {
            Some(next) => {
                assert!(
                    next.contains("search=profile.role%20eq%20%22Support%22"),
                    "{next}"
                );
                url = next;
                hops += 1;
            }
            None => break,
        }
    }
    assert_eq!((total, hops), (125, 1));
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_400_not_a_crash() {
    let okta = okta().await;
    let http = http();
    for query in ["after=%%%", "after=bm9wZQ", "after=", "limit=ten"] {
        let (status, _, error) = get(&http, &okta, &format!("/api/v1/users?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(error["errorCode"], "E0000001", "{query}");
    }
    // Oversized limits are capped at 200.
    let (status, _, _) = get(&http, &okta, "/api/v1/users?limit=5000").await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------- roles

#[tokio::test]
async fn role_assignment_is_201_then_409_listed_and_deleted() {
    let okta = okta().await;
    let http = http();
    let (_, user) = create_user(&http, &okta, profile("help@example.com")).await;
    let id = user["id"].as_str().unwrap();
    let roles_url = format!("{}/api/v1/users/{id}/roles", okta.base_url());
    let assign = |role: &str| {
        http.post(&roles_url)
            .header("Authorization", ssws(&okta))
            .json(&json!({"type": role}))
            .send()
    };
    let created = assign("HELP_DESK_ADMIN").await.unwrap();
    assert_eq!(created.status(), 201);
    let role: Value = created.json().await.unwrap();
    let ra = role["id"].as_str().unwrap().to_owned();
    assert!(ra.starts_with("ra1") && ra.len() == 20, "{ra}");
    assert_eq!(role["label"], "Help Desk Administrator");
    assert_eq!(role["type"], "HELP_DESK_ADMIN");
    assert_eq!(role["status"], "ACTIVE");
    assert_eq!(role["assignmentType"], "USER");
    assert_eq!(
        role["_links"]["assignee"]["href"],
        format!("{}/api/v1/users/{id}", okta.base_url())
    );

    let duplicate = assign("HELP_DESK_ADMIN").await.unwrap();
    assert_eq!(duplicate.status(), 409);
    let error: Value = duplicate.json().await.unwrap();
    assert_eq!(error["errorCode"], "E0000090");

    let unknown = assign("HELP_DESK").await.unwrap();
    assert_eq!(unknown.status(), 400);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["errorCode"],
        "E0000001"
    );

    let (status, _, roles) = get(&http, &okta, &roles_url).await;
    assert_eq!(status, 200);
    assert_eq!(roles, json!([role]));
    assert_eq!(
        okta.user_role_types(id),
        Some(vec!["HELP_DESK_ADMIN".to_owned()])
    );

    let delete = || {
        http.delete(format!("{roles_url}/{ra}"))
            .header("Authorization", ssws(&okta))
            .send()
    };
    let deleted = delete().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().await.unwrap().is_empty());
    let again = delete().await.unwrap();
    assert_eq!(again.status(), 404);
    assert_eq!(
        again.json::<Value>().await.unwrap()["errorCode"],
        "E0000007"
    );
    assert_eq!(get(&http, &okta, &roles_url).await.2, json!([]));
}

#[tokio::test]
async fn roles_of_an_unknown_user_are_404() {
    let okta = okta().await;
    let http = http();
    let response = http
        .post(format!(
            "{}/api/v1/users/00unobody00000000000/roles",
            okta.base_url()
        ))
        .header("Authorization", ssws(&okta))
        .json(&json!({"type": "HELP_DESK_ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap()["errorCode"],
        "E0000007"
    );
}

// ---------------------------------------------------------------- tokens

#[tokio::test]
async fn ssws_token_is_checked_on_every_call_with_or_without_the_space() {
    let okta = okta_with(OktaConfig::default().with_api_token("00fixed-token")).await;
    assert_eq!(okta.api_token(), "00fixed-token");
    let http = http();
    let url = format!("{}/api/v1/users", okta.base_url());
    for auth in [
        None,
        Some("SSWS wrong"),
        Some("SSWS "),
        Some("SSWS"),
        Some("SSWS00fixed-tokenx"),
        Some("Bearer nope"),
        Some("Basic abc"),
    ] {
        let mut request = http.get(&url);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        assert!(response.headers().contains_key("x-rate-limit-limit"));
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["errorCode"], "E0000011");
        assert_eq!(error["errorSummary"], "Invalid token provided");
        assert_eq!(error["errorCauses"], json!([]));
    }
    // Okta's Python SDK sends the token right after the scheme, and Okta accepts that.
    for auth in [
        "SSWS 00fixed-token",
        "SSWS00fixed-token",
        "ssws  00fixed-token",
    ] {
        let ok = http
            .get(&url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "{auth}");
    }
    // The default token is random: `00` and 40 URL-safe characters.
    let random = okta_with(OktaConfig::default()).await;
    assert_eq!(random.api_token().len(), 42);
    assert!(random.api_token().starts_with("00"));
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn every_response_has_rate_limit_headers_and_429_comes_past_the_limit() {
    let okta = okta_with(OktaConfig::default().with_bucket_limit(Bucket::Users, 3)).await;
    let http = http();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for expected_remaining in [2, 1, 0] {
        let (status, headers, _) = get(&http, &okta, "/api/v1/users").await;
        assert_eq!(status, 200);
        assert_eq!(header_u64(&headers, "x-rate-limit-limit"), 3);
        assert_eq!(
            header_u64(&headers, "x-rate-limit-remaining"),
            expected_remaining
        );
        let reset = header_u64(&headers, "x-rate-limit-reset");
        assert!(
            reset > before + 59 && reset <= before + 62,
            "reset {reset}, now {before}"
        );
    }
    let (status, headers, error) = get(&http, &okta, "/api/v1/users").await;
    assert_eq!(status, 429);
    assert_eq!(error["errorCode"], "E0000047");
    assert_eq!(
        error["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    assert_eq!(header_u64(&headers, "x-rate-limit-limit"), 3);
    assert_eq!(header_u64(&headers, "x-rate-limit-remaining"), 0);
    let date = httpdate::parse_http_date(headers["date"].to_str().unwrap()).unwrap();
    let date = date.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(header_u64(&headers, "x-rate-limit-reset") > date);

    // Another bucket is untouched.
    let (status, headers, _) = get(&http, &okta, "/api/v1/users/nobody@example.com").await;
    assert_eq!(status, 404);
    assert_eq!(header_u64(&headers, "x-rate-limit-limit"), 2000);
    assert_eq!(header_u64(&headers, "x-rate-limit-remaining"), 1999);

    let stats = okta.stats();
    let users = &stats.buckets["users"];
    assert_eq!(
        (
            users.requests,
            users.admitted,
            users.rate_limited,
            users.max_admitted_in_window
        ),
        (4, 3, 1, 3)
    );
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.requests, 5);
}

#[tokio::test]
async fn a_short_window_resets_after_its_length() {
    let okta = okta().await;
    okta.set_all_bucket_limits(2);
    okta.set_window(Duration::from_millis(400));
    let http = http();
    let statuses = |n| {
        let http = http.clone();
        let okta_url = okta.base_url();
        let auth = ssws(&okta);
        async move {
            let mut out = Vec::new();
            for _ in 0..n {
                let r = http
                    .get(format!("{okta_url}/api/v1/users"))
                    .header("Authorization", &auth)
                    .send()
                    .await
                    .unwrap();
                out.push(r.status().as_u16());
            }
            out
        }
    };
    assert_eq!(statuses(3).await, [200, 200, 429]);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(statuses(3).await, [200, 200, 429]);
    assert_eq!(okta.stats().buckets["users"].max_admitted_in_window, 2);
}

#[tokio::test]
async fn too_many_requests_in_flight_get_a_concurrency_429() {
    let okta = okta_with(
        OktaConfig::default()
            .with_concurrency_limit(2)
            .with_latency(Duration::from_millis(300)),
    )
    .await;
    let http = http();
    let calls = (0..6).map(|_| {
        let http = http.clone();
        let url = format!("{}/api/v1/users", okta.base_url());
        let auth = ssws(&okta);
        async move {
            let r = http
                .get(url)
                .header("Authorization", auth)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let limit = header_u64(r.headers(), "x-rate-limit-limit");
            let remaining = header_u64(r.headers(), "x-rate-limit-remaining");
            let body: Value = r.json().await.unwrap();
            (status, limit, remaining, body)
        }
    });
    let results = futures_util::future::join_all(calls).await;
    let rejected: Vec<_> = results.iter().filter(|r| r.0 == 429).collect();
    let admitted = results.iter().filter(|r| r.0 == 200).count();
    assert!(admitted >= 2, "{results:?}");
    assert!(!rejected.is_empty(), "{results:?}");
    for (_, limit, remaining, body) in rejected {
        assert_eq!((*limit, *remaining), (0, 0));
        assert_eq!(body["errorCode"], "E0000047");
    }
    let stats = okta.stats();
    assert!(stats.max_in_flight <= 2, "{stats:?}");
    assert_eq!(stats.concurrency_limited as usize, 6 - admitted);
}

// ---------------------------------------------------------------- OAuth 2.0

mod oauth {
    use std::sync::OnceLock;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use connector_sandbox::OktaEmulator;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    use serde_json::{Value, json};

    use super::common::*;

    const SCOPES: &[&str] = &["okta.users.read", "okta.users.manage", "okta.roles.manage"];

    /// One 2048-bit RSA key pair for the whole binary: (private PKCS#8 PEM, public SPKI PEM).
    fn rsa_keys() -> &'static (String, String) {
        static KEYS: OnceLock<(String, String)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let key =
                rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key generation");
            let private = key
                .to_pkcs8_pem(LineEnding::LF)
                .expect("encodes")
                .to_string();
            let public = key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("encodes");
            (private, public)
        })
    }

    fn ec_keys() -> (String, String) {
        let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let private = key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("encodes")
            .to_string();
        let public = key
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("encodes");
        (private, public)
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn assertion(
        okta: &OktaEmulator,
        client_id: &str,
        claims_patch: Value,
        private_pem: &str,
        alg: Algorithm,
    ) -> String {
        let mut claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": format!("{}/oauth2/v1/token", okta.base_url()),
            "iat": now(),
            "exp": now() + 300,
            "jti": format!("jti-{}", uuid::Uuid::new_v4().simple()),
        });
        if let (Some(claims), Value::Object(patch)) = (claims.as_object_mut(), claims_patch) {
            for (k, v) in patch {
                claims.insert(k, v);
            }
        }
        let key = match alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        }
        .expect("a private key PEM");
        jsonwebtoken::encode(&Header::new(alg), &claims, &key).expect("signs")
    }

    async fn token_request(okta: &OktaEmulator, assertion: &str, scope: &str) -> (u16, Value) {
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = http()
            .post(format!("{}/oauth2/v1/token", okta.base_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn bearer_get(okta: &OktaEmulator, token: &str, path: &str) -> (u16, Value) {
        let response = http()
            .get(format!("{}{path}", okta.base_url()))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn rs256_client_assertion_gets_a_bearer_token_that_works() {
        let okta = okta().await;
        let (private, public) = rsa_keys();
        okta.register_oauth_client("0oaservice", public, SCOPES)
            .unwrap();
        let jwt = assertion(&okta, "0oaservice", json!({}), private, Algorithm::RS256);
        let (status, token) = token_request(&okta, &jwt, "okta.users.read okta.roles.manage").await;
        assert_eq!(status, 200, "{token}");
        assert_eq!(token["token_type"], "Bearer");
        assert_eq!(token["expires_in"], 3600);
        assert_eq!(token["scope"], "okta.users.read okta.roles.manage");
        let access = token["access_token"].as_str().unwrap();
        assert_eq!(bearer_get(&okta, access, "/api/v1/users").await.0, 200);

        // The same assertion cannot be replayed.
        let (status, error) = token_request(&okta, &jwt, "okta.users.read").await;
        assert_eq!(status, 401);
        assert_eq!(error["error"], "invalid_client");

        // A scope the token lacks: 403 E0000006.
        let response = http()
            .post(format!("{}/api/v1/users", okta.base_url()))
            .header("Authorization", format!("Bearer {access}"))
            .json(&json!({"profile": profile("x@example.com")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("insufficient_scope")
        );
        assert_eq!(
            response.json::<Value>().await.unwrap()["errorCode"],
            "E0000006"
        );
        // Groups need a groups scope, as on Okta: reading them with users and roles scopes
        // only is refused too.
        let (status, error) = bearer_get(&okta, access, "/api/v1/groups").await;
        assert_eq!((status, &error["errorCode"]), (403, &json!("E0000006")));
    }

    #[tokio::test]
    async fn es256_client_assertion_works_too() {
        let okta = okta().await;
        let (private, public) = ec_keys();
        okta.register_oauth_client("0oaec", &public, SCOPES)
            .unwrap();
        let jwt = assertion(&okta, "0oaec", json!({}), &private, Algorithm::ES256);
        let (status, token) = token_request(&okta, &jwt, "okta.users.read").await;
        assert_eq!(status, 200, "{token}");
        let access = token["access_token"].as_str().unwrap();
        assert_eq!(bearer_get(&okta, access, "/api/v1/users").await.0, 200);
    }

    #[tokio::test]
    async fn bad_assertions_are_refused_as_invalid_client() {
        let okta = okta().await;
        let (private, public) = rsa_keys();
        okta.register_oauth_client("0oaservice", public, SCOPES)
            .unwrap();
        let (other_private, _) = ec_keys();
        let aud = format!("{}/oauth2/v1/token", okta.base_url());
        let cases = [
            (
                "wrong audience",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({"aud": "https://elsewhere/oauth2/v1/token"}),
                    private,
                    Algorithm::RS256,
                ),
            ),
            (
                "expired",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({"exp": now() - 60}),
                    private,
                    Algorithm::RS256,
                ),
            ),
            (
                "more than an hour ahead",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({"exp": now() + 7200}),
                    private,
                    Algorithm::RS256,
                ),
            ),
            (
                "subject is not the client",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({"sub": "someone"}),
                    private,
                    Algorithm::RS256,
                ),
            ),
            (
                "no jti",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({"jti": null, "aud": aud}),
                    private,
                    Algorithm::RS256,
                ),
            ),
            (
                "unknown client",
                assertion(&okta, "0oanobody", json!({}), private, Algorithm::RS256),
            ),
            (
                "signed with another key",
                assertion(
                    &okta,
                    "0oaservice",
                    json!({}),
                    &other_private,
                    Algorithm::ES256,
                ),
            ),
            ("not a JWT", "abc.def".to_owned()),
        ];
        for (case, jwt) in cases {
            let (status, error) = token_request(&okta, &jwt, "okta.users.read").await;
            assert_eq!(status, 401, "{case}: {error}");
            assert_eq!(error["error"], "invalid_client", "{case}");
            assert!(error["error_description"].is_string(), "{case}");
        }
        let jwt = assertion(&okta, "0oaservice", json!({}), private, Algorithm::RS256);
        let (status, error) = token_request(&okta, &jwt, "okta.apps.manage").await;
        assert_eq!(
            (status, error["error"].as_str()),
            (400, Some("invalid_scope"))
        );
    }

    #[tokio::test]
    async fn access_tokens_expire() {
        let okta = okta().await;
        okta.set_access_token_lifetime(Duration::from_millis(300));
        let (private, public) = ec_keys();
        okta.register_oauth_client("0oashort", &public, SCOPES)
            .unwrap();
        let jwt = assertion(&okta, "0oashort", json!({}), &private, Algorithm::ES256);
        let (_, token) = token_request(&okta, &jwt, "okta.users.read").await;
        let access = token["access_token"].as_str().unwrap().to_owned();
        assert_eq!(bearer_get(&okta, &access, "/api/v1/users").await.0, 200);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let (status, error) = bearer_get(&okta, &access, "/api/v1/users").await;
        assert_eq!(status, 401);
        assert_eq!(error["errorCode"], "E0000011");
    }

    #[tokio::test]
    async fn registering_a_non_key_fails() {
        let okta = okta().await;
        assert!(
            okta.register_oauth_client("0oa", "not a pem", SCOPES)
                .is_err()
        );
    }
}
