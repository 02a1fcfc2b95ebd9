//! OAuth 2.0 client credentials with `private_key_jwt`: the token request, the signed
//! assertion's claims, Bearer calls, one token request for many concurrent callers, and
//! one refresh after a 401. Keys are generated per run.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use common::Harness;
use connector_core::ErrorKind;
use connector_core::pipeline::DryRunLog;
use connector_okta::{Okta, PrivateKeyJwt};
use httpmock::Method::{GET, POST};
use httpmock::{HttpMockRequest, HttpMockResponse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

const CLIENT_ID: &str = "0oa1serviceapp";
const SCOPES: [&str; 2] = ["okta.users.read", "okta.roles.manage"];

struct Keys {
    rsa_private_pkcs8: String,
    rsa_private_pkcs1: String,
    rsa_public: String,
    ec_private_pkcs8: String,
    ec_private_sec1: String,
    ec_public: String,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key");
        let ec = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        Keys {
            rsa_private_pkcs8: rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&rsa, LineEnding::LF)
                .unwrap()
                .to_string(),
            rsa_private_pkcs1: rsa.to_pkcs1_pem(LineEnding::LF).unwrap().to_string(),
            rsa_public: rsa::pkcs8::EncodePublicKey::to_public_key_pem(
                &rsa.to_public_key(),
                LineEnding::LF,
            )
            .unwrap(),
            ec_private_pkcs8: ec.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            ec_private_sec1: ec.to_sec1_pem(LineEnding::LF).unwrap().to_string(),
            ec_public: ec.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
        }
    })
}

/// A token endpoint handing out `access-token-1`, `access-token-2`, ... with the given lifetime.
async fn token_endpoint(h: &Harness, expires_in: u64) -> (httpmock::Mock<'_>, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    let scope = SCOPES.join(" ");
    let mock = h
        .server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/oauth2/v1/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("scope", scope.clone())
                .form_urlencoded_tuple(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .form_urlencoded_tuple_exists("client_assertion")
                .form_urlencoded_tuple_missing("client_secret")
                .form_urlencoded_tuple_missing("client_id");
            then.respond_with(move |_req: &HttpMockRequest| {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(
                        json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": format!("access-token-{n}"),
                               "scope": "okta.users.read okta.roles.manage"})
                        .to_string(),
                    )
                    .build()
            });
        })
        .await;
    (mock, issued)
}

fn oauth_client(h: &Harness, pem: &str) -> Okta {
    h.builder()
        .private_key_jwt(CLIENT_ID, pem, SCOPES)
        .build()
        .expect("an OAuth client")
}

async fn user_answering<'h>(h: &'h Harness, bearer: &str, status: u16) -> httpmock::Mock<'h> {
    let body = if status == 200 {
        common::fixture("get_user.json")
    } else {
        r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}"#
            .to_owned()
    };
    let authorization = format!("Bearer {bearer}");
    h.server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1")
                .header("authorization", authorization);
            then.status(status).body(body);
        })
        .await
}

fn assertions(h: &Harness) -> Vec<String> {
    h.seen()
        .iter()
        .filter(|s| s.path == "/oauth2/v1/token")
        .map(|s| s.form()["client_assertion"].as_str().unwrap().to_owned())
        .collect()
}

fn verify(assertion: &str, algorithm: Algorithm, key: DecodingKey, audience: &str) -> Value {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
    jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .unwrap_or_else(|e| panic!("the assertion does not verify: {e}"))
        .claims
}

#[tokio::test]
async fn private_key_jwt_asks_for_a_token_with_a_signed_assertion_and_calls_with_bearer() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let read = user_answering(&h, "access-token-1", 200).await;
    h.fallback().await;
    let okta = h
        .builder()
        .private_key_jwt(CLIENT_ID, &keys().rsa_private_pkcs8, SCOPES)
        .key_id("kid-1")
        .build()
        .unwrap();
    okta.read_user("00u1").await.unwrap();
    okta.read_user("00u1").await.unwrap();
    token.assert_calls_async(1).await;
    read.assert_calls_async(2).await;

    let [assertion] = assertions(&h).try_into().unwrap();
    let audience = format!("{}/oauth2/v1/token", h.org_url());
    let claims = verify(
        &assertion,
        Algorithm::RS256,
        DecodingKey::from_rsa_pem(keys().rsa_public.as_bytes()).unwrap(),
        &audience,
    );
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["aud"], audience);
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 3600, "iat {iat}, exp {exp}");
    assert!(
        claims["jti"].as_str().is_some_and(|j| j.len() >= 16),
        "{claims}"
    );
    let header = jsonwebtoken::decode_header(&assertion).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some("kid-1"));
}

#[tokio::test]
async fn each_token_request_signs_a_fresh_assertion_with_a_new_jti() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let _first = user_answering(&h, "access-token-1", 200).await;
    let _second = user_answering(&h, "access-token-2", 200).await;
    h.fallback().await;
    let okta = oauth_client(&h, &keys().rsa_private_pkcs1);
    okta.read_user("00u1").await.unwrap();
    h.clock.advance(Duration::from_secs(3600));
    okta.read_user("00u1").await.unwrap();
    token.assert_calls_async(2).await;
    let audience = format!("{}/oauth2/v1/token", h.org_url());
    let jtis: Vec<Value> = assertions(&h)
        .iter()
        .map(|a| {
            verify(
                a,
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(keys().rsa_public.as_bytes()).unwrap(),
                &audience,
            )["jti"]
                .clone()
        })
        .collect();
    assert_eq!(jtis.len(), 2);
    assert_ne!(jtis[0], jtis[1]);
}

#[tokio::test]
async fn es256_keys_sign_es256_assertions() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let read = user_answering(&h, "access-token-1", 200).await;
    h.fallback().await;
    let okta = oauth_client(&h, &keys().ec_private_pkcs8);
    okta.read_user("00u1").await.unwrap();
    token.assert_calls_async(1).await;
    read.assert_calls_async(1).await;
    let audience = format!("{}/oauth2/v1/token", h.org_url());
    let [assertion] = assertions(&h).try_into().unwrap();
    let claims = verify(
        &assertion,
        Algorithm::ES256,
        DecodingKey::from_ec_pem(keys().ec_public.as_bytes()).unwrap(),
        &audience,
    );
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(
        PrivateKeyJwt::from_pem(&keys().ec_private_pkcs8)
            .unwrap()
            .algorithm(),
        "ES256"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_with_an_expired_token_make_exactly_one_token_request() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let _first = user_answering(&h, "access-token-1", 200).await;
    let second = user_answering(&h, "access-token-2", 200).await;
    h.fallback().await;
    let okta = oauth_client(&h, &keys().rsa_private_pkcs8);
    okta.read_user("00u1").await.unwrap();
    token.assert_calls_async(1).await;
    // The token has expired.
    h.clock.advance(Duration::from_secs(3601));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let okta = okta.clone();
            tokio::spawn(async move { okta.read_user("00u1").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    token.assert_calls_async(2).await;
    second.assert_calls_async(100).await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_once() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let refused = user_answering(&h, "access-token-1", 401).await;
    let accepted = user_answering(&h, "access-token-2", 200).await;
    h.fallback().await;
    let okta = oauth_client(&h, &keys().rsa_private_pkcs8);
    let user = okta.read_user("00u1").await.unwrap();
    assert_eq!(user.id, "00ub0oNGTSWTBKOLGLNR");
    token.assert_calls_async(2).await;
    refused.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_401_after_the_refresh_is_an_authentication_error() {
    let h = Harness::start().await;
    let (token, _) = token_endpoint(&h, 3600).await;
    let first = user_answering(&h, "access-token-1", 401).await;
    let second = user_answering(&h, "access-token-2", 401).await;
    h.fallback().await;
    let e = oauth_client(&h, &keys().rsa_private_pkcs8)
        .read_user("00u1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.attempts(), 2);
    token.assert_calls_async(2).await;
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_refused_client_is_an_authentication_error_that_shows_no_assertion() {
    let h = Harness::start().await;
    let token = h
        .server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/v1/token");
            then.status(401).json_body(json!({"error": "invalid_client",
                "error_description": "The client_assertion signature is invalid."}));
        })
        .await;
    h.fallback().await;
    let e = oauth_client(&h, &keys().rsa_private_pkcs8)
        .read_user("00u1")
        .await
        .unwrap_err();
    token.assert_calls_async(1).await;
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.code(), Some("invalid_client"));
    let text = format!("{e} {e:?} {}", e.to_json());
    assert!(text.contains("signature is invalid"), "{text}");
    let [assertion] = assertions(&h).try_into().unwrap();
    assert!(!text.contains(&assertion[..40]), "{text}");
    assert!(!text.contains("MII"), "{text}");
}

#[test]
fn unusable_keys_are_configuration_errors_that_never_show_the_key() {
    let truncated = {
        let pem = &keys().rsa_private_pkcs8;
        let lines: Vec<&str> = pem.lines().collect();
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1..5].join("\n"),
            lines[lines.len() - 1]
        )
    };
    let cases = [
        ("not pem", "just some text".to_owned()),
        ("public key", keys().rsa_public.clone()),
        ("sec1", keys().ec_private_sec1.clone()),
        ("encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n".to_owned()),
        ("truncated", truncated),
    ];
    for (what, pem) in cases {
        let e = Okta::builder("https://acme.okta.com")
            .private_key_jwt(CLIENT_ID, pem.as_str(), SCOPES)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Configuration, "{what}");
        let text = format!("{e} {e:?}");
        assert!(text.contains("private key"), "{what}: {text}");
        for line in pem
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 8)
        {
            assert!(!text.contains(line), "{what}: {text}");
        }
    }
    let e = Okta::builder("https://acme.okta.com")
        .private_key_jwt(CLIENT_ID, keys().ec_private_sec1.as_str(), SCOPES)
        .build()
        .unwrap_err();
    assert!(e.message().contains("PKCS#8"), "{e}");
}

#[test]
fn debug_and_display_never_show_the_private_key() {
    let key = &keys().rsa_private_pkcs8;
    let builder =
        Okta::builder("https://acme.okta.com").private_key_jwt(CLIENT_ID, key.as_str(), SCOPES);
    let builder_text = format!("{builder:?}");
    let okta = builder.build().unwrap();
    let signer = PrivateKeyJwt::from_pem(key).unwrap();
    let text = format!("{builder_text} {okta:?} {okta} {signer:?}");
    let body_line = key.lines().nth(2).unwrap();
    assert!(!text.contains(body_line), "{text}");
    assert!(text.contains("Bearer ****"), "{text}");
}

#[tokio::test]
async fn a_dry_run_asks_for_no_token_and_masks_the_bearer() {
    let h = Harness::start().await;
    h.fallback().await;
    let log = DryRunLog::new();
    let okta = h
        .builder()
        .private_key_jwt(CLIENT_ID, keys().rsa_private_pkcs8.as_str(), SCOPES)
        .dry_run(log.clone())
        .build()
        .unwrap();
    let e = okta.read_user("00u1").await.unwrap_err();
    assert!(e.is_dry_run_stop());
    assert!(h.seen().is_empty());
    let [recorded] = log.requests().try_into().unwrap();
    assert_eq!(recorded.headers["authorization"], "Bearer ****");
}
