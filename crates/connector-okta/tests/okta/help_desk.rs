//! The "Add User to Admin Role" template: a Support user gets HELP_DESK_ADMIN through the
//! Custom API Action; anyone else is skipped without a role call; a second run is fine.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Harness, TOKEN, fixture_json, user_agent};
use connector_core::ErrorKind;
use connector_okta::help_desk::{self, HelpDeskTemplate, Outcome, created_users};
use httpmock::Method::{GET, POST};
use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::{Value, json};

fn user(id: &str, profile: Value) -> Value {
    let mut user = fixture_json("get_user.json");
    user["id"] = json!(id);
    for (key, value) in profile.as_object().unwrap() {
        user["profile"][key] = value.clone();
    }
    user
}

fn assignment(id: &str) -> Value {
    let mut assignment = fixture_json("role_assignment_super_admin.json");
    assignment["id"] = json!(id);
    assignment["type"] = json!("HELP_DESK_ADMIN");
    assignment["label"] = json!("Help Desk Administrator");
    assignment
}

const ALREADY: &str = r#"{"errorCode":"E0000090","errorSummary":"Duplicate role assignment exception.","errorLink":"E0000090","errorId":"oae2","errorCauses":[{"errorSummary":"The role specified is already assigned to the user."}]}"#;

#[tokio::test]
async fn a_support_user_gets_help_desk_admin_then_a_second_run_reports_already_assigned() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/users/00u1support")
                .header("authorization", format!("SSWS {TOKEN}"));
            then.status(200)
                .json_body(user("00u1support", json!({"role": "Support"})));
        })
        .await;
    // Okta assigns once; afterwards the role is already there.
    let assigned = Arc::new(AtomicUsize::new(0));
    let count = assigned.clone();
    let assign = h
        .server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/api/v1/users/00u1support/roles")
                .is_true(|req| req.uri().query().is_none())
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("content-type", "application/json")
                .header("user-agent", user_agent())
                .json_body(json!({"type": "HELP_DESK_ADMIN"}));
            then.respond_with(move |_: &HttpMockRequest| {
                if count.fetch_add(1, Ordering::SeqCst) == 0 {
                    HttpMockResponse::builder()
                        .status(201)
                        .body(assignment("ra1new").to_string())
                        .build()
                } else {
                    HttpMockResponse::builder()
                        .status(409)
                        .body(ALREADY)
                        .build()
                }
            });
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    assert_eq!(
        help_desk::on_user_created(&okta, "00u1support")
            .await
            .unwrap(),
        Outcome::Assigned {
            assignment_id: "ra1new".into()
        }
    );
    assert_eq!(
        help_desk::on_user_created(&okta, "00u1support")
            .await
            .unwrap(),
        Outcome::AlreadyAssigned
    );
    read.assert_calls_async(2).await;
    assign.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_user_of_another_role_is_skipped_with_no_role_call() {
    let h = Harness::start().await;
    let read = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u2eng");
            then.status(200)
                .json_body(user("00u2eng", json!({"role": "Engineering"})));
        })
        .await;
    let none = h
        .server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u3none");
            then.status(200).json_body(user("00u3none", json!({})));
        })
        .await;
    // Any role call would hit the fallback and fail the test.
    h.fallback().await;
    let okta = h.okta();
    let outcome = help_desk::on_user_created(&okta, "00u2eng").await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Skipped {
            reason: r#"profile.role is "Engineering", not "Support""#.into()
        }
    );
    let outcome = help_desk::on_user_created(&okta, "00u3none").await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Skipped {
            reason: "profile.role is not set".into()
        }
    );
    read.assert_calls_async(1).await;
    none.assert_calls_async(1).await;
    assert_eq!(h.seen().len(), 2, "only the reads");
}

#[tokio::test]
async fn the_attribute_value_and_role_are_parameters() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u4it");
            then.status(200).json_body(user(
                "00u4it",
                json!({"role": "Support", "department": "IT"}),
            ));
        })
        .await;
    let assign = h
        .server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/users/00u4it/roles")
                .json_body(json!({"type": "USER_ADMIN"}));
            then.status(201).json_body(assignment("ra4"));
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    let template = HelpDeskTemplate::new()
        .with_attribute("department")
        .with_value("IT")
        .with_role_type("USER_ADMIN");
    assert_eq!(
        template.run(&okta, "00u4it").await.unwrap(),
        Outcome::Assigned {
            assignment_id: "ra4".into()
        }
    );
    // Exact match only: "Support" is not "support".
    let skipped = HelpDeskTemplate::new()
        .with_value("support")
        .run(&okta, "00u4it")
        .await
        .unwrap();
    assert!(matches!(skipped, Outcome::Skipped { .. }), "{skipped:?}");
    assign.assert_calls_async(1).await;
}

#[tokio::test]
async fn errors_other_than_already_assigned_are_returned() {
    let h = Harness::start().await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/00u5");
            then.status(200)
                .json_body(user("00u5", json!({"role": "Support"})));
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/users/00u5/roles");
            then.status(403).header("x-okta-request-id", "req-403").body(
                r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorCauses":[]}"#,
            );
        })
        .await;
    h.server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/users/gone");
            then.status(404).body(r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: gone (User)"}"#);
        })
        .await;
    h.fallback().await;
    let okta = h.okta();
    let e = help_desk::on_user_created(&okta, "00u5").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.request_id(), Some("req-403"));
    let e = help_desk::on_user_created(&okta, "gone").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn outcomes_serialise_for_logs_and_hook_answers() {
    assert_eq!(
        serde_json::to_value(Outcome::Assigned {
            assignment_id: "ra1".into()
        })
        .unwrap(),
        json!({"outcome": "assigned", "assignmentId": "ra1"})
    );
    assert_eq!(
        serde_json::to_value(Outcome::AlreadyAssigned).unwrap(),
        json!({"outcome": "alreadyAssigned"})
    );
    assert_eq!(
        serde_json::to_value(Outcome::Skipped { reason: "r".into() }).unwrap(),
        json!({"outcome": "skipped", "reason": "r"})
    );
}

#[test]
fn created_users_come_from_user_lifecycle_create_events_only() {
    let body = json!({
        "eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
        "source": "https://acme.okta.com/api/v1/eventHooks/who1", "eventId": "b5a1",
        "eventTime": "2024-01-01T00:00:00.000Z", "contentType": "application/json",
        "data": {"events": [
            {"uuid": "e1", "eventType": "user.lifecycle.create", "published": "2024-01-01T00:00:00.000Z",
             "outcome": {"result": "SUCCESS"},
             "target": [{"id": "00u1", "type": "User", "alternateId": "jane@acme.com", "displayName": "Jane Doe"}]},
            {"uuid": "e2", "eventType": "user.lifecycle.activate",
             "target": [{"id": "00u1", "type": "User"}]},
            {"uuid": "e3", "eventType": "user.lifecycle.create",
             "target": [{"id": "0oa1", "type": "AppInstance"}, {"id": "00u2", "type": "User"}]},
            {"uuid": "e4", "eventType": "user.lifecycle.create", "target": "nonsense"}
        ]}
    });
    let users = created_users(&body);
    let pairs: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u.event_id.as_str(), u.user_id.as_str()))
        .collect();
    assert_eq!(pairs, [("e1", "00u1"), ("e3", "00u2")]);
    for odd in [
        json!(null),
        json!([]),
        json!({"data": {"events": {}}}),
        json!({"data": 5}),
    ] {
        assert!(created_users(&odd).is_empty(), "{odd}");
    }
}
