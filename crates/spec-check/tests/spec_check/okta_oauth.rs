//! Okta OAuth 2.0 OpenAPI validation (form-encoded token requests). Skips when absent.

use serde_json::json;

#[test]
fn client_credentials_token_request() {
    let Some(spec) = spec_check::okta_oauth() else {
        return;
    };
    let form = json!({
        "grant_type": "client_credentials",
        "scope": "okta.users.read okta.users.manage",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": "eyJ..."
    });
    spec.validate_request("POST", "/oauth2/v1/token", Some(&form))
        .unwrap();
    // The discriminator (grant_type) selects TokenRequestClientCredentials, which needs scope.
    let errors = spec
        .validate_request(
            "POST",
            "/oauth2/v1/token",
            Some(&json!({"grant_type": "client_credentials"})),
        )
        .unwrap_err();
    eprintln!("{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("scope")), "{errors:?}");
    let errors = spec
        .validate_request(
            "POST",
            "/oauth2/v1/token",
            Some(&json!({"grant_type": "magic", "scope": "x"})),
        )
        .unwrap_err();
    eprintln!("{errors:#?}");
}

#[test]
fn token_response() {
    let Some(spec) = spec_check::okta_oauth() else {
        return;
    };
    let body = json!({
        "token_type": "Bearer", "expires_in": 3600, "access_token": "eyJ...",
        "scope": "okta.users.read"
    });
    spec.validate_response("POST", "/oauth2/v1/token", 200, &body)
        .unwrap();
    let example = spec
        .response_example("POST", "/oauth2/v1/token", 200)
        .expect("documented");
    spec.validate_response("POST", "/oauth2/v1/token", 200, &example)
        .unwrap();
    let errors = spec
        .validate_response(
            "POST",
            "/oauth2/v1/token",
            200,
            &json!({"expires_in": "soon"}),
        )
        .unwrap_err();
    eprintln!("{errors:#?}");
    spec.validate_request("GET", "/oauth2/v1/keys?client_id=0oa1", None)
        .unwrap();
}
