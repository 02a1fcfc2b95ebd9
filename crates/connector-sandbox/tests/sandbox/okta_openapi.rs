//! Every operation the Okta emulator serves, each answer checked against Okta's own
//! OpenAPI documents (skipped, with a line on stderr, when `shared/specs` is absent).

use crate::common;

use common::*;
use connector_sandbox::{Bucket, OktaConfig, OktaEmulator};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use spec_check::OktaSpec;

struct Checker<'a> {
    okta: &'a OktaEmulator,
    spec: &'static OktaSpec,
    http: reqwest::Client,
    checked: Vec<String>,
}

impl Checker<'_> {
    /// Sends a request (validated first), validates the answer, returns status and body.
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
        auth: Option<&str>,
    ) -> (u16, Value) {
        if let Err(errors) = self.spec.validate_request(method, path, body.as_ref()) {
            // Requests that are wrong on purpose are allowed to fail validation.
            eprintln!("request {method} {path} departs from the spec (on purpose?): {errors:?}");
        }
        let method_ = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method_, format!("{}{path}", self.okta.base_url()));
        let auth = auth.map(str::to_owned).unwrap_or_else(|| ssws(self.okta));
        request = request.header("Authorization", auth);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").cloned();
        let bytes = response.bytes().await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            assert_eq!(
                content_type.as_ref().map(|v| v.to_str().unwrap()),
                Some("application/json")
            );
            serde_json::from_slice(&bytes).unwrap()
        };
        if status != 204 {
            self.spec
                .validate_response(method, path, status, &value)
                .unwrap_or_else(|errors| {
                    panic!("{method} {path} -> {status} {value}\n{errors:#?}")
                });
        }
        self.checked.push(format!("{method} {path} -> {status}"));
        (status, value)
    }
}

#[tokio::test]
async fn every_served_operation_answers_as_the_openapi_document_says() {
    let Some(spec) = spec_check::okta() else {
        return;
    };
    let okta = okta_with(OktaConfig::default().with_bucket_limit(Bucket::Roles, 7)).await;
    let mut c = Checker {
        okta: &okta,
        spec,
        http: http(),
        checked: Vec::new(),
    };

    let mut p = profile("spec@example.com");
    p["role"] = json!("Support");
    p["mobilePhone"] = json!("555-0100");
    let body = json!({"profile": p, "credentials": {"password": {"value": "Sp3c-compliant!"}}});
    let (status, user) = c
        .call(
            "POST",
            "/api/v1/users?activate=true",
            Some(body.clone()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let id = user["id"].as_str().unwrap().to_owned();
    let staged = json!({"profile": profile("staged@example.com")});
    assert_eq!(
        c.call("POST", "/api/v1/users?activate=false", Some(staged), None)
            .await
            .0,
        200
    );
    let provisioned = json!({"profile": profile("prov@example.com")});
    assert_eq!(
        c.call("POST", "/api/v1/users", Some(provisioned), None)
            .await
            .0,
        200
    );
    assert_eq!(
        c.call("POST", "/api/v1/users?activate=true", Some(body), None)
            .await
            .0,
        400
    );
    assert_eq!(
        c.call("POST", "/api/v1/users", Some(json!({"profile": {}})), None)
            .await
            .0,
        400
    );

    let (_, mut broken) = c
        .call("GET", &format!("/api/v1/users/{id}"), None, None)
        .await;
    // The check can fail: a user with a status Okta does not have is refused.
    broken["status"] = json!("HAPPY");
    assert!(
        spec.validate_response("GET", &format!("/api/v1/users/{id}"), 200, &broken)
            .is_err()
    );
    assert_eq!(
        c.call("GET", "/api/v1/users/spec%40example.com", None, None)
            .await
            .0,
        200
    );
    assert_eq!(
        c.call("GET", "/api/v1/users/00unothere0000000000", None, None)
            .await
            .0,
        404
    );
    assert_eq!(
        c.call("GET", "/api/v1/users?limit=2", None, None).await.0,
        200
    );
    let search = "/api/v1/users?search=profile.role%20eq%20%22Support%22&limit=10";
    assert_eq!(c.call("GET", search, None, None).await.0, 200);
    assert_eq!(
        c.call(
            "GET",
            "/api/v1/users?filter=status%20eq%20%22STAGED%22",
            None,
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        c.call("GET", "/api/v1/users?q=tes", None, None).await.0,
        200
    );
    assert_eq!(
        c.call("GET", "/api/v1/users?search=profile.role%20eq", None, None)
            .await
            .0,
        400
    );
    assert_eq!(
        c.call("GET", "/api/v1/users", None, Some("SSWS wrong"))
            .await
            .0,
        401
    );

    let roles = format!("/api/v1/users/{id}/roles");
    let (status, role) = c
        .call(
            "POST",
            &roles,
            Some(json!({"type": "HELP_DESK_ADMIN"})),
            None,
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        c.call(
            "POST",
            &roles,
            Some(json!({"type": "HELP_DESK_ADMIN"})),
            None
        )
        .await
        .0,
        409
    );
    assert_eq!(
        c.call("POST", &roles, Some(json!({"type": "NOPE"})), None)
            .await
            .0,
        400
    );
    assert_eq!(c.call("GET", &roles, None, None).await.0, 200);
    let ra = role["id"].as_str().unwrap();
    assert_eq!(
        c.call("DELETE", &format!("{roles}/{ra}"), None, None)
            .await
            .0,
        204
    );
    assert_eq!(
        c.call("DELETE", &format!("{roles}/{ra}"), None, None)
            .await
            .0,
        404
    );
    assert_eq!(
        c.call(
            "GET",
            "/api/v1/users/00unothere0000000000/roles",
            None,
            None
        )
        .await
        .0,
        404
    );
    // The roles bucket allows 7 per window: this one is over.
    assert_eq!(c.call("GET", &roles, None, None).await.0, 429);

    eprintln!(
        "checked against the OpenAPI document:\n  {}",
        c.checked.join("\n  ")
    );
}

#[tokio::test]
async fn the_token_endpoint_answers_as_the_oauth_document_says() {
    let Some(spec) = spec_check::okta_oauth() else {
        return;
    };
    let okta = okta().await;
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public = key.public_key().to_public_key_pem(LineEnding::LF).unwrap();
    okta.register_oauth_client("0oaspec", &public, &["okta.users.read"])
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": "0oaspec", "sub": "0oaspec", "aud": format!("{}/oauth2/v1/token", okta.base_url()),
        "iat": now, "exp": now + 300, "jti": "spec-1",
    });
    let jwt = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims,
        &EncodingKey::from_ec_pem(private.as_bytes()).unwrap(),
    )
    .unwrap();
    let form = json!({
        "grant_type": "client_credentials",
        "scope": "okta.users.read",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt,
    });
    spec.validate_request("POST", "/oauth2/v1/token", Some(&form))
        .unwrap_or_else(|e| panic!("the test's own request: {e:?}"));
    let fields: Vec<(String, String)> = form
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    for expected in [200, 401] {
        // The second attempt replays the same `jti`: 401 invalid_client.
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let response = http()
            .post(format!("{}/oauth2/v1/token", okta.base_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected);
        let value: Value = response.json().await.unwrap();
        spec.validate_response("POST", "/oauth2/v1/token", expected, &value)
            .unwrap_or_else(|e| panic!("{expected}: {value}\n{e:#?}"));
    }
}
