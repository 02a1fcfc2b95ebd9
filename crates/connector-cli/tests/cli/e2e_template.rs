//! The built-in template (`flows/add-user-to-admin-role.yaml`) run by the runtime's engine
//! on the Okta emulator, through the real Okta connector and pipeline: a Support user
//! (`support` too: the role is compared lowercased) is assigned HELP_DESK_ADMIN, anyone else
//! is skipped without a role call, and a second run finds the role already assigned.

use crate::common;

use connector_core::Env;
use connector_okta::{CreateUserInput, HELP_DESK_ADMIN, Okta, UserProfile};
use connector_runtime::Run;
use connector_runtime::cards::Cards;
use connector_runtime::flows::run_once;
use connector_sandbox::Sandbox;
use serde_json::json;

fn new_user(login: &str, role: &str) -> CreateUserInput {
    CreateUserInput::new(
        UserProfile::new(login)
            .with_name("Test", "User")
            .with_attribute("role", role),
    )
}

/// Requests the emulator counted in its `roles` bucket (any call under `/users/{id}/roles`).
fn role_calls(sandbox: &Sandbox) -> u64 {
    sandbox.okta().stats().buckets["roles"].requests
}

/// The template for the user `id` just created, as the event hook reports it, run once by
/// the engine with the registry's cards on the sandbox.
async fn run_template(sandbox: &Sandbox, id: &str, login: &str) -> Run {
    let env = Env::from_pairs([
        ("OKTA_ORG_URL", sandbox.okta().base_url()),
        ("OKTA_API_TOKEN", sandbox.okta().api_token().to_owned()),
    ]);
    let cards = Cards::new(connector_cli::registry(), env);
    let flow = connector_cli::hooks::template(&cards).expect("the template is valid");
    let event = json!({
        "uuid": format!("event-{id}"),
        "eventType": "user.lifecycle.create",
        "target": [{ "id": id, "type": "User", "alternateId": login }]
    });
    run_once(&flow, &event, &cards, false).await.run
}

async fn created(okta: &Okta, login: &str, role: &str) -> String {
    okta.create_user(new_user(login, role)).await.unwrap().id
}

#[tokio::test]
async fn support_user_is_assigned_help_desk_admin_and_the_emulator_holds_the_role() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = created(&okta, "ada@example.com", "Support").await;

    let run = run_template(&sandbox, &user, "ada@example.com").await;

    assert_eq!(run.outcome.as_deref(), Some("assigned"), "{run:?}");
    let assignment_id = run.output.as_ref().unwrap()["assignmentId"]
        .as_str()
        .unwrap_or_else(|| panic!("no assignment id: {run:?}"))
        .to_owned();
    assert!(assignment_id.starts_with("ra"), "{assignment_id}");
    assert_eq!(
        sandbox.okta().user_role_types(&user),
        Some(vec![HELP_DESK_ADMIN.to_owned()])
    );
    assert_eq!(role_calls(&sandbox), 1, "one POST to the user's roles");
    // What a workflow would see next: the role in the user's list, under the same id.
    let roles = okta.list_user_roles(&user).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role_type, HELP_DESK_ADMIN);
    assert_eq!(roles[0].id, assignment_id);
}

#[tokio::test]
async fn the_role_is_compared_lowercased_so_support_earns_it_too() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    for (login, role) in [
        ("lin@example.com", "support"),
        ("max@example.com", "SUPPORT"),
    ] {
        let user = created(&okta, login, role).await;
        let run = run_template(&sandbox, &user, login).await;
        assert_eq!(run.outcome.as_deref(), Some("assigned"), "{role}: {run:?}");
        assert_eq!(
            sandbox.okta().user_role_types(&user),
            Some(vec![HELP_DESK_ADMIN.to_owned()])
        );
    }
}

#[tokio::test]
async fn user_with_another_role_is_skipped_without_any_role_call() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = created(&okta, "grace@example.com", "Engineering").await;
    let before = sandbox.okta().stats();

    let run = run_template(&sandbox, &user, "grace@example.com").await;

    assert_eq!(run.outcome.as_deref(), Some("skipped"), "{run:?}");
    assert_eq!(
        run.output,
        Some(json!({ "userId": user, "role": "Engineering" })),
        "the skipped run says whose role it was"
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
    assert_eq!(sandbox.okta().user_role_types(&user), Some(vec![]));
}

#[tokio::test]
async fn second_run_for_the_same_user_reports_already_assigned_and_changes_nothing() {
    let sandbox = common::sandbox().await;
    let okta = common::okta(&sandbox);
    let user = created(&okta, "ada@example.com", "Support").await;
    let first = run_template(&sandbox, &user, "ada@example.com").await;
    assert_eq!(first.outcome.as_deref(), Some("assigned"), "{first:?}");

    // Event hooks are delivered at least once: the same event may run the template again.
    let second = run_template(&sandbox, &user, "ada@example.com").await;

    assert_eq!(
        second.outcome.as_deref(),
        Some("alreadyAssigned"),
        "{second:?}"
    );
    assert_eq!(
        sandbox.okta().user_role_types(&user),
        Some(vec![HELP_DESK_ADMIN.to_owned()]),
        "still exactly one assignment"
    );
    // The emulator answered the second POST with 409 E0000090, once: not retried.
    assert_eq!(role_calls(&sandbox), 2);
}
