//! Okta management OpenAPI validation. Skips when the specs are absent.

use serde_json::{Value, json};
use spec_check::OktaSpec;

fn spec() -> Option<&'static OktaSpec> {
    spec_check::okta()
}

#[test]
fn loads_within_reason() {
    let started = std::time::Instant::now();
    let Some(spec) = spec() else { return };
    eprintln!(
        "okta() ready after {:?} (first caller pays the parse)",
        started.elapsed()
    );
    assert_eq!(
        spec.operation("GET", "/api/v1/users/00u1"),
        Some(("/api/v1/users/{id}", "getUser"))
    );
}

#[test]
fn literal_segments_win_over_templates() {
    let Some(spec) = spec() else { return };
    assert_eq!(
        spec.operation("GET", "/api/v1/users/00u1/factors/catalog"),
        Some((
            "/api/v1/users/{userId}/factors/catalog",
            "listSupportedFactors"
        ))
    );
    assert_eq!(
        spec.operation("GET", "/api/v1/users/00u1/factors/fac1")
            .map(|o| o.0),
        Some("/api/v1/users/{userId}/factors/{factorId}")
    );
    assert_eq!(
        spec.operation("GET", "/api/v1/groups/rules").map(|o| o.0),
        Some("/api/v1/groups/rules")
    );
    // `me` is just a value of `{id}` in this document.
    assert_eq!(
        spec.operation("GET", "/api/v1/users/me").map(|o| o.0),
        Some("/api/v1/users/{id}")
    );
    // Logins in the path are percent-decoded.
    spec.validate_request("GET", "/api/v1/users/a%40b.c", None)
        .unwrap();
}

#[test]
fn role_assignment_request_body() {
    let Some(spec) = spec() else { return };
    let url = "/api/v1/users/00u1/roles";
    spec.validate_request("POST", url, Some(&json!({"type": "HELP_DESK_ADMIN"})))
        .unwrap();
    let errors = spec
        .validate_request("POST", url, Some(&json!({"type": "HELP_DESK"})))
        .unwrap_err();
    eprintln!("{errors:#?}");
    assert!(!errors.is_empty());
    let errors = spec
        .validate_request("POST", url, Some(&json!({})))
        .unwrap_err();
    eprintln!("{errors:#?}");
    // A body is required for this operation.
    assert!(spec.validate_request("POST", url, None).is_err());
}

#[test]
fn create_user_with_custom_profile_attributes() {
    let Some(spec) = spec() else { return };
    let body = json!({"profile": {
        "login": "a@b.c", "email": "a@b.c", "firstName": "A", "lastName": "B", "role": "Support"
    }});
    spec.validate_request("POST", "/api/v1/users?activate=true", Some(&body))
        .unwrap();
    let bad = json!({"profile": {"login": 5, "email": "a@b.c"}});
    let errors = spec
        .validate_request("POST", "/api/v1/users?activate=true", Some(&bad))
        .unwrap_err();
    eprintln!("{errors:#?}");
    // Missing the required profile.
    assert!(
        spec.validate_request("POST", "/api/v1/users", Some(&json!({"credentials": {}})))
            .is_err()
    );
}

#[test]
fn query_parameters() {
    let Some(spec) = spec() else { return };
    spec.validate_request(
        "GET",
        "/api/v1/users?search=profile.role%20eq%20%22Support%22&limit=2",
        None,
    )
    .unwrap();
    spec.validate_request(
        "GET",
        "https://example.okta.com/api/v1/users?search=profile.role+eq+%22Support%22&limit=2&after=abc",
        None,
    )
    .unwrap();
    let errors = spec
        .validate_request("GET", "/api/v1/users?limit=2&colour=blue", None)
        .unwrap_err();
    eprintln!("{errors:#?}");
    assert!(errors[0].contains("colour"), "{errors:?}");
    let errors = spec
        .validate_request("GET", "/api/v1/users?limit=two", None)
        .unwrap_err();
    eprintln!("{errors:#?}");
    assert!(errors[0].contains("limit"), "{errors:?}");
    let errors = spec
        .validate_request(
            "POST",
            "/api/v1/users?activate=maybe",
            Some(&json!({"profile": {"login": "a@b.c"}})),
        )
        .unwrap_err();
    eprintln!("{errors:#?}");
}

#[test]
fn unknown_paths_and_methods() {
    let Some(spec) = spec() else { return };
    let errors = spec
        .validate_request("GET", "/api/v1/nonexistent", None)
        .unwrap_err();
    eprintln!("{errors:#?}");
    let errors = spec
        .validate_request("PATCH", "/api/v1/users/00u1/roles/ra1", None)
        .unwrap_err();
    eprintln!("{errors:#?}");
    spec.validate_request("DELETE", "/api/v1/users/00u1/roles/ra1", None)
        .unwrap();
    // A body where none is documented.
    assert!(
        spec.validate_request("DELETE", "/api/v1/users/00u1/roles/ra1", Some(&json!({})))
            .is_err()
    );
}

fn user() -> Value {
    json!({
        "id": "00u1",
        "status": "ACTIVE",
        "created": "2024-01-01T00:00:00.000Z",
        "activated": null,
        "statusChanged": "2024-01-01T00:00:00.000Z",
        "lastLogin": null,
        "lastUpdated": "2024-01-01T00:00:00.000Z",
        "passwordChanged": null,
        "type": {"id": "oty1"},
        "profile": {
            "login": "a@b.c", "email": "a@b.c", "firstName": "A", "lastName": "B",
            "mobilePhone": null, "role": "Support"
        },
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": "https://example.okta.com/api/v1/users/00u1"}}
    })
}

#[test]
fn user_response() {
    let Some(spec) = spec() else { return };
    spec.validate_response("GET", "/api/v1/users/00u1", 200, &user())
        .unwrap();
    let mut bad = user();
    bad["status"] = json!(5);
    let errors = spec
        .validate_response("GET", "/api/v1/users/00u1", 200, &bad)
        .unwrap_err();
    eprintln!("{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("/status")), "{errors:?}");
}

#[test]
fn role_assignment_response() {
    let Some(spec) = spec() else { return };
    let body = json!({
        "id": "ra1", "label": "Help Desk Administrator", "type": "HELP_DESK_ADMIN",
        "status": "ACTIVE", "created": "2024-01-01T00:00:00.000Z",
        "lastUpdated": "2024-01-01T00:00:00.000Z", "assignmentType": "USER",
        "_links": {"assignee": {"href": "https://example.okta.com/api/v1/users/00u1"}}
    });
    spec.validate_response("POST", "/api/v1/users/00u1/roles", 201, &body)
        .unwrap();
    let mut bad = body.clone();
    bad["assignmentType"] = json!("ROBOT");
    let errors = spec
        .validate_response("POST", "/api/v1/users/00u1/roles", 201, &bad)
        .unwrap_err();
    eprintln!("{errors:#?}");
    // No JSON body documented for 204.
    spec.validate_response("DELETE", "/api/v1/users/00u1/roles/ra1", 204, &Value::Null)
        .unwrap();
}

#[test]
fn examples() {
    let Some(spec) = spec() else { return };
    let example = spec
        .response_example("GET", "/api/v1/users/{id}", 200)
        .expect("getUser documents an example");
    spec.validate_response("GET", "/api/v1/users/00u1", 200, &example)
        .unwrap();
    assert!(
        spec.response_example(
            "DELETE",
            "/api/v1/users/{userId}/roles/{roleAssignmentId}",
            204
        )
        .is_none()
    );
}

#[test]
fn error_responses() {
    let Some(spec) = spec() else { return };
    let error = json!({
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: 00u1 (User)",
        "errorLink": "E0000007",
        "errorId": "oae1",
        "errorCauses": []
    });
    spec.validate_response("GET", "/api/v1/users/00u1", 404, &error)
        .unwrap();
    // 429 is a `$ref` to components/responses.
    spec.validate_response("GET", "/api/v1/users", 429, &error)
        .unwrap();
    let errors = spec
        .validate_response(
            "GET",
            "/api/v1/users/00u1",
            404,
            &json!({"errorCauses": "none"}),
        )
        .unwrap_err();
    eprintln!("{errors:#?}");
    // Undocumented statuses are not checked.
    spec.validate_response("GET", "/api/v1/users/00u1", 418, &json!("teapot"))
        .unwrap();
    let statuses = spec
        .documented_statuses("GET", "/api/v1/users/00u1")
        .unwrap();
    assert!(statuses.iter().any(|s| s == "200"), "{statuses:?}");
}
