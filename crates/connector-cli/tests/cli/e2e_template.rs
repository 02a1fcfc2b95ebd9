//! The help-desk template's three outcomes on the Okta emulator, through the real Okta
//! connector and pipeline: a Support user is assigned HELP_DESK_ADMIN, anyone else is
//! skipped without a role call, and a second run finds the role already assigned.

use crate::common;

use connector_okta::help_desk::{self, Outcome};
use connector_okta::{CreateUserInput, HELP_DESK_ADMIN, UserProfile};

fn new_user(login: &str, role: &str) -> CreateUserInput {
    CreateUserInput::new(
        UserProfile::new(login)
            .with_name("Test", "User")
            .with_attribute("role", role),
    )
}

/// Requests the emulator counted in its `roles` bucket (any call under `/users/{id}/roles`).
fn role_calls(sandbox: &connector_sandbox::Sandbox) -> u64 {
    sandbox.okta().stats().buckets["roles"].requests
}

#[tokio::test]
async fn support_user_is_assigned_help_desk_admin_and_the_emulator_holds_the_role() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = okta
        .create_user(new_user("ada@example.com", "Support"))
        .await
        .unwrap();

    let outcome = help_desk::on_user_created(&okta, &user.id).await.unwrap();

    let Outcome::Assigned { assignment_id } = outcome else {
        panic!("expected Assigned, got {outcome:?}");
    };
    assert!(assignment_id.starts_with("ra"), "{assignment_id}");
    assert_eq!(
        sandbox.okta().user_role_types(&user.id),
        Some(vec![HELP_DESK_ADMIN.to_owned()])
    );
    assert_eq!(role_calls(&sandbox), 1, "one POST to the user's roles");
    // What a workflow would see next: the role in the user's list, under the same id.
    let roles = okta.list_user_roles(&user.id).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role_type, HELP_DESK_ADMIN);
    assert_eq!(roles[0].id, assignment_id);
}

#[tokio::test]
async fn user_with_another_role_is_skipped_without_any_role_call() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = okta
        .create_user(new_user("grace@example.com", "Engineering"))
        .await
        .unwrap();
    let before = sandbox.okta().stats();

    let outcome = help_desk::on_user_created(&okta, &user.id).await.unwrap();

    let Outcome::Skipped { reason } = outcome else {
        panic!("expected Skipped, got {outcome:?}");
    };
    assert!(
        reason.contains("Engineering") && reason.contains("Support"),
        "{reason}"
    );
    let after = sandbox.okta().stats();
    assert_eq!(
        after.buckets["roles"].requests, before.buckets["roles"].requests,
        "the skipped user drew a role call"
    );
    assert_eq!(
        after.buckets["user"].requests,
        before.buckets["user"].requests + 1,
        "the template reads the user once"
    );
    assert_eq!(
        after.requests,
        before.requests + 1,
        "and sends nothing else"
    );
    assert_eq!(sandbox.okta().user_role_types(&user.id), Some(vec![]));
}

#[tokio::test]
async fn second_run_for_the_same_user_reports_already_assigned_and_changes_nothing() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = okta
        .create_user(new_user("ada@example.com", "Support"))
        .await
        .unwrap();
    let first = help_desk::on_user_created(&okta, &user.id).await.unwrap();
    assert!(matches!(first, Outcome::Assigned { .. }), "{first:?}");

    // Event hooks are delivered at least once: the same event may run the template again.
    let second = help_desk::on_user_created(&okta, &user.id).await.unwrap();

    assert_eq!(second, Outcome::AlreadyAssigned);
    assert_eq!(
        sandbox.okta().user_role_types(&user.id),
        Some(vec![HELP_DESK_ADMIN.to_owned()]),
        "still exactly one assignment"
    );
    // The emulator answered the second POST with 409 E0000090, once: not retried.
    assert_eq!(role_calls(&sandbox), 2);
}
