//! The seed template's export ("Intro to Custom API Actions"), card by card as the
//! reference describes it; the export under `tests/exports/` is written for these tests.

use crate::common::{Temp, cards, seed};

fn imported() -> std::collections::BTreeMap<String, String> {
    let out = Temp::new("seed");
    let import = flow_import::import(&[seed()], &out.0, cards);
    assert!(import.report.all_written(), "{}", import.report.as_text());
    import.files().iter().cloned().collect()
}

#[test]
fn add_user_to_admin_role_is_an_event_flow_whose_for_each_calls_the_extracted_helper() {
    let files = imported();
    let main = &files["add-user-to-admin-role.yaml"];
    // User Created: the okta_event trigger.
    assert!(
        main.contains("okta_event:\n    types:\n      - \"user.lifecycle.create\""),
        "{main}"
    );
    // For Each - Ignore Errors over the event's users, its inline helper called per item,
    // an item's error not stopping the others.
    assert!(
        main.contains("description: \"For Each - Ignore Errors\""),
        "{main}"
    );
    assert!(
        main.contains("call: \"add-user-to-admin-role-for-each-ignore-errors\""),
        "{main}"
    );
    assert!(main.contains("input: \"{{ item }}\""), "{main}");
    assert!(main.contains("on_error: \"continue\""), "{main}");
}

#[test]
fn the_helper_reads_the_user_compares_the_role_lowercased_and_posts_the_role() {
    let helper = &imported()["add-user-to-admin-role-for-each-ignore-errors.yaml"];
    let expected = [
        // control.callable: a callable flow.
        "callable: {}",
        // okta.readUser: "ID or Login" from the event's Okta User.
        "card: \"okta.read-user\"",
        "id: \"{{ event['Okta User'].ID }}\"",
        // string.toLowerCase of the profile's role.
        "output: \"steps.read_user.output.profile.role | lower\"",
        // control.continueIf == "support", else ended with its message.
        "if: \"not (steps.to_lower_case.output.output == 'support')\"",
        "message: \"Not a support role\"",
        // string.compose of the relative URL.
        "output: \"'/api/v1/users/' ~ (event['Okta User'].ID | string) ~ '/roles'\"",
        // object.construct of the headers and the body.
        "output: \"{'Accept': 'application/json', 'Content-Type': 'application/json'}\"",
        "output: \"{'type': 'HELP_DESK_ADMIN'}\"",
        // okta.hTTPRequest: POST through the Custom API Action.
        "card: \"okta.custom-api-action\"",
        "method: \"POST\"",
        "relativeUrl: \"{{ steps.compose_api_relative_url.output.output }}\"",
        "body: \"{{ steps.construct_body.output.output }}\"",
    ];
    let mut at = 0;
    for line in expected {
        let found = helper[at..]
            .find(line)
            .unwrap_or_else(|| panic!("{line} (in order)\n{helper}"));
        at += found;
    }
}

#[test]
fn the_test_flow_creates_a_staged_support_user_on_its_schedule() {
    let test = &imported()["test-flow-create-okta-user.yaml"];
    assert!(
        test.contains("schedule:\n    cron: \"0 9 * * 3\"\n    timezone: \"America/Los_Angeles\""),
        "{test}"
    );
    assert!(test.contains("card: \"okta.create-user\""), "{test}");
    assert!(test.contains("role: \"Support\""), "{test}");
    assert!(test.contains("activate: false"), "{test}");
}
