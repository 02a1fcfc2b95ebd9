//! Okta's event types, as an `okta_event` trigger names them: the types Okta's event hooks
//! can subscribe to (those of Okta's event cards among them), so that a typo in a flow's
//! trigger is reported with the nearest known type instead of waiting for an event that
//! never comes.

/// The event types an Okta event hook can subscribe to (Okta's "event types eligible for
/// event hooks", the ones Okta Workflows' event cards use first).
pub(crate) const OKTA_EVENT_TYPES: &[&str] = &[
    // Users: lifecycle.
    "user.lifecycle.create",
    "user.lifecycle.activate",
    "user.lifecycle.reactivate",
    "user.lifecycle.deactivate",
    "user.lifecycle.suspend",
    "user.lifecycle.unsuspend",
    "user.lifecycle.delete.initiated",
    "user.lifecycle.delete.completed",
    "user.lifecycle.password_mass_expiry",
    // Users: account.
    "user.account.update_profile",
    "user.account.update_password",
    "user.account.reset_password",
    "user.account.expire_password",
    "user.account.lock",
    "user.account.lock.limit",
    "user.account.unlock",
    "user.account.unlock_by_admin",
    "user.account.unlock_token",
    "user.account.privilege.grant",
    "user.account.privilege.revoke",
    "user.account.report_suspicious_activity_by_enduser",
    "user.account.update_primary_email",
    "user.account.use_token",
    // Users: sessions, sign-in, factors, import.
    "user.session.start",
    "user.session.end",
    "user.session.clear",
    "user.session.impersonation.grant",
    "user.session.impersonation.initiate",
    "user.session.impersonation.end",
    "user.authentication.sso",
    "user.authentication.auth_via_mfa",
    "user.authentication.auth_via_social",
    "user.authentication.authenticate",
    "user.mfa.factor.activate",
    "user.mfa.factor.deactivate",
    "user.mfa.factor.reset_all",
    "user.mfa.factor.suspend",
    "user.mfa.factor.unsuspend",
    "user.mfa.okta_verify.deny_push",
    "user.risk.change",
    "user.import.start",
    "user.import.end",
    // Groups.
    "group.user_membership.add",
    "group.user_membership.remove",
    "group.lifecycle.create",
    "group.lifecycle.delete",
    "group.profile.update",
    "group.privilege.grant",
    "group.privilege.revoke",
    "group.application_assignment.add",
    "group.application_assignment.remove",
    "group.application_assignment.update",
    // Applications.
    "application.user_membership.add",
    "application.user_membership.remove",
    "application.user_membership.change_username",
    "application.user_membership.change_password",
    "application.user_membership.deprovision",
    "application.user_membership.provision",
    "application.user_membership.update",
    "application.user_membership.approve",
    "application.user_membership.restore",
    "application.user_membership.restore_password",
    "application.user_membership.show_password",
    "application.lifecycle.create",
    "application.lifecycle.activate",
    "application.lifecycle.deactivate",
    "application.lifecycle.delete",
    "application.lifecycle.update",
    "application.provision.user.push",
    "application.provision.user.sync",
    "application.provision.user.deactivate",
    "application.provision.user.import",
    "application.provision.group.import",
    "application.provision.group_membership.import",
    "application.integration.rate_limit_exceeded",
    // Policies, devices, the org, security.
    "policy.lifecycle.create",
    "policy.lifecycle.update",
    "policy.lifecycle.delete",
    "policy.lifecycle.activate",
    "policy.lifecycle.deactivate",
    "policy.rule.add",
    "policy.rule.update",
    "policy.rule.delete",
    "policy.rule.activate",
    "policy.rule.deactivate",
    "policy.evaluate_sign_on",
    "device.enrollment.create",
    "device.lifecycle.activate",
    "device.lifecycle.deactivate",
    "device.lifecycle.suspend",
    "device.lifecycle.unsuspend",
    "device.lifecycle.delete",
    "device.user.add",
    "device.user.remove",
    "security.threat.detected",
    "security.authenticator.lifecycle.activate",
    "security.authenticator.lifecycle.deactivate",
    "system.api_token.create",
    "system.api_token.revoke",
    "system.import.user_match",
    "system.org.rate_limit.violation",
    "system.org.rate_limit.warning",
    "system.log_stream.lifecycle.create",
    "directory.app_user_profile.bootstrap",
    "directory.user_profile.bootstrap",
    "app.access_request.request",
    "app.oauth2.as.consent.grant",
    "app.oauth2.as.consent.revoke",
    "workflows.user.flow.move",
];

/// The longest event type compared for a suggestion: longer text is no typo of one.
const MAX_COMPARED: usize = 128;

/// `Ok` when `t` is an Okta event type; otherwise an error naming the nearest known type.
pub(crate) fn check_event_type(t: &str) -> Result<(), String> {
    if OKTA_EVENT_TYPES.contains(&t) {
        return Ok(());
    }
    let shown: String = t.chars().take(MAX_COMPARED).collect();
    let nearest = OKTA_EVENT_TYPES
        .iter()
        .map(|known| (distance(&shown, known), *known))
        .min();
    match nearest {
        Some((_, known)) => Err(format!(
            "{shown:?} is not an Okta event type; did you mean {known:?}?"
        )),
        None => Err(format!("{shown:?} is not an Okta event type")),
    }
}

/// The Levenshtein distance between two short strings (by characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_types_of_okta_event_cards_are_known() {
        for t in [
            "user.lifecycle.create",
            "user.lifecycle.activate",
            "user.lifecycle.deactivate",
            "user.lifecycle.suspend",
            "user.lifecycle.unsuspend",
            "user.lifecycle.delete.initiated",
            "user.account.update_profile",
            "user.account.update_password",
            "user.account.lock",
            "group.user_membership.add",
            "group.user_membership.remove",
            "group.lifecycle.create",
            "group.lifecycle.delete",
            "group.profile.update",
            "application.user_membership.add",
            "application.user_membership.remove",
        ] {
            assert_eq!(check_event_type(t), Ok(()), "{t}");
        }
    }

    #[test]
    fn a_typo_names_the_nearest_known_type() {
        let error = check_event_type("user.lifecycle.deactivte").unwrap_err();
        assert!(error.contains("\"user.lifecycle.deactivate\""), "{error}");
        let error = check_event_type("group.user_membership.ad").unwrap_err();
        assert!(error.contains("\"group.user_membership.add\""), "{error}");
        let error = check_event_type("user.created").unwrap_err();
        assert!(error.contains("is not an Okta event type"), "{error}");
    }

    #[test]
    fn a_huge_type_is_cut_before_it_is_compared_or_echoed() {
        let long = "x".repeat(100_000);
        let error = check_event_type(&long).unwrap_err();
        assert!(error.len() < 400, "{}", error.len());
    }

    #[test]
    fn the_distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn the_list_has_no_duplicates() {
        let mut sorted = OKTA_EVENT_TYPES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), OKTA_EVENT_TYPES.len());
    }
}
